import KScaleCore
import KScaleExec

/// One number of a picture, as the JSON summary has it: its path there, its value, and how people
/// read it. Paths join keys with dots; an array of brokers is keyed by broker id
/// (`brokers.3.bytes_after`), any other array by position (`plans.0.relocations.2.replicas`).
public struct Figure: Sendable, Hashable {
    public enum Value: Sendable, Hashable {
        case integer(Int64)
        case seconds(Double)
    }

    public var field: String
    public var value: Value
    /// What a person reads: `1.50 GB`, `4m05s`, `12`.
    public var text: String

    /// The value as the JSON summary spells it.
    public var raw: String {
        switch value {
        case .integer(let number): String(number)
        case .seconds(let seconds): String(seconds)
        }
    }

    /// The value on a common axis, for bars.
    public var magnitude: Double {
        switch value {
        case .integer(let number): Double(number)
        case .seconds(let seconds): seconds
        }
    }

    public static func bytes(_ field: String, _ bytes: Int64) -> Figure {
        Figure(field: field, value: .integer(bytes), text: ByteUnits.format(bytes))
    }

    public static func count(_ field: String, _ count: Int) -> Figure {
        Figure(field: field, value: .integer(Int64(count)), text: String(count))
    }

    public static func rate(_ field: String, _ bytesPerSecond: Int64) -> Figure {
        Figure(field: field, value: .integer(bytesPerSecond), text: ByteUnits.formatRate(bytesPerSecond))
    }

    public static func seconds(_ field: String, _ seconds: Double) -> Figure {
        Figure(field: field, value: .seconds(seconds), text: DurationText.format(seconds))
    }
}

/// A figure with what it counts, for the rows of a totals table.
public struct LabeledFigure: Sendable, Hashable {
    public var label: String
    public var figure: Figure
}

/// One broker before and after a plan, and what the plan copies into and out of it.
public struct BrokerPicture: Sendable, Hashable {
    public struct Side: Sendable, Hashable {
        public var replicas: Figure
        public var leaders: Figure
        public var bytes: Figure
    }

    public var broker: BrokerID
    public var rack: String?
    /// Nil: not in the cluster on that side (a new broker id before, for example).
    public var before: Side?
    public var after: Side?
    /// Bytes the plan copies to and from it (its replication traffic), summed over the steps.
    public var copyIn: Int64
    public var copyOut: Int64
}

/// The traffic and the estimated duration of one step, at its throttle.
public struct EstimatePicture: Sendable, Hashable {
    public struct Traffic: Sendable, Hashable {
        public var broker: BrokerID
        public var bytesIn: Figure
        public var bytesOut: Figure
    }

    /// Nil: no throttle (`note` says why).
    public var throttle: Figure?
    public var seconds: Figure?
    public var lowerBoundSeconds: Figure?
    public var note: String?
    public var traffic: [Traffic]
}

/// Replicas going from one broker to another.
public struct RelocationPicture: Sendable, Hashable {
    public var from: Figure?
    public var to: Figure?
    public var replicas: Figure
    public var bytes: Figure
}

/// One partition's move, for the list of the largest.
public struct MovePicture: Sendable, Hashable {
    public var partition: TopicPartition
    public var from: [BrokerID]
    public var to: [BrokerID]
    public var bytes: Int64
}

/// One reassignment of the operation: the plan command has one, a stepped scale-in several.
public struct StepPicture: Sendable, Hashable {
    public var label: String
    public var totals: [LabeledFigure]
    public var estimate: EstimatePicture?
    public var relocations: [RelocationPicture]
    /// The largest moves, largest first, when the partitions are known (at most `largestMovesShown`).
    public var largestMoves: [MovePicture]

    public static let largestMovesShown = 10
}

