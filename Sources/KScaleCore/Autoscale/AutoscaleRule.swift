import Foundation

/// The decision rule of docs/autoscale.md, pure: the same input gives the same decision.
///
/// 1. The floor and ceiling are brokers.min/max, moved by the schedule entries in force (the
///    latest entry to have fired that sets `min`, and likewise `max`).
/// 2. Below the floor: scale out to it; above the ceiling: scale in towards it (step.in at most).
///    In a policy without signals, a `desired` schedule entry in force sets the target.
/// 3. Otherwise, on demand: scale out (step.out, up to the ceiling) when ANY signal is above its
///    out_above in every sample of the window; scale in (step.in, down to the floor) only when ALL
///    signals with an in_below are below it in every sample AND, for every signal with an
///    out_above, the window's highest value spread over the brokers left stays below out_above by
///    the margin.
/// 4. An operation in flight, or a cooldown (from the END of the last action: cooldown.out before a
///    scale-out, cooldown.in before a scale-in), blocks the action; `blocked_by` says which.
extension AutoscaleDecision {
    public static func decide(_ input: AutoscaleInput) -> AutoscaleDecision {
        let policy = input.policy
        let samples = input.window.within(policy.evaluation.window, endingAt: input.now)
        let current = input.brokers.count
        let bounds = ScheduleBounds(policy: policy, now: input.now)
        var readings: [String: SignalReading] = [:]
        for signal in policy.signals {
            readings[signal.kind.rawValue] = reading(signal, samples: samples)
        }
        var decision = AutoscaleDecision(
            action: .none, count: 0, brokers: [], reason: Reason(summary: ""), signals: readings, blockedBy: [],
            nextEvaluation: timestamp(input.now.addingTimeInterval(policy.evaluation.interval)),
            current: current, floor: bounds.floor, ceiling: bounds.ceiling)

        // What the bounds, the schedule or the signals want.
        var wanted: (action: Action, count: Int)?
        var onDemandScaleIn = false
        if current < bounds.floor {
            wanted = (.scaleOut, bounds.floor - current)
            decision.reason = Reason(summary: "\(current) brokers, below the floor of \(bounds.floor) (\(bounds.floorSource.name))",
                                     schedule: bounds.floorSource.reference)
        } else if current > bounds.ceiling {
            wanted = (.scaleIn, min(current - bounds.ceiling, policy.step.in))
            decision.reason = Reason(summary: "\(current) brokers, above the ceiling of \(bounds.ceiling) (\(bounds.ceilingSource.name))",
                                     schedule: bounds.ceilingSource.reference)
        } else if policy.signals.isEmpty, let desired = bounds.desired {
            let target = min(max(desired.count, bounds.floor), bounds.ceiling)
            decision.reason = Reason(summary: "schedule entry \(desired.source.name) sets desired \(desired.count)", schedule: desired.source.reference)
            if target > current { wanted = (.scaleOut, target - current) }
            if target < current { wanted = (.scaleIn, min(current - target, policy.step.in)) }
        } else if !policy.signals.isEmpty {
            let above = policy.signals.filter { readings[$0.kind.rawValue]?.state == .above }
            let scaleInSignals = policy.signals.filter { $0.inBelow != nil && $0.kind.canScaleIn }
            let allBelow = !scaleInSignals.isEmpty && scaleInSignals.allSatisfy { readings[$0.kind.rawValue]?.state == .below }
            let windowText = "the whole \(DurationText.format(policy.evaluation.window)) window (\(samples.count) sample\(samples.count == 1 ? "" : "s"))"
            if !above.isEmpty {
                decision.reason = Reason(summary: "\(names(above)) above out_above for \(windowText)", signals: windowValues(above, readings))
                if bounds.ceiling > current {
                    wanted = (.scaleOut, min(policy.step.out, bounds.ceiling - current))
                } else {
                    decision.blockedBy.append(Block(kind: bounds.ceilingSource.blockKind(atMax: true),
                                                    detail: "already at the ceiling of \(bounds.ceiling) brokers (\(bounds.ceilingSource.name))"))
                }
            } else if allBelow {
                decision.reason = Reason(summary: "\(names(scaleInSignals)) below in_below for \(windowText)",
                                         signals: windowValues(scaleInSignals, readings))
                if current > bounds.floor {
                    wanted = (.scaleIn, min(policy.step.in, current - bounds.floor))
                    onDemandScaleIn = true
                } else {
                    decision.blockedBy.append(Block(kind: bounds.floorSource.blockKind(atMax: false),
                                                    detail: "already at the floor of \(bounds.floor) brokers (\(bounds.floorSource.name))"))
                }
            } else {
                decision.reason = Reason(summary: "no signal above out_above for \(windowText), and not every scale-in signal below in_below")
            }
        } else {
            decision.reason = Reason(summary: "\(current) brokers, within the floor \(bounds.floor) and ceiling \(bounds.ceiling); no signals and no desired schedule entry in force")
        }

        guard let want = wanted, want.count > 0 else { return decision }
        var planned: [PlannedBroker]
        if want.action == .scaleOut {
            planned = BrokerChoice.added(want.count, to: input.brokers, replicaSets: input.replicaSets)
        } else {
            let usage = samples.last?.usage ?? []
            let choice = BrokerChoice.removed(want.count, from: input.brokers, usage: usage, replicaSets: input.replicaSets)
            planned = choice.brokers
            if planned.isEmpty {
                decision.blockedBy.append(Block(kind: .rackRule, detail: choice.shortfall ?? "no broker can be removed"))
                return decision
            }
            if planned.count < want.count, let shortfall = choice.shortfall {
                decision.reason.summary += "; \(planned.count) of \(want.count) brokers, since \(shortfall)"
            }
            if onDemandScaleIn {
                let removed = Set(planned.map(\.id))
                var tooHigh: [String] = []
                for signal in policy.signals {
                    guard let outAbove = signal.outAbove else { continue }
                    let predictions = samples.map { $0.predicted(signal.kind, without: removed) }
                    let highest = predictions.contains(where: { $0 == nil }) ? nil : predictions.compactMap { $0 }.max()
                    decision.signals[signal.kind.rawValue]?.predictedAfterScaleIn = highest
                    let limit = outAbove - (signal.kind.isShare ? policy.margin : outAbove * policy.margin)
                    guard let highest else {
                        tooHigh.append("\(signal.kind.rawValue) unknown, so the load after the scale-in cannot be predicted")
                        continue
                    }
                    if highest >= limit {
                        tooHigh.append("\(signal.kind.rawValue) would be \(signal.kind.formatted(highest)) on \(current - planned.count) brokers, not below \(signal.kind.formatted(limit)) (out_above \(signal.kind.formatted(outAbove)) less the margin)")
                    }
                }
                if !tooHigh.isEmpty {
                    decision.blockedBy.append(Block(kind: .predictedLoad, detail: tooHigh.joined(separator: "; ")))
                    return decision
                }
            }
        }
        if input.operationInFlight {
            decision.blockedBy.append(Block(kind: .operationInFlight, detail: "an operation is in flight: one at a time"))
        }
        if let lastEnd = input.lastActionEnd {
            let cooldown = want.action == .scaleOut ? policy.cooldown.out : policy.cooldown.in
            let until = lastEnd.addingTimeInterval(cooldown)
            if input.now < until {
                let direction = want.action == .scaleOut ? "out" : "in"
                decision.blockedBy.append(Block(kind: .cooldown,
                                                detail: "cooldown.\(direction) \(DurationText.format(cooldown)) from the end of the last action at \(timestamp(lastEnd))",
                                                until: timestamp(until)))
            }
        }
        guard decision.blockedBy.isEmpty else { return decision }
        decision.action = want.action
        decision.count = planned.count
        decision.brokers = planned
        return decision
    }

