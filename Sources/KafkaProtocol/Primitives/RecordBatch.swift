/// One record of a v2 record batch, as a producer sends it and a consumer reads it (KIP-98,
/// Kafka's `DefaultRecord`): key and value (either may be null), a timestamp and its offset.
/// A record header: a name and a value (which may be null).
public struct RecordHeader: Sendable, Hashable {
    public var key: String
    public var value: [UInt8]?
    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}

public struct KafkaRecord: Sendable, Hashable {
    public var offset: Int64
    public var timestamp: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [RecordHeader] = []

    public init(offset: Int64 = 0, timestamp: Int64 = 0, key: [UInt8]?, value: [UInt8]?) {
        self.offset = offset
        self.timestamp = timestamp
        self.key = key
        self.value = value
    }
}

/// Kafka's v2 record batch (magic 2, KIP-98; `DefaultRecordBatch` in the clients module):
///
///     baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 (2) | crc uint32
///     attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64
///     producerId int64 | producerEpoch int16 | baseSequence int32 | recordCount int32 | records
///
/// `batchLength` counts the bytes after itself; the CRC-32C covers attributes to the end, so a
/// broker rewriting the base offset (as every leader does on append) leaves it valid. Each record:
/// length varint | attributes int8 | timestampDelta varlong | offsetDelta varint | key (varint
/// length, -1 null) | value (same) | header count varint | headers.
///
/// Encoded uncompressed, with no producer id (-1): what kscale writes. Decoding refuses compressed
/// batches (attributes bits 0-2) by name rather than misreading them.
public enum RecordBatch {
    /// Bytes before the first record: the fixed header.
    public static let headerSize = 61
    /// Bytes of `baseOffset` and `batchLength`, which `batchLength` does not count.
    public static let logOverhead = 12
    static let magicOffset = 16
    static let crcOffset = 17
    static let attributesOffset = 21
    static let recordCountOffset = 57
    static let compressionMask: Int16 = 0x07

    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        case truncated(offset: Int)
        case badMagic(Int8, offset: Int)
        case badLength(Int32, offset: Int)
        case badChecksum(offset: Int, stored: UInt32, computed: UInt32)
        case compressed(codec: Int16, offset: Int)
        case badRecord(String, offset: Int)