/// Everything a reviewer looks at before approving a plan: totals, brokers before and after
/// (grouped by rack when drawn), and per step the throttle, the estimate and the moves by broker
/// pair. Built from the same values the JSON summary encodes, with their JSON paths.
public struct PlanPicture: Sendable, Hashable {
    public var title: String
    public var totals: [LabeledFigure]
    public var brokers: [BrokerPicture]
    /// How the after side is named: "after" once run, "planned" for a projection.
    public var afterLabel: String
    public var steps: [StepPicture]

    /// Whether any broker sends or receives copies (the traffic is then worth drawing).
    public var hasTraffic: Bool { brokers.contains { $0.copyIn > 0 || $0.copyOut > 0 } }
}

extension PlanPicture {
    /// `kscale plan`'s picture: the planner's summary (paths of `plan --output json`), and the moves
    /// of `plan` from `snapshot`, estimated at `throttle` (nil: not given, no duration) with the
    /// executor's default pacing unless `pacing` says otherwise.
    public static func plan(_ summary: PlanSummary, plan: ReassignmentPlan, snapshot: ClusterSnapshot, throttle: Int64?,
                            pacing: RunOptions = RunOptions()) -> PlanPicture {
        let moves = Move.moves(of: plan, from: snapshot)
        let estimate = TransferEstimate(moves: moves, throttle: throttle,
                                        scheduler: MoveScheduler(options: pacing, throttle: throttle),
                                        order: pacing.order)
        let traffic = trafficByBroker([estimate])
        let brokers = summary.brokers.map { b in
            let path = "brokers.\(b.broker)"
            return BrokerPicture(
                broker: b.broker, rack: b.rack,
                before: BrokerPicture.Side(replicas: .count("\(path).replicas_before", b.replicasBefore), leaders: .count("\(path).leaders_before", b.leadersBefore),
                              bytes: .bytes("\(path).bytes_before", b.bytesBefore)),
                after: BrokerPicture.Side(replicas: .count("\(path).replicas_after", b.replicasAfter), leaders: .count("\(path).leaders_after", b.leadersAfter),
                             bytes: .bytes("\(path).bytes_after", b.bytesAfter)),
                copyIn: traffic[b.broker]?.bytesIn ?? 0, copyOut: traffic[b.broker]?.bytesOut ?? 0)
        }
        let totals = [
            LabeledFigure(label: "partitions in plan", figure: .count("partitions_in_plan", summary.partitionsInPlan)),
            LabeledFigure(label: "replicas moved", figure: .count("replicas_moved", summary.replicasMoved)),
            LabeledFigure(label: "bytes moved", figure: .bytes("bytes_moved", summary.bytesMoved)),
            LabeledFigure(label: "preferred leaders changed", figure: .count("leaders_changed", summary.leadersChanged)),
            LabeledFigure(label: "rack repairs", figure: .count("rack_repairs", summary.rackRepairs)),
        ]
        let copyBytes = moves.map(\.copyBytes)
        let largest = moves.indices.sorted { copyBytes[$0] != copyBytes[$1] ? copyBytes[$0] > copyBytes[$1] : moves[$0].tp < moves[$1].tp }
            .prefix(StepPicture.largestMovesShown)
            .map { MovePicture(partition: moves[$0].tp, from: moves[$0].from, to: moves[$0].to, bytes: copyBytes[$0]) }
        let step = StepPicture(label: "the plan", totals: [],
                               estimate: estimatePicture(estimate, path: "estimate",
                                                         unthrottled: "no --throttle given: the duration is not estimated"),
                               relocations: relocationPictures(ReplicaRelocation.of(moves), path: "relocations"),
                               largestMoves: Array(largest))
        return PlanPicture(title: "\(summary.kind) plan", totals: totals, brokers: brokers, afterLabel: "planned", steps: [step])
    }

