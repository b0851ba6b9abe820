import KScaleCore

/// Where one partition of a run stands, as the journal last recorded it.
public enum PartitionPhase: String, Sendable, Codable {
    case pending
    /// Submitted with AlterPartitionReassignments (recorded before the call).
    case submitted
    case done
    case cancelled
    case failed
    /// Its topic was deleted during the run: nothing left to move, and nothing to retry. Terminal,
    /// like done; the rest of the run goes on.
    case gone
}

public struct PartitionProgress: Sendable, Equatable {
    public var phase: PartitionPhase
    /// Replicas when the move started (the rollback's view), and the target.
    public var from: [BrokerID]?
    public var to: [BrokerID]
    /// Size of one replica when the move started.
    public var bytes: Int64?
    public var detail: String?
}

/// The throttles a run set and what they replaced: enough to undo all of it, and nothing else.
public struct ThrottleLedger: Sendable, Equatable {
    public struct RateKey: Hashable, Sendable, Comparable {
        public var broker: BrokerID
        public var key: String
        public static func < (a: RateKey, b: RateKey) -> Bool { a.broker != b.broker ? a.broker < b.broker : a.key < b.key }
    }
    public struct RateEntry: Sendable, Equatable {
        /// The value before this run first set it; nil when it was unset (restore = DELETE).
        public var previous: String?
        public var current: String
        /// The broker had a value kscale could not read (reported sensitive): never deleted.
        public var previousUnknown = false
    }
    public struct ReplicaKey: Hashable, Sendable, Comparable {
        public var topic: String
        public var key: String
        public static func < (a: ReplicaKey, b: ReplicaKey) -> Bool { a.topic != b.topic ? a.topic < b.topic : a.key < b.key }
    }

    /// Broker rates this run set and has not restored.
    public var rates: [RateKey: RateEntry] = [:]
    /// Topic throttled-replica entries ("p:b") this run appended and has not removed, by partition.
    public var replicas: [TopicPartition: [ReplicaKey: Set<String>]] = [:]

    public init() {}

    public var isEmpty: Bool { rates.isEmpty && replicas.values.allSatisfy { $0.values.allSatisfy(\.isEmpty) } }

    /// Topic throttled-replica entries this run appended and has not removed.
    public var replicaEntryCount: Int { replicaEntries.values.reduce(0) { $0 + $1.count } }

    /// Throttle settings this run made and has not undone: broker rates plus replica entries.
    public var outstanding: Int { rates.count + replicaEntryCount }

    /// All outstanding entries per topic config key.
    public var replicaEntries: [ReplicaKey: Set<String>] {
        var out: [ReplicaKey: Set<String>] = [:]
        for byKey in replicas.values {
            for (k, v) in byKey where !v.isEmpty { out[k, default: []].formUnion(v) }
        }
        return out
    }

    mutating func apply(_ r: JournalRecord) {
        switch r.type {
        case .rate:
            guard let b = r.broker, let key = r.key, let value = r.value else { return }
            let k = RateKey(broker: b, key: key)
            if var existing = rates[k] {
                existing.current = value
                rates[k] = existing
            } else {
                rates[k] = RateEntry(previous: r.previous, current: value, previousUnknown: r.previousUnknown == true)
            }
        case .rateRestored:
            guard let b = r.broker, let key = r.key else { return }
            rates[RateKey(broker: b, key: key)] = nil
        case .replicas:
            guard let t = r.topic, let key = r.key, let p = r.partition, let e = r.entries else { return }
            replicas[TopicPartition(t, p), default: [:]][ReplicaKey(topic: t, key: key), default: []].formUnion(e)
        case .replicasRemoved:
            guard let t = r.topic, let key = r.key, let e = r.entries else { return }
            let rk = ReplicaKey(topic: t, key: key)
            if let p = r.partition {
                let tp = TopicPartition(t, p)
                replicas[tp]?[rk]?.subtract(e)
                if replicas[tp]?.values.allSatisfy(\.isEmpty) == true { replicas[tp] = nil }
            } else {
                for tp in Array(replicas.keys) where tp.topic == t {
                    replicas[tp]?[rk]?.subtract(e)
                    if replicas[tp]?.values.allSatisfy(\.isEmpty) == true { replicas[tp] = nil }
                }
            }
        default:
            break
        }
    }
}

/// A run as its journal describes it: the fold of every record, in order.
public struct RunState: Sendable {
    public var runID: String?
    public var bootstrap: String?
    public var commandConfig: String?
    public var options: RunOptions?
    public var plan: ReassignmentPlan?
    public var rollback: ReassignmentPlan?
    public var partitions: [TopicPartition: PartitionProgress] = [:]
    public var ledger = ThrottleLedger()
    /// Cordons this run lifted and has not set back, by broker, with the value each had.
    public var liftedCordons: [BrokerID: String] = [:]
    /// How the run ended, if it did.
    public var ended: String?
    public var startedAt: Double?
    public var notes: [String] = []

    public init() {}

