/// A struct that knows how to put itself on the wire for any version of its schema.
///
/// Generated messages and their nested structs conform; the version decides which fields exist,
/// which are tagged and whether strings, arrays and bytes use compact encodings.
public protocol KafkaStruct: Sendable, Equatable {
    init()
    func encode(into writer: inout ByteWriter, version: Int16) throws
    init(from reader: inout ByteReader, version: Int16) throws
}

/// A top-level request or response body.
public protocol KafkaMessage: KafkaStruct {
    static var apiKey: Int16 { get }
    static var validVersions: ClosedRange<Int16> { get }
    /// Versions that use compact encodings and tagged fields; nil when none do.
    static var flexibleVersions: PartialRangeFrom<Int16>? { get }
}

public protocol KafkaRequest: KafkaMessage {
    associatedtype Response: KafkaResponse
}

public protocol KafkaResponse: KafkaMessage {}

extension KafkaMessage {
    public static func isFlexible(_ version: Int16) -> Bool {
        flexibleVersions?.contains(version) ?? false
    }

    /// Encodes just the body, for `version`.
    public func encoded(version: Int16) throws -> [UInt8] {
        guard Self.validVersions.contains(version) else {
            throw KafkaProtocolError.unsupportedVersion(apiKey: Self.apiKey, version: version)
        }
        var w = ByteWriter()
        try encode(into: &w, version: version)
        return w.bytes
    }

    /// Decodes a body that must fill `bytes` exactly.
    public static func decode(_ bytes: [UInt8], version: Int16) throws -> Self {
        guard validVersions.contains(version) else {
            throw KafkaProtocolError.unsupportedVersion(apiKey: apiKey, version: version)
        }
        var r = ByteReader(bytes)
        return try Self(from: &r, version: version)
    }
}

extension KafkaRequest {
    /// Request header version for `version`: v2 for flexible versions, else v1.
    public static func requestHeaderVersion(_ version: Int16) -> Int16 {
        isFlexible(version) ? 2 : 1
    }
}

extension KafkaResponse {
    /// Response header version: v1 for flexible versions, else v0. ApiVersionsResponse always uses
    /// v0 so that a client can read it before knowing which versions the broker speaks (KIP-511).
    public static func responseHeaderVersion(_ version: Int16) -> Int16 {
        if apiKey == 18 { return 0 }
        return isFlexible(version) ? 1 : 0
    }
}