        public var description: String {
            switch self {
            case let .truncated(offset): "record batch at byte \(offset) is cut short"
            case let .badMagic(magic, offset): "record batch at byte \(offset) has magic \(magic), not 2"
            case let .badLength(length, offset): "record batch at byte \(offset) has an impossible length \(length)"
            case let .badChecksum(offset, stored, computed):
                "record batch at byte \(offset) fails its CRC-32C (stored \(String(stored, radix: 16)), computed \(String(computed, radix: 16)))"
            case let .compressed(codec, offset): "record batch at byte \(offset) is compressed (codec \(codec)), which kscale does not read"
            case let .badRecord(why, offset): "record batch at byte \(offset): \(why)"
            }
        }
    }

    /// One batch of `records` at `baseOffset`, uncompressed: their offsets and timestamps are
    /// written relative to the first record's.
    public static func encode(_ records: [KafkaRecord], baseOffset: Int64 = 0, partitionLeaderEpoch: Int32 = -1) throws -> [UInt8] {
        let baseTimestamp = records.first?.timestamp ?? 0
        let firstOffset = records.first?.offset ?? 0
        var body = ByteWriter(capacity: 64 * max(1, records.count))
        for record in records {
            var one = ByteWriter(capacity: 32 + (record.key?.count ?? 0) + (record.value?.count ?? 0))
            one.writeInt8(0)
            one.writeVarlong(record.timestamp - baseTimestamp)
            one.writeVarint(try checked(record.offset - firstOffset, "offset delta"))
            try writeVarBytes(record.key, into: &one)
            try writeVarBytes(record.value, into: &one)
            one.writeVarint(try checked(Int64(record.headers.count), "header count"))
            for header in record.headers {
                try writeVarBytes(Array(header.key.utf8), into: &one)
                try writeVarBytes(header.value, into: &one)
            }
            body.writeVarint(try checked(Int64(one.count), "record length"))
            body.writeRaw(one.bytes)
        }
        let lastOffsetDelta = try checked((records.last?.offset ?? firstOffset) - firstOffset, "last offset delta")
        var afterCRC = ByteWriter(capacity: headerSize + body.count)
        afterCRC.writeInt16(0)                                            // attributes: no compression, create time
        afterCRC.writeInt32(lastOffsetDelta)
        afterCRC.writeInt64(baseTimestamp)
        afterCRC.writeInt64(records.map(\.timestamp).max() ?? baseTimestamp)
        afterCRC.writeInt64(-1)                                           // producer id
        afterCRC.writeInt16(-1)                                           // producer epoch
        afterCRC.writeInt32(-1)                                           // base sequence
        afterCRC.writeInt32(try checked(Int64(records.count), "record count"))
        afterCRC.writeRaw(body.bytes)
        var out = ByteWriter(capacity: logOverhead + 9 + afterCRC.count)
        out.writeInt64(baseOffset)
        out.writeInt32(try checked(Int64(4 + 1 + 4 + afterCRC.count), "batch length"))
        out.writeInt32(partitionLeaderEpoch)
        out.writeInt8(2)
        out.writeUInt32(CRC32C.checksum(afterCRC.bytes))
        out.writeRaw(afterCRC.bytes)
        return out.bytes
    }

    /// The span of one batch in a run of batches: where it starts, its whole size, its base and
    /// last offset and record count, checked (magic, length, CRC) but not decoded.
    public struct Span: Sendable, Hashable {
        public var start: Int
        public var size: Int
        public var baseOffset: Int64
        public var lastOffset: Int64
        public var recordCount: Int32
    }

    /// The batches in `bytes`, each checked; a trailing partial batch (which a fetch answer may
    /// end with when cut at its size limit) is left out when `allowPartialTail`.
    public static func spans(_ bytes: [UInt8], allowPartialTail: Bool = false) throws(Failure) -> [Span] {
        var spans: [Span] = []
        var start = 0
        while start < bytes.count {
            guard bytes.count - start >= headerSize else {
                if allowPartialTail { break }
                throw .truncated(offset: start)
            }
            let length = Int32(bitPattern: readUInt32(bytes, start + 8))
            let magic = Int8(bitPattern: bytes[start + magicOffset])
            guard magic == 2 else { throw .badMagic(magic, offset: start) }
            guard Int(length) >= headerSize - logOverhead else { throw .badLength(length, offset: start) }
            let size = logOverhead + Int(length)
            guard size <= bytes.count - start else {
                if allowPartialTail { break }
                throw .truncated(offset: start)
            }
            let stored = readUInt32(bytes, start + crcOffset)
            let computed = CRC32C.checksum(bytes[(start + attributesOffset)..<(start + size)])
            guard stored == computed else { throw .badChecksum(offset: start, stored: stored, computed: computed) }
            let count = Int32(bitPattern: readUInt32(bytes, start + recordCountOffset))
            guard count >= 0 else { throw .badRecord("negative record count \(count)", offset: start) }
            let base = Int64(bitPattern: readUInt64(bytes, start))
            let lastDelta = Int32(bitPattern: readUInt32(bytes, start + 23))
            spans.append(Span(start: start, size: size, baseOffset: base, lastOffset: base + Int64(lastDelta), recordCount: count))
            start += size
        }
        return spans
    }

    /// `bytes` (one batch) with its base offset set to `baseOffset`, as a leader assigns offsets on
    /// append (the CRC does not cover the base offset, so it stays valid).
    public static func rebased(_ bytes: ArraySlice<UInt8>, to baseOffset: Int64) -> [UInt8] {
        var out = Array(bytes)
        guard out.count >= 8 else { return out }
        let value = UInt64(bitPattern: baseOffset)
        for index in 0..<8 { out[index] = UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64(index))) }
        return out
    }

    /// Every record of the batches in `bytes` (a produce request's or a fetch answer's record set).
    public static func decode(_ bytes: [UInt8], allowPartialTail: Bool = false) throws(Failure) -> [KafkaRecord] {
        var records: [KafkaRecord] = []
        for span in try spans(bytes, allowPartialTail: allowPartialTail) {
            let attributes = Int16(bitPattern: UInt16(bytes[span.start + attributesOffset]) << 8 | UInt16(bytes[span.start + attributesOffset + 1]))
            guard attributes & compressionMask == 0 else { throw .compressed(codec: attributes & compressionMask, offset: span.start) }
            let baseTimestamp = Int64(bitPattern: readUInt64(bytes, span.start + 27))
            var reader = ByteReader(Array(bytes[(span.start + headerSize)..<(span.start + span.size)]))
            for _ in 0..<span.recordCount {
                do {
                    let length = Int(try reader.readVarint())
                    guard length >= 0, length <= reader.remaining else { throw Failure.badRecord("record length \(length) beyond its batch", offset: span.start) }
                    _ = try reader.readInt8()
                    let timestampDelta = try reader.readVarlong()
                    let offsetDelta = try reader.readVarint()
                    let key = try readVarBytes(&reader)
                    let value = try readVarBytes(&reader)
                    let headerCount = Int(try reader.readVarint())
                    guard headerCount >= 0, headerCount <= reader.remaining else { throw Failure.badRecord("header count \(headerCount)", offset: span.start) }
                    var record = KafkaRecord(offset: span.baseOffset + Int64(offsetDelta), timestamp: baseTimestamp + timestampDelta, key: key, value: value)
                    for _ in 0..<headerCount {
                        let name = String(decoding: try readVarBytes(&reader) ?? [], as: UTF8.self)
                        record.headers.append(RecordHeader(key: name, value: try readVarBytes(&reader)))
                    }
                    records.append(record)
                } catch let failure as Failure {
                    throw failure
                } catch {
                    throw .badRecord("\(error)", offset: span.start)
                }
            }
        }
        return records
    }

    private static func writeVarBytes(_ bytes: [UInt8]?, into writer: inout ByteWriter) throws {
        guard let bytes else { return writer.writeVarint(-1) }
        writer.writeVarint(try checked(Int64(bytes.count), "field length"))
        writer.writeRaw(bytes)
    }

    private static func readVarBytes(_ reader: inout ByteReader) throws -> [UInt8]? {
        let length = Int(try reader.readVarint())
        if length < 0 { return nil }
        return try reader.readRaw(length)
    }

    private static func checked(_ value: Int64, _ what: String) throws -> Int32 {
        guard let narrow = Int32(exactly: value) else { throw KafkaProtocolError.valueOutOfRange("\(what) \(value)") }
        return narrow
    }

    private static func readUInt32(_ bytes: [UInt8], _ index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8 | UInt32(bytes[index + 3])
    }

    private static func readUInt64(_ bytes: [UInt8], _ index: Int) -> UInt64 {
        UInt64(readUInt32(bytes, index)) << 32 | UInt64(readUInt32(bytes, index + 4))
    }
}