    public init(records: [JournalRecord]) {
        self.init()
        for r in records { apply(r) }
    }

    public mutating func apply(_ r: JournalRecord) {
        switch r.type {
        case .run:
            runID = r.runID ?? runID
            bootstrap = r.bootstrap ?? bootstrap
            commandConfig = r.commandConfig ?? commandConfig
            options = r.options ?? options
            startedAt = startedAt ?? r.at
            ended = nil
        case .plan:
            plan = JournalRecord.plan(r.partitions)
            for line in r.partitions ?? [] {
                let tp = TopicPartition(line.topic, line.partition)
                if partitions[tp] == nil { partitions[tp] = PartitionProgress(phase: .pending, from: nil, to: line.replicas, bytes: line.bytes) }
            }
        case .rollback:
            rollback = JournalRecord.plan(r.partitions)
        case .partition:
            guard let t = r.topic, let p = r.partition, let s = r.state, let phase = PartitionPhase(rawValue: s) else { return }
            let tp = TopicPartition(t, p)
            var cur = partitions[tp] ?? PartitionProgress(phase: .pending, from: nil, to: r.to ?? [], bytes: nil)
            cur.phase = phase
            if phase == .submitted { everSubmitted.insert(tp) }
            if let f = r.from { cur.from = f }
            if let to = r.to { cur.to = to }
            if let b = r.bytes { cur.bytes = b }
            cur.detail = r.detail
            partitions[tp] = cur
        case .end:
            ended = r.state
        case .note:
            if let d = r.detail { notes.append(d) }
        case .rate, .rateRestored, .replicas, .replicasRemoved:
            ledger.apply(r)
        case .cordonLifted:
            if let b = r.broker, let previous = r.previous, liftedCordons[b] == nil { liftedCordons[b] = previous }
        case .cordonRestored:
            if let b = r.broker { liftedCordons[b] = nil }
        }
    }

    public func count(_ phase: PartitionPhase) -> Int { partitions.values.filter { $0.phase == phase }.count }

    /// Partitions this run submitted and has not seen finish.
    public var submitted: Set<TopicPartition> { Set(partitions.filter { $0.value.phase == .submitted }.map(\.key)) }

    /// Partitions this run ever submitted (whatever they are now): its own moves, never drift.
    public var everSubmitted: Set<TopicPartition> = []

    /// Partitions that ended as gone (their topic was deleted during the run).
    public var gone: Set<TopicPartition> { Set(partitions.filter { $0.value.phase == .gone }.map(\.key)) }

    /// The plan without its gone partitions: what a resume still has to drive.
    public var planLeft: ReassignmentPlan? {
        let gone = self.gone
        return plan.map { ReassignmentPlan(partitions: $0.partitions.filter { !gone.contains($0.topicPartition) }) }
    }
}

extension RunState {
    /// Refuses to run `plan` in `dir` when the run journaled there is of another plan: the refusal
    /// names that run and how to go on with it, and points to another state dir only for once it
    /// has ended (two runs at once would throttle and pace without seeing each other). The same
    /// plan (`ReassignmentPlan.asksForTheSame`) continues the run.
    public func refuseUnlessSamePlan(_ plan: ReassignmentPlan, in dir: String) throws {
        guard let existing = self.plan, !existing.asksForTheSame(as: plan) else { return }
        let id = runID ?? RunDirectory.runID(for: existing)
        let what = "the state dir \(dir) holds run \(id) of another plan (\(existing.partitions.count) partitions; \(Self.firstDifference(existing, plan)))"
        if let ended {
            throw Refusal("\(what), which ended (\(ended)); execute this plan in a run directory of its own: another --state-dir root, or none for the default")
        }
        throw Refusal("\(what), which has not ended: its moves may be in flight and its throttles set. Continue it with `kscale resume \(RunDirectory.selection(of: dir)) --execute` or stop it with `kscale cancel \(RunDirectory.selection(of: dir)) --execute`; once it has ended, execute this plan in a state dir of its own")
    }

    /// The first partition, in order, on which two plans differ, in words.
    static func firstDifference(_ journaled: ReassignmentPlan, _ given: ReassignmentPlan) -> String {
        let theirs = Dictionary(journaled.partitions.map { ($0.topicPartition, $0) }, uniquingKeysWith: { first, _ in first })
        let ours = Dictionary(given.partitions.map { ($0.topicPartition, $0) }, uniquingKeysWith: { first, _ in first })
        for tp in Set(theirs.keys).union(ours.keys).sorted() {
            switch (theirs[tp], ours[tp]) {
            case let (there?, here?) where !there.asksForTheSame(as: here):
                if there.replicas != here.replicas { return "\(tp) goes to \(there.replicas) there, to \(here.replicas) in this plan" }
                return "\(tp) goes to log dirs \(there.namedLogDirs ?? []) there, to \(here.namedLogDirs ?? []) in this plan"
            case (nil, _?): return "\(tp) is not in it"
            case (_?, nil): return "\(tp) is not in this plan"
            default: continue
            }
        }
        return "the plans list a partition twice"
    }
}
