/// Why a Kafka message could not be encoded or decoded.
///
/// Decoders throw these instead of trapping, because their input comes from the network and a
/// malformed or hostile frame must never take the process down.
public enum KafkaProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input ended before a value of `needed` bytes could be read at `offset`.
    case truncated(needed: Int, offset: Int, available: Int)
    /// A length prefix is negative (other than -1 for null) or larger than what remains.
    case invalidLength(Int, offset: Int, remaining: Int)
    /// A null arrived (or was about to be written) where the schema says the field is not nullable.
    case unexpectedNull(field: String)
    /// A varint ran past its maximum width.
    case malformedVarint(offset: Int)
    /// String bytes were not valid UTF-8.
    case invalidUTF8(offset: Int)
    /// The version is outside what this message supports.
    case unsupportedVersion(apiKey: Int16, version: Int16)
    /// No codec is generated for this api key.
    case unknownApiKey(Int16)
    /// A value is out of range for its wire encoding.
    case valueOutOfRange(String)

    public var description: String {
        switch self {
        case let .truncated(needed, offset, available):
            return "truncated input: needed \(needed) bytes at offset \(offset), \(available) available"
        case let .invalidLength(length, offset, remaining):
            return "invalid length \(length) at offset \(offset) (\(remaining) bytes remaining)"
        case let .unexpectedNull(field):
            return "null value for non-nullable field \(field)"
        case let .malformedVarint(offset):
            return "malformed varint at offset \(offset)"
        case let .invalidUTF8(offset):
            return "invalid UTF-8 string at offset \(offset)"
        case let .unsupportedVersion(apiKey, version):
            return "api key \(apiKey) does not support version \(version)"
        case let .unknownApiKey(key):
            return "unknown api key \(key)"
        case let .valueOutOfRange(what):
            return "value out of range: \(what)"
        }
    }
}
