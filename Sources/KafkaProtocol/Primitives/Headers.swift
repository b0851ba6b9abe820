/// The header in front of every request body.
///
/// v1 (non-flexible requests): api key, version, correlation id, nullable client id with an int16
/// length. v2 (flexible requests) adds a tagged-field section; the client id stays a classic
/// string even there, which is the one place the schemas override compact encoding.
public struct RequestHeader: Sendable, Equatable {
    public var apiKey: Int16
    public var apiVersion: Int16
    public var correlationId: Int32
    public var clientId: String?

    public init(apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String? = nil) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
    }

    /// Header version 0 has no client id; 1 adds it; 2 adds tagged fields.
    public func encode(into w: inout ByteWriter, headerVersion: Int16) throws {
        w.writeInt16(apiKey)
        w.writeInt16(apiVersion)
        w.writeInt32(correlationId)
        if headerVersion >= 1 { try w.writeNullableString(clientId, compact: false) }
        if headerVersion >= 2 { w.writeUnsignedVarint(0) }
    }

    public init(from r: inout ByteReader, headerVersion: Int16) throws {
        apiKey = try r.readInt16()
        apiVersion = try r.readInt16()
        correlationId = try r.readInt32()
        clientId = headerVersion >= 1 ? try r.readNullableString(compact: false) : nil
        if headerVersion >= 2 { try r.skipTaggedFields() }
    }
}

/// The header in front of every response body: the correlation id, plus tagged fields in v1.
public struct ResponseHeader: Sendable, Equatable {
    public var correlationId: Int32

    public init(correlationId: Int32) {
        self.correlationId = correlationId
    }

    public func encode(into w: inout ByteWriter, headerVersion: Int16) {
        w.writeInt32(correlationId)
        if headerVersion >= 1 { w.writeUnsignedVarint(0) }
    }

    public init(from r: inout ByteReader, headerVersion: Int16) throws {
        correlationId = try r.readInt32()
        if headerVersion >= 1 { try r.skipTaggedFields() }
    }
}

/// Frames requests and responses as Kafka sends them: int32 size, header, body.
public enum KafkaFraming {
    /// Largest frame accepted by default when reading sizes (Kafka's socket.request.max.bytes default is 100 MiB).
    public static let defaultMaxFrameSize = 100 * 1024 * 1024

    /// A complete request frame, size prefix included. The header version follows the body's version.
    public static func encodeRequest<R: KafkaRequest>(_ header: RequestHeader, _ body: R) throws -> [UInt8] {
        guard R.validVersions.contains(header.apiVersion) else {
            throw KafkaProtocolError.unsupportedVersion(apiKey: R.apiKey, version: header.apiVersion)
        }
        var header = header
        header.apiKey = R.apiKey
        var w = ByteWriter(capacity: 256)
        w.writeInt32(0)
        try header.encode(into: &w, headerVersion: R.requestHeaderVersion(header.apiVersion))
        try body.encode(into: &w, version: header.apiVersion)
        w.setInt32(try ByteWriter.checkedInt32(w.count - 4), at: 0)
        return w.bytes
    }

    /// A complete response frame, size prefix included.
    public static func encodeResponse<R: KafkaResponse>(correlationId: Int32, version: Int16, _ body: R,
                                                        capacity: Int = 256) throws -> [UInt8] {
        guard R.validVersions.contains(version) else {
            throw KafkaProtocolError.unsupportedVersion(apiKey: R.apiKey, version: version)
        }
        var w = ByteWriter(capacity: capacity)
        w.writeInt32(0)
        ResponseHeader(correlationId: correlationId).encode(into: &w, headerVersion: R.responseHeaderVersion(version))
        try body.encode(into: &w, version: version)
        w.setInt32(try ByteWriter.checkedInt32(w.count - 4), at: 0)
        return w.bytes
    }

    /// Reads the header of a request frame (without its size prefix). Servers call this first, then
    /// `KafkaAPIs.decodeAnyRequest` with the reader positioned at the body. The header version is
    /// chosen from the api key and version; unknown keys are read as header v1 so the caller can
    /// still answer with the correlation id.
    public static func decodeRequestHeader(from r: inout ByteReader) throws -> RequestHeader {
        var peek = r
        let apiKey = try peek.readInt16()
        let apiVersion = try peek.readInt16()
        let headerVersion = KafkaAPIs.requestHeaderVersion(apiKey: apiKey, apiVersion: apiVersion)
        return try RequestHeader(from: &r, headerVersion: headerVersion)
    }

    /// Reads a response header for a request of `R` at `version` (clients know what they asked).
    public static func decodeResponse<R: KafkaResponse>(_: R.Type, version: Int16, from r: inout ByteReader) throws -> (ResponseHeader, R) {
        let header = try ResponseHeader(from: &r, headerVersion: R.responseHeaderVersion(version))
        let body = try R(from: &r, version: version)
        return (header, body)
    }

    /// Splits a complete frame off the front of `buffer`: returns the frame body (no size prefix) and
    /// how many bytes were consumed, or nil when more bytes are needed. Throws on a negative or
    /// oversized length so a garbage stream fails fast.
    public static func splitFrame(_ buffer: ArraySlice<UInt8>, maxFrameSize: Int = defaultMaxFrameSize) throws -> (frame: [UInt8], consumed: Int)? {
        guard buffer.count >= 4 else { return nil }
        let s = buffer.startIndex
        let size = Int(Int32(bitPattern: UInt32(buffer[s]) << 24 | UInt32(buffer[s + 1]) << 16 | UInt32(buffer[s + 2]) << 8 | UInt32(buffer[s + 3])))
        guard size >= 0, size <= maxFrameSize else {
            throw KafkaProtocolError.invalidLength(size, offset: 0, remaining: buffer.count - 4)
        }
        guard buffer.count - 4 >= size else { return nil }
        return (Array(buffer[(s + 4)..<(s + 4 + size)]), size + 4)
    }
}
