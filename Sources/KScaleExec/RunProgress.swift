import Foundation
import KafkaAdmin
import KScaleCore

/// Replica sizes as the brokers of a run last reported them: the latest DescribeLogDirs reading,
/// with a broker that did not answer it (or is offline) keeping what it reported before. Its
/// copies are not lost because it could not be asked; `lastSeen` says whose sizes are old.
public struct SizeReading: Sendable, Equatable, Codable {
    /// When it was taken, on the run's clock.
    public var at: Double
    public var sizes: [BrokerID: [TopicPartition: Int64]]
    /// Brokers whose sizes come from an earlier reading.
    public var lastSeen: Set<BrokerID>

    public init(at: Double, sizes: [BrokerID: [TopicPartition: Int64]] = [:], lastSeen: Set<BrokerID> = []) {
        self.at = at
        self.sizes = sizes
        self.lastSeen = lastSeen
    }

    /// This reading followed by a fresh one at `at`: brokers the fresh one answered take its
    /// sizes; the `unread` ones keep these (and are marked last seen).
    public func followed(by fresh: [BrokerID: [TopicPartition: Int64]], at: Double, unread: Set<BrokerID>) -> SizeReading {
        var next = SizeReading(at: at, sizes: fresh)
        for broker in unread {
            next.sizes[broker] = sizes[broker]
            if sizes[broker] != nil { next.lastSeen.insert(broker) }
        }
        return next
    }

    /// Bytes `broker` holds of `partition`, as last seen; 0 when never seen.
    func bytes(of partition: TopicPartition, on broker: BrokerID) -> Int64 { sizes[broker]?[partition] ?? 0 }

    enum CodingKeys: String, CodingKey { case at, sizes, lastSeen = "last_seen" }

    /// One replica's size on disk: `{"broker":7,"topic":"orders","partition":0,"bytes":123}`.
    private struct Held: Codable {
        var broker: BrokerID
        var topic: String
        var partition: Int32
        var bytes: Int64
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(at, forKey: .at)
        var held: [Held] = []
        for (broker, replicas) in sizes.sorted(by: { $0.key < $1.key }) {
            for (tp, bytes) in replicas.sorted(by: { $0.key < $1.key }) {
                held.append(Held(broker: broker, topic: tp.topic, partition: tp.partition, bytes: bytes))
            }
        }
        try c.encode(held, forKey: .sizes)
        try c.encode(lastSeen.sorted(), forKey: .lastSeen)
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        at = try c.decode(Double.self, forKey: .at)
        var sizes: [BrokerID: [TopicPartition: Int64]] = [:]
        for h in try c.decode([Held].self, forKey: .sizes) { sizes[h.broker, default: [:]][TopicPartition(h.topic, h.partition)] = h.bytes }
        self.sizes = sizes
        lastSeen = Set(try c.decodeIfPresent([BrokerID].self, forKey: .lastSeen) ?? [])
    }
}

/// Where a run stands, computed in one place for the live bar, `kscale status` (text and JSON)
/// and the progress events: from each partition's phase and move and the latest size reading.
///
/// - The total is every partition of the run that is to be copied: pending ones included.
/// - A partition in flight counts what its adding replicas hold (at most one replica's size each);
///   a done one counts its whole copy; pending, failed and cancelled ones count nothing copied.
/// - The fraction reaches 1 only when every partition is done; until then it stops below.
public struct RunProgress: Sendable, Equatable, Codable {
    /// One partition as progress sees it: the move (from, to, one replica's size, the leader
    /// that sends the copies) and its phase.
    public struct Entry: Sendable, Equatable {
        public var move: Move
        public var phase: PartitionPhase
        /// Whether the size of a replica is known (a move of unknown size counts 0 bytes).
        public var sized: Bool

        public init(move: Move, phase: PartitionPhase, sized: Bool = true) {
            self.move = move
            self.phase = phase
            self.sized = sized
        }
    }

    /// What one broker takes in and sends out for the run.
    public struct BrokerFlow: Sendable, Equatable, Codable {
        public var broker: BrokerID
        /// Bytes copied onto this broker so far, of `bytesInTotal` it is to receive.
        public var bytesIn: Int64
        public var bytesInTotal: Int64
        /// Bytes this broker has sent as the leader of the copies, of `bytesOutTotal`.
        public var bytesOut: Int64
        public var bytesOutTotal: Int64
        /// Bytes per second in and out between two readings; nil without an earlier one.
        public var rateIn: Double?
        public var rateOut: Double?
        /// Its sizes are from an earlier reading (it did not answer, or is offline).
        public var lastSeen: Bool

        enum CodingKeys: String, CodingKey {
            case broker, lastSeen = "last_seen"
            case bytesIn = "bytes_in", bytesInTotal = "bytes_in_total", bytesOut = "bytes_out", bytesOutTotal = "bytes_out_total"
            case rateIn = "rate_in", rateOut = "rate_out"
        }
    }

    /// When the reading behind it was taken, on the run's clock (nil: no reading).
    public var at: Double?
    public var done: Int
    public var inFlight: Int
    public var pending: Int
    public var failed: Int
    public var cancelled: Int
    /// Partitions whose size is unknown (their bytes count as 0).
    public var unsized: Int
    public var bytesCopied: Int64
    public var bytesTotal: Int64
    /// Brokers taking part, by id.
    public var brokers: [BrokerFlow]
    /// Partitions whose topic was deleted during the run: out of the total, never blocking 100%.
    /// Not persisted in `progress.json` (`status` counts them from the journal).
    public var gone: Int = 0