    static func reading(_ signal: AutoscalePolicy.Signal, samples: [AutoscaleSample]) -> SignalReading {
        let values = samples.map { $0.value(of: signal.kind) }
        let known = values.compactMap { $0 }
        var state = SignalReading.State.between
        if known.isEmpty || values.last.map({ $0 == nil }) ?? true {
            state = .unknown
        } else if known.count == values.count, let outAbove = signal.outAbove, known.allSatisfy({ $0 > outAbove }) {
            state = .above
        } else if known.count == values.count, let inBelow = signal.inBelow, known.allSatisfy({ $0 < inBelow }) {
            state = .below
        }
        return SignalReading(value: values.last ?? nil, outAbove: signal.outAbove, inBelow: signal.inBelow, state: state, window: values)
    }

    static func names(_ signals: [AutoscalePolicy.Signal]) -> String {
        signals.map(\.kind.rawValue).joined(separator: ", ")
    }

    static func windowValues(_ signals: [AutoscalePolicy.Signal], _ readings: [String: SignalReading]) -> [String: [Double?]] {
        var result: [String: [Double?]] = [:]
        for signal in signals { result[signal.kind.rawValue] = readings[signal.kind.rawValue]?.window ?? [] }
        return result
    }
}

/// The floor, ceiling and desired count in force at an instant, and where each comes from.
struct ScheduleBounds {
    enum Source {
        case policy(key: String)
        case schedule(index: Int, entry: AutoscalePolicy.ScheduleEntry, fired: Date)

