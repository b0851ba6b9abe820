/// Reads Kafka wire primitives from bytes, checking every bound.
///
/// Every read throws `KafkaProtocolError` rather than trapping, and every length prefix is checked
/// against the bytes that remain before anything is allocated, so a 4-byte frame claiming a
/// two-billion-element array costs nothing.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    public init<C: Collection>(bytes: C) where C.Element == UInt8 {
        self.init(Array(bytes))
    }

    public var remaining: Int { bytes.count - offset }
    public var isAtEnd: Bool { offset >= bytes.count }

    @inline(__always) mutating func need(_ n: Int) throws {
        guard n >= 0, bytes.count - offset >= n else {
            throw KafkaProtocolError.truncated(needed: n, offset: offset, available: bytes.count - offset)
        }
    }

    // MARK: fixed width

    @inline(__always) public mutating func readInt8() throws -> Int8 {
        try need(1)
        defer { offset += 1 }
        return Int8(bitPattern: bytes[offset])
    }

    @inline(__always) public mutating func readBool() throws -> Bool { try readInt8() != 0 }

    @inline(__always) mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        try need(size)
        let at = offset
        offset += size
        return T(bigEndian: bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: T.self) })
    }

    @inline(__always) public mutating func readInt16() throws -> Int16 { Int16(bitPattern: try readBigEndian(UInt16.self)) }
    @inline(__always) public mutating func readUInt16() throws -> UInt16 { try readBigEndian(UInt16.self) }
    @inline(__always) public mutating func readInt32() throws -> Int32 { Int32(bitPattern: try readBigEndian(UInt32.self)) }
    @inline(__always) public mutating func readUInt32() throws -> UInt32 { try readBigEndian(UInt32.self) }
    @inline(__always) public mutating func readInt64() throws -> Int64 { Int64(bitPattern: try readBigEndian(UInt64.self)) }
    @inline(__always) public mutating func readFloat64() throws -> Double { Double(bitPattern: try readBigEndian(UInt64.self)) }

    public mutating func readUUID() throws -> KafkaUUID {
        let high = try readBigEndian(UInt64.self)
        let low = try readBigEndian(UInt64.self)
        return KafkaUUID(high: high, low: low)
    }

    // MARK: varints

    public mutating func readUnsignedVarint() throws -> UInt32 {
        UInt32(truncatingIfNeeded: try readUnsignedVarBits(maxBits: 32))
    }

    public mutating func readUnsignedVarlong() throws -> UInt64 {
        try readUnsignedVarBits(maxBits: 64)
    }

    /// Little-endian base-128 groups; a value wider than `maxBits` (an overlong or endless varint) throws.
    private mutating func readUnsignedVarBits(maxBits: Int) throws -> UInt64 {
        let start = offset
        var value: UInt64 = 0
        var shift = 0
        while true {
            try need(1)
            let b = bytes[offset]
            offset += 1
            let payload = UInt64(b & 0x7F)
            if shift + 7 > maxBits, payload >> UInt64(maxBits - shift) != 0 {
                throw KafkaProtocolError.malformedVarint(offset: start)
            }
            value |= payload << UInt64(shift)
            if b & 0x80 == 0 { return value }
            shift += 7
            if shift >= maxBits { throw KafkaProtocolError.malformedVarint(offset: start) }
        }
    }

    public mutating func readVarint() throws -> Int32 {
        let u = try readUnsignedVarint()
        return Int32(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    public mutating func readVarlong() throws -> Int64 {
        let u = try readUnsignedVarlong()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    // MARK: raw

    public mutating func readRaw(_ n: Int) throws -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<(offset + n)])
    }

    public mutating func skip(_ n: Int) throws {
        try need(n)
        offset += n
    }

    // MARK: lengths

    /// Reads a length prefix (uvarint n+1 when compact, else int16/int32) and checks it against the
    /// bytes that remain, as Kafka's own decoders do; nil means null.
    private mutating func readNullableLength(compact: Bool, classic16: Bool) throws -> Int? {
        let at = offset
        let n: Int
        if compact {
            let u = try readUnsignedVarint()
            if u == 0 { return nil }
            n = Int(u) - 1
        } else {
            let v = classic16 ? Int(try readInt16()) : Int(try readInt32())
            if v < 0 {
                if v == -1 { return nil }
                throw KafkaProtocolError.invalidLength(v, offset: at, remaining: remaining)
            }
            n = v
        }
        guard n <= remaining else { throw KafkaProtocolError.invalidLength(n, offset: at, remaining: remaining) }
        return n
    }

    /// Length of a nullable array; nil for null. Every element takes at least one byte, so a count
    /// larger than the remaining bytes is rejected before anything is allocated.
    public mutating func readNullableArrayLength(compact: Bool) throws -> Int? {
        try readNullableLength(compact: compact, classic16: false)
    }

    public mutating func readArrayLength(compact: Bool, field: String) throws -> Int {
        guard let n = try readNullableArrayLength(compact: compact) else {
            throw KafkaProtocolError.unexpectedNull(field: field)
        }
        return n
    }

    // MARK: strings and bytes

    public mutating func readNullableString(compact: Bool) throws -> String? {
        guard let n = try readNullableLength(compact: compact, classic16: true) else { return nil }
        let start = offset
        let decoded = bytes.withUnsafeBufferPointer { buffer in
            String(validating: UnsafeBufferPointer(rebasing: buffer[start..<(start + n)]), as: UTF8.self)
        }
        guard let s = decoded else { throw KafkaProtocolError.invalidUTF8(offset: start) }
        offset += n
        return s
    }

    public mutating func readString(compact: Bool, field: String) throws -> String {
        guard let s = try readNullableString(compact: compact) else { throw KafkaProtocolError.unexpectedNull(field: field) }
        return s
    }

    public mutating func readNullableBytes(compact: Bool) throws -> [UInt8]? {
        guard let n = try readNullableLength(compact: compact, classic16: false) else { return nil }
        return try readRaw(n)
    }

    public mutating func readBytes(compact: Bool, field: String) throws -> [UInt8] {
        guard let b = try readNullableBytes(compact: compact) else { throw KafkaProtocolError.unexpectedNull(field: field) }
        return b
    }

    // MARK: tagged fields

    /// Reads a tagged-field section, handing each tag a reader limited to that field's bytes.
    /// `handle` ignores tags it does not know: tagged fields are optional by design.
    public mutating func readTaggedFields(_ handle: (UInt32, inout ByteReader) throws -> Void) throws {
        let count = try readUnsignedVarint()
        guard Int(count) <= remaining else {
            throw KafkaProtocolError.invalidLength(Int(count), offset: offset, remaining: remaining)
        }
        for _ in 0..<count {
            let tag = try readUnsignedVarint()
            let size = Int(try readUnsignedVarint())
            try need(size)
            var sub = ByteReader(Array(bytes[offset..<(offset + size)]))
            offset += size
            try handle(tag, &sub)
        }
    }

    /// Skips a tagged-field section entirely.
    public mutating func skipTaggedFields() throws {
        try readTaggedFields { _, _ in }
    }
}
