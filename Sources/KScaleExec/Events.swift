import Foundation
import KScaleCore

/// Where a run stands, as reported after every poll: the one progress computation
/// (`RunProgress`) with the run's rate, ETA, throttle, stalls and waits.
public struct ProgressReport: Sendable, Equatable, Codable {
    public var progress: RunProgress
    /// Bytes per second over the last minute of the run's clock; nil until two samples exist.
    public var rate: Double?
    public var etaSeconds: Double?
    public var throttle: Int64?
    public var stalled: [Stall]
    /// Pending moves that cannot start, with why (a target broker offline, no live leader).
    public var waiting: [Waiting] = []

    public init(progress: RunProgress, rate: Double? = nil, etaSeconds: Double? = nil, throttle: Int64? = nil,
                stalled: [Stall] = [], waiting: [Waiting] = []) {
        self.progress = progress
        self.rate = rate
        self.etaSeconds = etaSeconds
        self.throttle = throttle
        self.stalled = stalled
        self.waiting = waiting
    }

    enum CodingKeys: String, CodingKey { case progress, rate, throttle, stalled, waiting, etaSeconds = "eta_seconds" }

    public var done: Int { progress.done }
    public var inFlight: Int { progress.inFlight }
    public var pending: Int { progress.pending }
    public var failed: Int { progress.failed }
    public var bytesCopied: Int64 { progress.bytesCopied }
    public var bytesTotal: Int64 { progress.bytesTotal }
    public var fraction: Double { progress.fraction }
}

/// A pending move that cannot start yet, and why.
public struct Waiting: Sendable, Equatable, Codable {
    public var partition: TopicPartition
    public var reason: String

    public init(partition: TopicPartition, reason: String) {
        self.partition = partition
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey { case reason }

    public init(from decoder: any Decoder) throws {
        partition = try TopicPartition(keysOf: decoder)
        reason = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .reason)
    }

    public func encode(to encoder: any Encoder) throws {
        try partition.encodeKeys(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reason, forKey: .reason)
    }
}

/// A partition that made no progress for `--stall-timeout`, with the most likely reason.
public struct Stall: Sendable, Equatable, Codable {
    public var partition: TopicPartition
    public var reason: String
    public var seconds: Double

    public init(partition: TopicPartition, reason: String, seconds: Double) {
        self.partition = partition
        self.reason = reason
        self.seconds = seconds
    }

    enum CodingKeys: String, CodingKey { case reason, seconds }

    public init(from decoder: any Decoder) throws {
        partition = try TopicPartition(keysOf: decoder)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        reason = try c.decode(String.self, forKey: .reason)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        try partition.encodeKeys(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(reason, forKey: .reason)
        try c.encode(seconds, forKey: .seconds)
    }
}

/// A partition as two JSON keys, `topic` and `partition`, in a stall's or a wait's object.
private enum PartitionKeys: String, CodingKey { case topic, partition }

extension TopicPartition {
    init(keysOf decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: PartitionKeys.self)
        self.init(try c.decode(String.self, forKey: .topic), try c.decode(Int32.self, forKey: .partition))
    }

    func encodeKeys(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: PartitionKeys.self)
        try c.encode(topic, forKey: .topic)
        try c.encode(partition, forKey: .partition)
    }
}

public struct ExecutionSummary: Sendable, Equatable {
    public var runID: String
    public var done: Int
    public var failed: [TopicPartition: String]
    public var bytes: Int64
    public var seconds: Double
    public var throttlesRestored: Int
    /// Partitions whose topic was deleted during the run (`gone`): not failed, nothing to retry.
    public var gone: [TopicPartition] = []
}

/// Everything a run reports, for the CLI's renderers (bar, plain lines, JSON) and for callers such
/// as scale-out that drive the executor as a library.
public enum ExecutionEvent: Sendable {
    case started(runID: String, partitions: Int, bytes: Int64, throttle: Int64?, resumed: Bool)
    case partitionStarted(TopicPartition, from: [BrokerID], to: [BrokerID], bytes: Int64)
    case partitionDone(TopicPartition)
    case partitionFailed(TopicPartition, reason: String)
    /// Its topic was deleted during the run; the rest of the run goes on.
    case partitionGone(TopicPartition, reason: String)
    case progress(ProgressReport)
    case stalled(Stall)
    /// A pending move that cannot start, reported when its reason first appears or changes.
    case waiting(Waiting)
    case throttleChanged(Int64, reason: String)
    case throttlesRemoved(rates: Int, entries: Int)
    case finished(ExecutionSummary)
    case message(String)

