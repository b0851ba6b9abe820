import Foundation
import KafkaAdmin
import KScaleCore

/// One run as the cluster records it in `__kscale_runs` (`RunRegistry`), visible to every kscale
/// on any host: who drives what, and which throttle values it set over which.
///
/// Keyed by `claim` (run id, host and state dir: the same plan run from two state dirs is two
/// claims), so the compacted topic keeps each claim's latest record.
public struct RunRecord: Codable, Sendable, Hashable {
    public enum State: String, Codable, Sendable {
        /// Driving, or died while driving: its throttles and moves stay its own until it is
        /// resumed or cancelled.
        case running
        case finished
        case cancelled
        /// Claimed and lost to an earlier overlapping claim: changed nothing.
        case refused
        /// Taken over by a run of the same plan given `--adopt` (its throttles and moves are that run's now).
        case adopted
    }

    /// A throttle rate the run sets on a broker, with the value it replaced: the operator's own
    /// (nil: none), carried over from an earlier kscale run's record when the broker still held
    /// that run's rate.
    public struct ReplacedRate: Codable, Sendable, Hashable {
        public var broker: BrokerID
        public var key: String
        public var previous: String?
        /// The operator's rate was set but could not be read (sensitive, Kafka 2.4-2.5): never
        /// deleted, never restored. Absent in older records: false.
        public var previousUnknown: Bool?
        public init(broker: BrokerID, key: String, previous: String?, previousUnknown: Bool = false) {
            self.broker = broker
            self.key = key
            self.previous = previous
            self.previousUnknown = previousUnknown ? true : nil
        }
        /// From the operator's rate as `RunOverlap.operatorRate` found it.
        public init(broker: BrokerID, key: String, original: RunOverlap.OperatorRate) {
            switch original {
            case .value(let value): self.init(broker: broker, key: key, previous: value)
            case .unknown: self.init(broker: broker, key: key, previous: nil, previousUnknown: true)
            }
        }
    }

    public var formatVersion = 1
    /// The record key: `<run id>@<host>:<state dir>`.
    public var claim: String
    public var runID: String
    public var host: String
    public var stateDir: String
    /// The plan's digest (`RunDirectory.runID(for:)`).
    public var planDigest: String
    public var brokers: [BrokerID]
    public var partitions: [String]
    public var state: State
    /// The offset of this claim's first running record: the earliest overlapping claim drives.
    public var claimOffset: Int64?
    /// The throttle rate it sets (B/s), nil when unthrottled.
    public var rate: Int64?
    public var replaced: [ReplacedRate]
    /// The run's clock when written (seconds).
    public var at: Double

    public init(runID: String, host: String, stateDir: String, planDigest: String, brokers: Set<BrokerID>, partitions: Set<TopicPartition>,
                state: State, rate: Int64?, replaced: [ReplacedRate] = [], at: Double) {
        self.claim = Self.claimKey(runID: runID, host: host, stateDir: stateDir)
        self.runID = runID
        self.host = host
        self.stateDir = stateDir
        self.planDigest = planDigest
        self.brokers = brokers.sorted()
        self.partitions = partitions.sorted().map(\.description)
        self.state = state
        self.rate = rate
        self.replaced = replaced
        self.at = at
    }

    public static func claimKey(runID: String, host: String, stateDir: String) -> String { "\(runID)@\(host):\(stateDir)" }

    /// How an operator finds the run: its id, host and state dir.
    public var owner: String { "run \(runID) on host \(host) (state dir \(stateDir))" }

    public func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    /// nil for a value that is not a run record (another writer's, or a newer format's field set).
    public static func decode(_ bytes: [UInt8]) -> RunRecord? {
        try? JSONDecoder().decode(RunRecord.self, from: Data(bytes))
    }
}

/// A run record where the log holds it.
public struct RunRecordEntry: Sendable, Hashable {
    public var offset: Int64
    public var record: RunRecord
    public init(offset: Int64, record: RunRecord) {
        self.offset = offset
        self.record = record
    }
    /// Where the claim began: the first offset of its running streak.
    public var claimOffset: Int64 { record.claimOffset ?? offset }
}

