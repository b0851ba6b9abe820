// Field-level helpers the generated code calls. They exist so each generated field is one line,
// and so the "is null allowed in this version" rule lives in one place.

extension ByteWriter {
    public mutating func writeNullableString(_ s: String?, compact: Bool, nullable: Bool, field: String) throws {
        if s == nil, !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
        try writeNullableString(s, compact: compact)
    }

    public mutating func writeNullableBytes(_ b: [UInt8]?, compact: Bool, nullable: Bool, field: String) throws {
        if b == nil, !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
        try writeNullableBytes(b, compact: compact)
    }

    @inline(__always)
    public mutating func writeArray<T>(_ a: [T], compact: Bool, _ element: (inout ByteWriter, T) throws -> Void) throws {
        try writeArrayLength(a.count, compact: compact)
        for e in a { try element(&self, e) }
    }

    @inline(__always)
    public mutating func writeNullableArray<T>(_ a: [T]?, compact: Bool, nullable: Bool, field: String,
                                               _ element: (inout ByteWriter, T) throws -> Void) throws {
        guard let a else {
            if !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
            try writeNullableArrayLength(nil, compact: compact)
            return
        }
        try writeArray(a, compact: compact, element)
    }

    /// Writes a null array length, refusing when this version does not allow null.
    public mutating func writeNullArray(compact: Bool, nullable: Bool, field: String) throws {
        if !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
        try writeNullableArrayLength(nil, compact: compact)
    }

    /// A nullable struct is preceded by an int8: -1 for null, 1 for present.
    public mutating func writeNullableStruct<T>(_ s: T?, nullable: Bool, field: String,
                                                _ body: (inout ByteWriter, T) throws -> Void) throws {
        guard let s else {
            if !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
            writeInt8(-1)
            return
        }
        if nullable { writeInt8(1) }
        try body(&self, s)
    }
}

extension ByteReader {
    public mutating func readNullableString(compact: Bool, nullable: Bool, field: String) throws -> String? {
        let s = try readNullableString(compact: compact)
        if s == nil, !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
        return s
    }

    public mutating func readNullableBytes(compact: Bool, nullable: Bool, field: String) throws -> [UInt8]? {
        let b = try readNullableBytes(compact: compact)
        if b == nil, !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
        return b
    }

    @inline(__always)
    public mutating func readArray<T>(compact: Bool, field: String, _ element: (inout ByteReader) throws -> T) throws -> [T] {
        let n = try readArrayLength(compact: compact, field: field)
        var out = [T]()
        out.reserveCapacity(Self.reservation(forCount: n))
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    @inline(__always)
    public mutating func readNullableArray<T>(compact: Bool, nullable: Bool, field: String,
                                              _ element: (inout ByteReader) throws -> T) throws -> [T]? {
        guard let n = try readNullableArrayLength(compact: compact) else {
            if !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
            return nil
        }
        var out = [T]()
        out.reserveCapacity(Self.reservation(forCount: n))
        for _ in 0..<n { out.append(try element(&self)) }
        return out
    }

    /// How many elements to reserve for an array that claims `count`. The count is already checked
    /// against the remaining bytes, but one byte can claim an element of 100+ bytes in memory, so a
    /// hostile 100 MB frame could otherwise make us reserve gigabytes; beyond the cap, arrays grow.
    @inline(__always) public static func reservation(forCount count: Int) -> Int {
        Swift.min(count, 1 << 16)
    }

    /// Throws when a null arrived for a field that is not nullable in this version.
    public static func checkNull(nullable: Bool, field: String) throws {
        if !nullable { throw KafkaProtocolError.unexpectedNull(field: field) }
    }

    public mutating func readNullableStruct<T>(nullable: Bool, field: String, _ body: (inout ByteReader) throws -> T) throws -> T? {
        if nullable {
            let marker = try readInt8()
            if marker < 0 { return nil }
        }
        return try body(&self)
    }

    /// Number of entries in a tagged-field section, checked against the bytes that remain.
    public mutating func readTaggedFieldCount() throws -> Int {
        let at = offset
        let count = Int(try readUnsignedVarint())
        guard count <= remaining else { throw KafkaProtocolError.invalidLength(count, offset: at, remaining: remaining) }
        return count
    }

    /// One tagged field: its tag and a reader over exactly its bytes.
    public mutating func readTaggedField() throws -> (tag: UInt32, reader: ByteReader) {
        let tag = try readUnsignedVarint()
        let size = Int(try readUnsignedVarint())
        return (tag, ByteReader(try readRaw(size)))
    }
}