    /// One JSON object, for `--output json` (one event per line).
    public var json: String {
        var o: [String: Any] = [:]
        switch self {
        case let .started(id, n, bytes, throttle, resumed):
            o = ["event": "started", "run": id, "partitions": n, "bytes": bytes, "resumed": resumed]
            if let throttle { o["throttle"] = throttle }
        case let .partitionStarted(tp, from, to, bytes):
            o = ["event": "partition_started", "topic": tp.topic, "partition": tp.partition, "from": from, "to": to, "bytes": bytes]
        case let .partitionDone(tp):
            o = ["event": "partition_done", "topic": tp.topic, "partition": tp.partition]
        case let .partitionFailed(tp, reason):
            o = ["event": "partition_failed", "topic": tp.topic, "partition": tp.partition, "reason": reason]
        case let .partitionGone(tp, reason):
            o = ["event": "partition_gone", "topic": tp.topic, "partition": tp.partition, "reason": reason]
        case let .progress(p):
            o = ["event": "progress"].merging(p.jsonFields) { first, _ in first }
        case let .waiting(w):
            o = ["event": "waiting", "topic": w.partition.topic, "partition": w.partition.partition, "reason": w.reason]
        case let .stalled(s):
            o = ["event": "stalled", "topic": s.partition.topic, "partition": s.partition.partition, "reason": s.reason, "seconds": Int64(s.seconds)]
        case let .throttleChanged(rate, reason):
            o = ["event": "throttle_changed", "rate": rate, "reason": reason]
        case let .throttlesRemoved(rates, entries):
            o = ["event": "throttles_removed", "rates": rates, "replica_entries": entries]
        case let .finished(s):
            o = ["event": "finished", "run": s.runID, "done": s.done, "failed": s.failed.count, "bytes": s.bytes, "seconds": (s.seconds * 10).rounded() / 10]
            if !s.failed.isEmpty { o["failures"] = s.failed.map { ["partition": $0.key.description, "reason": $0.value] } }
            if !s.gone.isEmpty { o["gone"] = s.gone.map(\.description) }
        case let .message(text):
            o = ["event": "message", "text": text]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension ProgressReport {
    /// The fields of a progress report as JSON shows it: the `progress` event and `kscale status`
    /// print these same keys from the same computation.
    public var jsonFields: [String: Any] {
        let p = progress
        var o: [String: Any] = ["done": p.done, "in_flight": p.inFlight, "pending": p.pending, "failed": p.failed,
                                "bytes_copied": p.bytesCopied, "bytes_total": p.bytesTotal, "percent": p.percent,
                                "brokers": p.brokers.map(\.jsonFields)]
        if p.cancelled > 0 { o["cancelled"] = p.cancelled }
        if p.gone > 0 { o["gone"] = p.gone }
        if p.unsized > 0 { o["unsized"] = p.unsized }
        if let r = rate { o["rate"] = Int64(r) }
        if let e = etaSeconds { o["eta_seconds"] = Int64(e.rounded()) }
        if let t = throttle { o["throttle"] = t }
        if !stalled.isEmpty { o["stalled"] = stalled.map { ["topic": $0.partition.topic, "partition": $0.partition.partition, "reason": $0.reason] as [String: Any] } }
        if !waiting.isEmpty { o["waiting"] = waiting.map { ["topic": $0.partition.topic, "partition": $0.partition.partition, "reason": $0.reason] as [String: Any] } }
        return o
    }
}

extension RunProgress.BrokerFlow {
    public var jsonFields: [String: Any] {
        var o: [String: Any] = ["broker": broker, "bytes_in": bytesIn, "bytes_in_total": bytesInTotal,
                                "bytes_out": bytesOut, "bytes_out_total": bytesOutTotal]
        if let rateIn { o["rate_in"] = Int64(rateIn.rounded()) }
        if let rateOut { o["rate_out"] = Int64(rateOut.rounded()) }
        if lastSeen { o["last_seen"] = true }
        return o
    }
}

/// Receives a run's events. A closure so the CLI, tests and lifecycle flows each plug in their own.
public typealias EventSink = @Sendable (ExecutionEvent) -> Void
