import KScaleCore
import KafkaProtocol

/// The record batches a partition keeps, as its leader's log holds them: each batch as produced,
/// its base offset rewritten to the offset the leader assigned (Kafka's `LogValidator` assigns
/// offsets on append; the CRC does not cover the base offset). Replicas share the leader's log:
/// the simulator models replication by bytes, not by copying batches.
///
/// Bounded: past `SimDefaults.storedRecordBytesPerPartition` the oldest batches are dropped and
/// the log start offset moves past them, as retention would (a simulated partition under heavy
/// load keeps its newest records, never unbounded memory).
struct StoredLog: Sendable {
    struct Batch: Sendable {
        var baseOffset: Int64
        var lastOffset: Int64
        var bytes: [UInt8]
    }
    var batches: [Batch] = []
    var storedBytes = 0
    /// The first offset still in the log: 0 until retention drops a batch.
    var startOffset: Int64 = 0

    mutating func append(_ batch: Batch, limit: Int) {
        batches.append(batch)
        storedBytes += batch.bytes.count
        while storedBytes > limit, batches.count > 1 {
            let dropped = batches.removeFirst()
            storedBytes -= dropped.bytes.count
            startOffset = batches.first?.baseOffset ?? dropped.lastOffset + 1
        }
    }

    /// Whole batches from the one holding `offset`, adding batches while they fit in `maxBytes`;
    /// the first batch is returned even when larger if `firstAlways` (KIP-74: the first non-empty
    /// partition of a fetch always makes progress).
    func read(from offset: Int64, maxBytes: Int, firstAlways: Bool) -> [UInt8] {
        var out: [UInt8] = []
        guard let first = batches.firstIndex(where: { $0.lastOffset >= offset }) else { return out }
        for batch in batches[first...] {
            if out.count + batch.bytes.count > maxBytes, !(out.isEmpty && firstAlways) { break }
            out += batch.bytes
        }
        return out
    }
}

/// What Produce appended to one partition.
public struct SimAppend: Sendable {
    public var baseOffset: Int64
    public var records: Int64
}

extension ClusterModel {
    /// Produce on `broker`: checks the v2 record batches of `records` (magic, length, CRC-32C;
    /// CORRUPT_MESSAGE otherwise), stores them with offsets assigned from the log end, and returns
    /// the base offset of the first.
    public mutating func append(_ tp: TopicPartition, on broker: BrokerID, records: [UInt8], at t: Double) throws(SimFailure) -> SimAppend {
        let spans: [RecordBatch.Span]
        do { spans = try RecordBatch.spans(records) } catch {
            throw SimFailure(SimErrorCode.corruptMessage, "This message has failed its CRC checksum, exceeds the valid size, has a null key for a compacted topic, or is otherwise corrupt (\(error)).")
        }
        // Each batch takes the offsets its last offset delta spans (its record count, as producers write them).
        let count = spans.reduce(Int64(0)) { $0 + $1.lastOffset - $1.baseOffset + 1 }
        let base = try produce(tp, on: broker, records: count, bytes: Int64(records.count), at: t)
        var next = base
        var batches: [StoredLog.Batch] = []
        for span in spans {
            let lastDelta = span.lastOffset - span.baseOffset
            let bytes = RecordBatch.rebased(records[span.start..<(span.start + span.size)], to: next)
            batches.append(StoredLog.Batch(baseOffset: next, lastOffset: next + lastDelta, bytes: bytes))
            next += lastDelta + 1
        }
        _ = withPartition(tp) { p in
            for batch in batches { p.storedLog.append(batch, limit: SimDefaults.storedRecordBytesPerPartition) }
        }
        return SimAppend(baseOffset: base, records: count)
    }

    /// The stored batches of `tp` from `offset` (see `StoredLog.read`), with the log start and end offsets.
    public func storedRecords(_ tp: TopicPartition, from offset: Int64, maxBytes: Int, firstAlways: Bool) -> (records: [UInt8], logStart: Int64)? {
        guard let p = partition(tp) else { return nil }
        return (p.storedLog.read(from: offset, maxBytes: maxBytes, firstAlways: firstAlways), p.storedLog.startOffset)
    }
}
