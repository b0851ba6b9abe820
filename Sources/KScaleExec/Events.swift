import Foundation
import KScaleCore

/// Where a run stands, as reported after every poll.
public struct ProgressReport: Sendable, Equatable {
    public var done: Int
    public var inFlight: Int
    public var pending: Int
    public var failed: Int
    public var bytesCopied: Int64
    public var bytesTotal: Int64
    /// Bytes per second over the last minute of the run's clock; nil until two samples exist.
    public var rate: Double?
    public var etaSeconds: Double?
    public var throttle: Int64?
    public var stalled: [Stall]
    /// Pending moves that cannot start, with why (a target broker offline, no live leader).
    public var waiting: [Waiting] = []

    public var fraction: Double { bytesTotal > 0 ? min(1, Double(bytesCopied) / Double(bytesTotal)) : (pending + inFlight == 0 ? 1 : 0) }
}

/// A pending move that cannot start yet, and why.
public struct Waiting: Sendable, Equatable {
    public var partition: TopicPartition
    public var reason: String
}

/// A partition that made no progress for `--stall-timeout`, with the most likely reason.
public struct Stall: Sendable, Equatable {
    public var partition: TopicPartition
    public var reason: String
    public var seconds: Double
}

public struct ExecutionSummary: Sendable, Equatable {
    public var runID: String
    public var done: Int
    public var failed: [TopicPartition: String]
    public var bytes: Int64
    public var seconds: Double
    public var throttlesRestored: Int
}

/// Everything a run reports, for the CLI's renderers (bar, plain lines, JSON) and for callers such
/// as scale-out that drive the executor as a library.
public enum ExecutionEvent: Sendable {
    case started(runID: String, partitions: Int, bytes: Int64, throttle: Int64?, resumed: Bool)
    case partitionStarted(TopicPartition, from: [BrokerID], to: [BrokerID], bytes: Int64)
    case partitionDone(TopicPartition)
    case partitionFailed(TopicPartition, reason: String)
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
        case let .progress(p):
            o = ["event": "progress", "done": p.done, "in_flight": p.inFlight, "pending": p.pending, "failed": p.failed,
                 "bytes_copied": p.bytesCopied, "bytes_total": p.bytesTotal, "percent": (p.fraction * 1000).rounded() / 10]
            if let r = p.rate { o["rate"] = Int64(r) }
            if let e = p.etaSeconds { o["eta_seconds"] = Int64(e.rounded()) }
            if let t = p.throttle { o["throttle"] = t }
            if !p.stalled.isEmpty { o["stalled"] = p.stalled.map { ["topic": $0.partition.topic, "partition": $0.partition.partition, "reason": $0.reason] as [String: Any] } }
            if !p.waiting.isEmpty { o["waiting"] = p.waiting.map { ["topic": $0.partition.topic, "partition": $0.partition.partition, "reason": $0.reason] as [String: Any] } }
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
        case let .message(text):
            o = ["event": "message", "text": text]
        }
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// Receives a run's events. A closure so the CLI, tests and lifecycle flows each plug in their own.
public typealias EventSink = @Sendable (ExecutionEvent) -> Void