    /// A scale-out or scale-in report's picture (paths of its `--output json` report): balance
    /// before and after (or projected), and each plan step with its estimate and relocations.
    public static func scale(_ report: ScaleReport) -> PlanPicture {
        let before = Dictionary(report.before.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(report.after.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
        let traffic = trafficByBroker(report.plans.compactMap(\.estimate))
        let ids = Set(before.keys).union(after.keys).sorted()
        let brokers = ids.map { id in
            let side = { (balance: BrokerBalance?, path: String) -> BrokerPicture.Side? in
                balance.map { BrokerPicture.Side(replicas: .count("\(path).\(id).replicas", $0.replicas), leaders: .count("\(path).\(id).leaders", $0.leaders),
                                    bytes: .bytes("\(path).\(id).bytes", $0.bytes)) }
            }
            return BrokerPicture(broker: id, rack: before[id]?.rack ?? after[id]?.rack,
                                 before: side(before[id], "before"), after: side(after[id], "after"),
                                 copyIn: traffic[id]?.bytesIn ?? 0, copyOut: traffic[id]?.bytesOut ?? 0)
        }
        let steps = report.plans.enumerated().map { index, plan in
            let path = "plans.\(index)"
            return StepPicture(
                label: plan.label,
                totals: [
                    LabeledFigure(label: "partitions", figure: .count("\(path).partitions", plan.partitions)),
                    LabeledFigure(label: "replicas moved", figure: .count("\(path).replicas_moved", plan.replicasMoved)),
                    LabeledFigure(label: "bytes moved", figure: .bytes("\(path).bytes_moved", plan.bytesMoved)),
                ],
                estimate: plan.estimate.map { estimatePicture($0, path: "\(path).estimate", unthrottled: "unthrottled (--no-throttle): the duration depends on the network") },
                relocations: relocationPictures(plan.relocations ?? [], path: "\(path).relocations"),
                largestMoves: [])
        }
        let kind = report.operation
        let title = report.executed ? "\(kind) run" : "\(kind) dry run"
        return PlanPicture(title: title, totals: [], brokers: brokers, afterLabel: report.executed ? "after" : "planned", steps: steps)
    }

    static func trafficByBroker(_ estimates: [TransferEstimate]) -> [BrokerID: (bytesIn: Int64, bytesOut: Int64)] {
        var out: [BrokerID: (bytesIn: Int64, bytesOut: Int64)] = [:]
        for estimate in estimates {
            for b in estimate.brokers {
                let sofar = out[b.broker] ?? (0, 0)
                out[b.broker] = (sofar.bytesIn + b.bytesIn, sofar.bytesOut + b.bytesOut)
            }
        }
        return out
    }

    static func estimatePicture(_ e: TransferEstimate, path: String, unthrottled: String) -> EstimatePicture {
        let traffic = e.brokers.map {
            EstimatePicture.Traffic(broker: $0.broker, bytesIn: .bytes("\(path).brokers.\($0.broker).bytes_in", $0.bytesIn),
                                    bytesOut: .bytes("\(path).brokers.\($0.broker).bytes_out", $0.bytesOut))
        }
        guard let throttle = e.throttle else {
            return EstimatePicture(throttle: nil, seconds: nil, lowerBoundSeconds: nil, note: unthrottled, traffic: traffic)
        }
        return EstimatePicture(throttle: .rate("\(path).throttle", throttle), seconds: .seconds("\(path).seconds", e.seconds),
                               lowerBoundSeconds: .seconds("\(path).lower_bound_seconds", e.lowerBoundSeconds), note: nil, traffic: traffic)
    }

    static func relocationPictures(_ relocations: [ReplicaRelocation], path: String) -> [RelocationPicture] {
        relocations.enumerated().map { index, r in
            let at = "\(path).\(index)"
            return RelocationPicture(from: r.from.map { .count("\(at).from", Int($0)) }, to: r.to.map { .count("\(at).to", Int($0)) },
                                     replicas: .count("\(at).replicas", r.replicas), bytes: .bytes("\(at).bytes", r.bytes))
        }
    }
}
