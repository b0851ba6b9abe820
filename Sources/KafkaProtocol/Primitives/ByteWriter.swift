/// Appends Kafka wire primitives to a growable byte array.
///
/// Big responses (a Metadata answer for 100,000 partitions) are built field by field, so every write
/// appends in place without intermediate arrays; callers that know the size should `reserveCapacity`.
public struct ByteWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public var count: Int { bytes.count }

    public mutating func reserveCapacity(_ n: Int) { bytes.reserveCapacity(n) }

    // MARK: fixed width

    @inline(__always) public mutating func writeInt8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    @inline(__always) public mutating func writeBool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    @inline(__always) public mutating func writeInt16(_ v: Int16) { writeBigEndian(UInt16(bitPattern: v)) }
    @inline(__always) public mutating func writeUInt16(_ v: UInt16) { writeBigEndian(v) }
    @inline(__always) public mutating func writeInt32(_ v: Int32) { writeBigEndian(UInt32(bitPattern: v)) }
    @inline(__always) public mutating func writeUInt32(_ v: UInt32) { writeBigEndian(v) }
    @inline(__always) public mutating func writeInt64(_ v: Int64) { writeBigEndian(UInt64(bitPattern: v)) }
    @inline(__always) public mutating func writeFloat64(_ v: Double) { writeBigEndian(v.bitPattern) }

    public mutating func writeUUID(_ v: KafkaUUID) {
        writeBigEndian(v.high)
        writeBigEndian(v.low)
    }

    @inline(__always) mutating func writeBigEndian<T: FixedWidthInteger>(_ v: T) {
        // Byte appends specialise to a capacity check and a store; appending an UnsafeRawBufferPointer
        // goes through the generic Sequence path and was measurably slower.
        var shift = T.bitWidth - 8
        while shift >= 0 {
            bytes.append(UInt8(truncatingIfNeeded: v >> shift))
            shift -= 8
        }
    }

    /// Overwrites a big-endian int32 at `offset` (used to back-fill a size prefix). Internal: the
    /// offset must come from this writer, which only the framing code guarantees.
    mutating func setInt32(_ v: Int32, at offset: Int) {
        let u = UInt32(bitPattern: v)
        bytes[offset] = UInt8(truncatingIfNeeded: u >> 24)
        bytes[offset + 1] = UInt8(truncatingIfNeeded: u >> 16)
        bytes[offset + 2] = UInt8(truncatingIfNeeded: u >> 8)
        bytes[offset + 3] = UInt8(truncatingIfNeeded: u)
    }

    // MARK: varints

    @inline(__always) public mutating func writeUnsignedVarint(_ v: UInt32) {
        if v < 0x80 {
            bytes.append(UInt8(v))  // the common case: lengths and tag counts
        } else {
            writeUnsignedVarlong(UInt64(v))
        }
    }

    public mutating func writeUnsignedVarlong(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// Zig-zag signed varint (record batches use these).
    public mutating func writeVarint(_ v: Int32) {
        writeUnsignedVarint(UInt32(bitPattern: (v << 1) ^ (v >> 31)))
    }

    public mutating func writeVarlong(_ v: Int64) {
        writeUnsignedVarlong(UInt64(bitPattern: (v << 1) ^ (v >> 63)))
    }

    // MARK: raw

    public mutating func writeRaw(_ b: [UInt8]) { bytes.append(contentsOf: b) }
    public mutating func writeRaw(_ b: ArraySlice<UInt8>) { bytes.append(contentsOf: b) }

    // MARK: lengths

    /// Array (or map) length: int32 classic, or uvarint count+1 when compact.
    @inline(__always) public mutating func writeArrayLength(_ count: Int, compact: Bool) throws {
        if compact {
            writeUnsignedVarint(try Self.checkedUInt32(count + 1))
        } else {
            writeInt32(try Self.checkedInt32(count))
        }
    }

    /// Nullable array length: -1 (classic) or 0 (compact) for null.
    @inline(__always) public mutating func writeNullableArrayLength(_ count: Int?, compact: Bool) throws {
        guard let count else {
            if compact { writeUnsignedVarint(0) } else { writeInt32(-1) }
            return
        }
        try writeArrayLength(count, compact: compact)
    }

    static func checkedInt32(_ n: Int) throws -> Int32 {
        guard let v = Int32(exactly: n) else { throw KafkaProtocolError.valueOutOfRange("length \(n)") }
        return v
    }

    static func checkedUInt32(_ n: Int) throws -> UInt32 {
        guard let v = UInt32(exactly: n) else { throw KafkaProtocolError.valueOutOfRange("length \(n)") }
        return v
    }

    // MARK: strings and bytes

    public mutating func writeString(_ s: String, compact: Bool) throws {
        var s = s
        try s.withUTF8 { utf8 in
            if compact {
                writeUnsignedVarint(try Self.checkedUInt32(utf8.count + 1))
            } else {
                guard let n = Int16(exactly: utf8.count) else {
                    throw KafkaProtocolError.valueOutOfRange("string of \(utf8.count) bytes")
                }
                writeInt16(n)
            }
            bytes.append(contentsOf: utf8)
        }
    }

    public mutating func writeNullableString(_ s: String?, compact: Bool) throws {
        guard let s else {
            if compact { writeUnsignedVarint(0) } else { writeInt16(-1) }
            return
        }
        try writeString(s, compact: compact)
    }

    public mutating func writeBytes(_ b: [UInt8], compact: Bool) throws {
        if compact {
            writeUnsignedVarint(try Self.checkedUInt32(b.count + 1))
        } else {
            writeInt32(try Self.checkedInt32(b.count))
        }
        bytes.append(contentsOf: b)
    }

    public mutating func writeNullableBytes(_ b: [UInt8]?, compact: Bool) throws {
        guard let b else {
            if compact { writeUnsignedVarint(0) } else { writeInt32(-1) }
            return
        }
        try writeBytes(b, compact: compact)
    }

    // MARK: tagged fields

    /// Writes one tagged field: uvarint tag, uvarint size, then what `body` writes.
    public mutating func writeTaggedField(tag: UInt32, _ body: (inout ByteWriter) throws -> Void) throws {
        var inner = ByteWriter(capacity: 16)
        try body(&inner)
        writeUnsignedVarint(tag)
        writeUnsignedVarint(try Self.checkedUInt32(inner.bytes.count))
        bytes.append(contentsOf: inner.bytes)
    }
}