/// A run the cluster's record holds running (`RunOverlap.inFlight`): what `kscale status` lists.
public struct RunInFlight: Sendable, Hashable {
    public var record: RunRecord
    /// Where its claim began in the record's log: the earlier claim drives.
    public var claimOffset: Int64
    /// The run's clock when the claim was written (seconds; wall time since 1970 from the CLI).
    public var started: Double
}

/// Another run holding brokers or partitions a run wants.
public struct RunConflict: Sendable, Hashable {
    public var owner: RunRecord
    public var brokers: [BrokerID]
    public var partitions: [String]

    public var message: String {
        var what: [String] = []
        if !brokers.isEmpty { what.append("brokers \(brokers.map(String.init).joined(separator: ","))") }
        if !partitions.isEmpty {
            let shown = partitions.prefix(5).joined(separator: ", ")
            what.append("partitions \(shown)\(partitions.count > 5 ? " and \(partitions.count - 5) more" : "")")
        }
        return "\(owner.owner) is driving \(what.joined(separator: " and ")) (recorded in \(RunRegistry.topicName) on the cluster); nothing was changed. Wait for it to finish, or resume or cancel it on that host (`kscale resume \(RunDirectory.selection(of: owner.stateDir)) --execute` / `kscale cancel \(RunDirectory.selection(of: owner.stateDir)) --execute`)"
    }
}

/// The pure rules over the run record: which claims hold, who owns a broker's throttle, and what
/// the operator's own rate was. Values in, values out; tested on records built by hand.
public enum RunOverlap {
    /// Each claim's latest record, in log order of that record.
    public static func latest(_ entries: [RunRecordEntry]) -> [RunRecordEntry] {
        var byClaim: [String: RunRecordEntry] = [:]
        for entry in entries {
            if let known = byClaim[entry.record.claim], known.offset > entry.offset { continue }
            byClaim[entry.record.claim] = entry
        }
        return byClaim.values.sorted { $0.offset < $1.offset }
    }

    /// The running claims that hold brokers or partitions `mine` wants, other than `mine`'s own:
    /// with `myClaimOffset` (a claim written) only those claimed before it, since a later
    /// overlapping claim loses to this one by the same rule; without it (a dry run, which writes
    /// nothing) every running claim. The earliest claim first.
    public static func conflicts(_ mine: RunRecord, myClaimOffset: Int64?, records: [RunRecordEntry]) -> [RunConflict] {
        overlapping(brokers: Set(mine.brokers), partitions: Set(mine.partitions), records: records) { entry in
            if entry.record.claim == mine.claim { return true }
            if let myClaimOffset { return entry.claimOffset >= myClaimOffset }
            return false
        }
    }

    /// The running claims that hold any of `brokers` or `partitions`, except the runs `host` keeps
    /// in `ownDirs` (compared as `RunDirectory.normalized` paths): what a command about to act on
    /// them, with no claim of its own yet, would overlap (a lifecycle flow before its first change,
    /// a preflight naming who moves its partitions). The earliest claim first.
    public static func conflicts(brokers: Set<BrokerID>, partitions: Set<TopicPartition>, host: String, excludingRunsIn ownDirs: Set<String>,
                                 records: [RunRecordEntry]) -> [RunConflict] {
        let own = Set(ownDirs.map(RunDirectory.normalized))
        return overlapping(brokers: brokers, partitions: Set(partitions.map(\.description)), records: records) { entry in
            entry.record.host == host && own.contains(RunDirectory.normalized(entry.record.stateDir))
        }
    }