        var name: String {
            switch self {
            case let .policy(key): key
            case let .schedule(index, entry, fired):
                "schedule[\(index)] \"\(entry.cron.expression)\" \(entry.cron.timeZone.identifier), fired \(AutoscaleDecision.timestamp(fired))"
            }
        }

        var reference: AutoscaleDecision.ScheduleReference? {
            guard case let .schedule(index, entry, fired) = self else { return nil }
            return AutoscaleDecision.ScheduleReference(entry: index, line: entry.line, cron: entry.cron.expression,
                                                       timezone: entry.cron.timeZone.identifier, firedAt: AutoscaleDecision.timestamp(fired))
        }

        func blockKind(atMax: Bool) -> AutoscaleDecision.Block.Kind {
            if case .schedule = self { return .schedule }
            return atMax ? .max : .min
        }
    }

    var floor: Int
    var floorSource: Source
    var ceiling: Int
    var ceilingSource: Source
    var desired: (count: Int, source: Source)?

    init(policy: AutoscalePolicy, now: Date) {
        var latestMin: (index: Int, fired: Date)?
        var latestMax: (index: Int, fired: Date)?
        var latestDesired: (index: Int, fired: Date)?
        for (index, entry) in policy.schedule.enumerated() {
            guard let fired = entry.cron.previous(atOrBefore: now) else { continue }
            func later(_ held: (index: Int, fired: Date)?) -> Bool { held.map { fired >= $0.fired } ?? true }
            if entry.min != nil, later(latestMin) { latestMin = (index, fired) }
            if entry.max != nil, later(latestMax) { latestMax = (index, fired) }
            if entry.desired != nil, later(latestDesired) { latestDesired = (index, fired) }
        }
        floor = policy.brokers.min
        floorSource = .policy(key: "brokers.min")
        ceiling = policy.brokers.max
        ceilingSource = .policy(key: "brokers.max")
        if let latestMin, let value = policy.schedule[latestMin.index].min {
            floor = value
            floorSource = .schedule(index: latestMin.index, entry: policy.schedule[latestMin.index], fired: latestMin.fired)
        }
        if let latestMax, let value = policy.schedule[latestMax.index].max {
            ceiling = value
            ceilingSource = .schedule(index: latestMax.index, entry: policy.schedule[latestMax.index], fired: latestMax.fired)
        }
        // A floor above the ceiling (set by different entries): the entry that fired last wins.
        if floor > ceiling {
            if (latestMin?.fired ?? .distantPast) >= (latestMax?.fired ?? .distantPast) {
                ceiling = floor
                ceilingSource = floorSource
            } else {
                floor = ceiling
                floorSource = ceilingSource
            }
        }
        if let latestDesired, let value = policy.schedule[latestDesired.index].desired {
            desired = (value, .schedule(index: latestDesired.index, entry: policy.schedule[latestDesired.index], fired: latestDesired.fired))
        }
    }
}