    enum CodingKeys: String, CodingKey {
        case at, done, pending, failed, cancelled, unsized, brokers
        case inFlight = "in_flight", bytesCopied = "bytes_copied", bytesTotal = "bytes_total"
    }

    public var partitions: Int { done + inFlight + pending + failed + cancelled }
    /// Every partition is done.
    public var complete: Bool { done == partitions }

    /// The share done: by bytes when any are known, else by partitions; 1 only when complete.
    public var fraction: Double {
        if complete { return 1 }
        let share = bytesTotal > 0 ? Double(bytesCopied) / Double(bytesTotal) : Double(done) / Double(max(1, partitions))
        return min(share, Self.mostBeforeDone)
    }

    /// `fraction` in percent with one decimal, as every renderer shows it: 100.0 only when
    /// complete (99.96% copied shows 99.9, not a rounded-up 100.0).
    public var percent: Double {
        complete ? 100 : (fraction * 100 * Self.percentScale).rounded(.down) / Self.percentScale
    }

    /// The largest fraction a run that is not complete shows.
    static let mostBeforeDone = 0.999
    /// Tenths of a percent.
    static let percentScale = 10.0

    public static func compute(_ entries: [Entry], reading: SizeReading?, earlier: RunProgress? = nil) -> RunProgress {
        var p = RunProgress(at: reading?.at, done: 0, inFlight: 0, pending: 0, failed: 0, cancelled: 0, unsized: 0,
                            bytesCopied: 0, bytesTotal: 0, brokers: [])
        var flows: [BrokerID: BrokerFlow] = [:]
        func flow(_ broker: BrokerID) -> BrokerFlow {
            flows[broker] ?? BrokerFlow(broker: broker, bytesIn: 0, bytesInTotal: 0, bytesOut: 0, bytesOutTotal: 0,
                                        lastSeen: reading?.lastSeen.contains(broker) ?? false)
        }
        for entry in entries {
            let move = entry.move
            if !entry.sized { p.unsized += 1 }
            switch entry.phase {
            case .done: p.done += 1
            case .submitted: p.inFlight += 1
            case .pending: p.pending += 1
            case .failed: p.failed += 1
            case .cancelled: p.cancelled += 1
            case .gone:
                p.gone += 1
                continue
            }
            let sender = move.sender
            for target in move.adding {
                let copied: Int64
                switch entry.phase {
                case .done: copied = move.bytes
                case .submitted: copied = min(move.bytes, reading?.bytes(of: move.tp, on: target) ?? 0)
                case .pending, .failed, .cancelled, .gone: copied = 0
                }
                p.bytesTotal += move.bytes
                p.bytesCopied += copied
                var into = flow(target)
                into.bytesIn += copied
                into.bytesInTotal += move.bytes
                flows[target] = into
                if let sender {
                    var out = flow(sender)
                    out.bytesOut += copied
                    out.bytesOutTotal += move.bytes
                    flows[sender] = out
                }
            }
        }
        let before = Dictionary(uniqueKeysWithValues: (earlier?.brokers ?? []).map { ($0.broker, $0) })
        let elapsed: Double? = if let now = reading?.at, let then = earlier?.at { now - then } else { nil }
        p.brokers = flows.values.sorted { $0.broker < $1.broker }.map { current in
            var f = current
            if let elapsed, elapsed > 0, let then = before[f.broker] {
                f.rateIn = Double(f.bytesIn - then.bytesIn) / elapsed
                f.rateOut = Double(f.bytesOut - then.bytesOut) / elapsed
            }
            return f
        }
        return p
    }

    /// A run's partitions as its journal records them: each plan line's move from the replicas
    /// before the run (the rollback's, recorded once when the run began; else as journaled when it
    /// started), size and phase. So the run's total is fixed from its first progress report to
    /// its last: a move resubmitted over a partition half moved copies to the same new replicas
    /// and counts against the same bytes. `leaders` are the current leaders (the senders), `from`
    /// a fallback for partitions neither journal record names.
    public static func entries(of state: RunState, leaders: [TopicPartition: BrokerID] = [:],
                               from fallback: (TopicPartition) -> [BrokerID]? = { _ in nil }) -> [Entry] {
        let original = Dictionary((state.rollback?.partitions ?? []).map { ($0.topicPartition, $0.replicas) }, uniquingKeysWith: { first, _ in first })
        return (state.plan?.partitions ?? []).sorted { $0.topicPartition < $1.topicPartition }.map { line in
            let tp = line.topicPartition
            let known = state.partitions[tp]
            let from = original[tp] ?? known?.from ?? fallback(tp) ?? []
            let move = Move(tp: tp, from: from, to: line.replicas, bytes: known?.bytes ?? 0, leader: leaders[tp])
            return Entry(move: move, phase: known?.phase ?? .pending, sized: known?.bytes != nil)
        }
    }
}

/// What the executor leaves in `progress.json` after every poll, for `kscale status`: the latest
/// report and the size reading behind it (status falls back to it for brokers it cannot read).
public struct ProgressFile: Sendable, Codable, Equatable {
    public var report: ProgressReport
    public var reading: SizeReading

    public init(report: ProgressReport, reading: SizeReading) {
        self.report = report
        self.reading = reading
    }

    public static let name = "progress.json"

    /// The file in a run's directory; nil when there is none or it does not decode (one written
    /// by another version: status then reads the cluster alone).
    public static func read(dir: String) -> ProgressFile? {
        guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { return nil }
        return try? JSONDecoder().decode(ProgressFile.self, from: data)
    }

    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var data = try encoder.encode(self)
        data.append(0x0A)
        try StateFiles.replace(path, with: data)
    }
}
