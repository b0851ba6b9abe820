import KScaleCore

/// A topic a tool keeps its own records in, created on first use (kscale's run record,
/// `__kscale_runs`; Kafka Connect and Schema Registry keep theirs the same way).
public struct ToolTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    public var configs: [String: String]
    public init(name: String, partitions: Int32, replicationFactor: Int16, configs: [String: String]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// One record of a topic's log: its offset (assigned by the leader), key and value.
public struct LogRecord: Sendable, Hashable {
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public init(offset: Int64 = -1, key: [UInt8]?, value: [UInt8]?) {
        self.offset = offset
        self.key = key
        self.value = value
    }
}

/// One Fetch answer for one partition: the records from the asked offset (whole batches, so
/// possibly some before it), the high watermark and the log start offset.
public struct RecordRead: Sendable, Hashable {
    public var records: [LogRecord]
    public var highWatermark: Int64
    public var logStartOffset: Int64
    public init(records: [LogRecord], highWatermark: Int64, logStartOffset: Int64) {
        self.records = records
        self.highWatermark = highWatermark
        self.logStartOffset = logStartOffset
    }
}

/// The dry-run gate refused to write records or create a topic: a dry run never does.
public struct DryRunWrite: KindedError, Sendable {
    public var what: String
    public var description: String { "a dry run does not \(what); this is a bug in the caller, which must check isDryRun first" }
    public var kind: ErrorKind { .internal }
}

extension ClusterAdmin {
    /// Every record of `tp` from its log start up to the high watermark read first, fetched in
    /// pieces of `fetchBytes`; refused past `maxBytes` in all (a record topic someone filled).
    /// nil when the topic does not exist.
    public func readAllRecords(_ tp: TopicPartition, fetchBytes: Int32 = 1 << 20, maxBytes: Int = 64 << 20) async throws -> [LogRecord]? {
        guard let first = try await readRecords(tp, from: nil, maxBytes: fetchBytes) else { return nil }
        let end = first.highWatermark
        var records = first.records
        var bytes = records.reduce(0) { $0 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) }
        var next = (records.last?.offset ?? (first.logStartOffset - 1)) + 1
        while next < end {
            guard let read = try await readRecords(tp, from: next, maxBytes: fetchBytes) else { return nil }
            let fresh = read.records.filter { $0.offset >= next && $0.offset < end }
            // Every fetch below the high watermark returns a batch (KIP-74); one that does not has nothing more.
            guard let last = fresh.last else { break }
            records += fresh
            bytes += fresh.reduce(0) { $0 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) }
            guard bytes <= maxBytes else {
                throw KafkaAPIError(code: 10, name: "MESSAGE_TOO_LARGE", message: "\(tp) holds more than \(maxBytes) bytes of records", api: "Fetch")
            }
            next = last.offset + 1
        }
        return records.filter { $0.offset < end }
    }
}