    /// Each running claim's overlap with `brokers` and `partitions` (as the record spells them),
    /// leaving out the claims `excluded` names; the earliest claim first.
    private static func overlapping(brokers: Set<BrokerID>, partitions: Set<String>, records: [RunRecordEntry],
                                    excluded: (RunRecordEntry) -> Bool) -> [RunConflict] {
        var found: [(Int64, RunConflict)] = []
        for entry in latest(records) where entry.record.state == .running && !excluded(entry) {
            let held = brokers.intersection(entry.record.brokers).sorted()
            let moving = partitions.intersection(entry.record.partitions).sorted()
            guard !held.isEmpty || !moving.isEmpty else { continue }
            found.append((entry.claimOffset, RunConflict(owner: entry.record, brokers: held, partitions: moving)))
        }
        return found.sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// The runs in flight on the cluster, any host's: each running claim's latest record, with
    /// when it started (the run's clock at the first record of its running streak still in the
    /// log; compaction may have removed older ones, then the earliest left). The earliest claim first.
    public static func inFlight(_ entries: [RunRecordEntry]) -> [RunInFlight] {
        latest(entries).filter { $0.record.state == .running }.map { current in
            let streak = entries.filter { $0.record.claim == current.record.claim && $0.offset >= current.claimOffset && $0.offset <= current.offset }
            let first = streak.min { $0.offset < $1.offset } ?? current
            return RunInFlight(record: current.record, claimOffset: current.claimOffset, started: first.record.at)
        }.sorted { $0.claimOffset < $1.claimOffset }
    }

    /// Where `mine`'s claim began when it continues one still running (a resume, or execute again
    /// from the same state dir): that claim's offset, carried in every record it writes so it
    /// keeps its place; nil for a new claim, which begins where it is written.
    public static func continuedClaimOffset(of mine: RunRecord, records: [RunRecordEntry]) -> Int64? {
        guard let before = latest(records.filter { $0.record.claim == mine.claim }).last, before.record.state == .running else { return nil }
        return before.claimOffset
    }

    /// A throttle rate some kscale run set: on `broker` under `key`, `value` over `previous`.
    public struct KnownRate: Sendable, Hashable {
        public var broker: BrokerID
        public var key: String
        public var value: String
        public var previous: String?
        /// The rate this run replaced was set but unreadable (sensitive): the operator's is unknown.
        public var previousUnknown: Bool
        public init(broker: BrokerID, key: String, value: String, previous: String?, previousUnknown: Bool = false) {
            self.broker = broker
            self.key = key
            self.value = value
            self.previous = previous
            self.previousUnknown = previousUnknown
        }
    }

    /// The operator's own rate: a value (nil: none was set), or set but unreadable.
    public enum OperatorRate: Sendable, Hashable {
        case value(String?)
        case unknown
    }

    /// The rates the records say kscale runs hold now: those of running claims (a run that died
    /// keeps its claim running). A claim is ended (finished, cancelled, adopted) only after its rates
    /// were restored or handed to the adopting run's own claim, so an ended claim's rate on a broker
    /// today is someone else's, the operator's most likely, and never "kscale's".
    public static func knownRates(_ records: [RunRecordEntry]) -> [KnownRate] {
        latest(records).flatMap { entry -> [KnownRate] in
            guard let rate = entry.record.rate, entry.record.state == .running else { return [] }
            return entry.record.replaced.map {
                KnownRate(broker: $0.broker, key: $0.key, value: String(rate), previous: $0.previous, previousUnknown: $0.previousUnknown == true)
            }
        }
    }

    /// The operator's own value of a broker rate that is `current` now: `current` unless a kscale
    /// run set it, else the value that run replaced (followed through runs that replaced one
    /// another's), so a run never records another run's rate as the one to restore.
    public static func operatorOriginal(broker: BrokerID, key: String, current: String?, known: [KnownRate]) -> String? {
        if case .value(let value) = operatorRate(broker: broker, key: key, current: current, known: known) { return value }
        return nil
    }

    /// `operatorOriginal`, telling apart "none was set" from "set, but no run could read it": a
    /// run that replaced an unreadable rate hands that on, so no later run deletes it.
    public static func operatorRate(broker: BrokerID, key: String, current: String?, known: [KnownRate]) -> OperatorRate {
        var value = current
        var seen: Set<String> = []
        while let v = value, !seen.contains(v), let setter = known.first(where: { $0.broker == broker && $0.key == key && $0.value == v && $0.previous != v }) {
            if setter.previousUnknown { return .unknown }
            seen.insert(v)
            value = setter.previous
        }
        return .value(value)
    }
}