/// Which brokers an action adds or removes, keeping racks balanced.
enum BrokerChoice {
    /// `count` new brokers: the next ids above every id in use (a removed broker's id is never
    /// reused: stale replica lists and KRaft's directory ids remember it), each on the rack with
    /// the fewest brokers then (ties by rack name); no rack when the cluster has none.
    static func added(_ count: Int, to brokers: [Broker], replicaSets: [[BrokerID]]) -> [AutoscaleDecision.PlannedBroker] {
        let highest = max(brokers.map(\.id).max() ?? 0, replicaSets.flatMap { $0 }.max() ?? 0)
        var population: [String: Int] = [:]
        for broker in brokers { if let rack = broker.rack { population[rack, default: 0] += 1 } }
        var result: [AutoscaleDecision.PlannedBroker] = []
        guard count > 0 else { return result }
        for offset in 1...count {
            let rack = population.min { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }?.key
            if let rack { population[rack, default: 0] += 1 }
            result.append(AutoscaleDecision.PlannedBroker(id: highest + BrokerID(offset), rack: rack))
        }
        return result
    }

    /// Up to `count` brokers to remove, one at a time from the rack with the most brokers left
    /// (ties by rack name), within it the one holding the fewest bytes (the cheapest drain; ties:
    /// the highest id); a rack is passed over when removing its broker would leave some partition
    /// no placement that keeps the rack rule (see `keepsRackRule`). Fewer than `count` when no
    /// rack can give one; `shortfall` says why.
    static func removed(_ count: Int, from brokers: [Broker], usage: [BrokerUsage],
                        replicaSets: [[BrokerID]]) -> (brokers: [AutoscaleDecision.PlannedBroker], shortfall: String?) {
        let bytes = Dictionary(usage.map { ($0.broker, $0.diskBytes) }, uniquingKeysWith: { first, _ in first })
        let replicationFactors = Set(replicaSets.map(\.count)).filter { $0 > 0 }
        let rackCount = Set(brokers.compactMap(\.rack)).count
        var remaining = brokers
        var chosen: [AutoscaleDecision.PlannedBroker] = []
        while chosen.count < count {
            var byRack: [String: [Broker]] = [:]
            for broker in remaining { byRack[broker.rack ?? "", default: []].append(broker) }
            // Most brokers left first; ties by rack name.
            let racks = byRack.keys.sorted { first, second in
                let (firstCount, secondCount) = (byRack[first]?.count ?? 0, byRack[second]?.count ?? 0)
                return firstCount != secondCount ? firstCount > secondCount : first < second
            }
            var picked: Broker?
            for rack in racks {
                guard let candidate = byRack[rack]?.min(by: { (bytes[$0.id] ?? 0, -Int64($0.id)) < (bytes[$1.id] ?? 0, -Int64($1.id)) }) else { continue }
                let left = remaining.filter { $0.id != candidate.id }
                if keepsRackRule(left, rackCount: rackCount, replicationFactors: replicationFactors) {
                    picked = candidate
                    break
                }
            }
            guard let picked else {
                return (chosen, "removing \(chosen.count + 1) brokers would leave too few brokers (or racks) to place every partition by the rack rule")
            }
            chosen.append(AutoscaleDecision.PlannedBroker(id: picked.id, rack: picked.rack))
            remaining.removeAll { $0.id == picked.id }
        }
        return (chosen, nil)
    }

    /// True when `brokers` can hold every replication factor by the planner's rack rule over the
    /// cluster's `rackCount` racks (`Layout.rackViolation`): replicas on min(RF, racks) distinct racks,
    /// at most ceil(RF / racks) on one. So no rack is emptied while partitions span every rack.
    static func keepsRackRule(_ brokers: [Broker], rackCount: Int, replicationFactors: Set<Int>) -> Bool {
        var perRack: [String: Int] = [:]
        for broker in brokers { perRack[broker.rack ?? "", default: 0] += 1 }
        for factor in replicationFactors {
            guard brokers.count >= factor else { return false }
            guard rackCount > 1 else { continue }
            let mostPerRack = (factor + rackCount - 1) / rackCount
            let placeable = perRack.values.reduce(0) { $0 + min($1, mostPerRack) }
            if perRack.count < min(factor, rackCount) || placeable < factor { return false }
        }
        return true
    }
}
