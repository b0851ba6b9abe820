import Crypto
import Foundation

/// The SASL mechanisms kscale speaks, named as Kafka's `sasl.mechanism` and the SaslHandshake
/// request spell them.
public enum SaslMechanism: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case plain = "PLAIN"
    case scramSha256 = "SCRAM-SHA-256"
    case scramSha512 = "SCRAM-SHA-512"

    /// Accepts Kafka's spelling in any letter case, because properties files in the wild vary.
    public init?(name: String) {
        guard let m = SaslMechanism(rawValue: name.uppercased()) else { return nil }
        self = m
    }

    public var description: String { rawValue }

    public var isScram: Bool { self != .plain }
}

/// Why a SASL exchange failed. Messages never contain passwords, keys or proofs.
public enum SaslError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer sent bytes that are not a valid message of the mechanism.
    case malformed(String)
    /// Credentials were wrong, or the user is unknown (the two are not told apart on purpose).
    case authenticationFailed(String)
    /// The server could not prove it knows the password (SCRAM's server signature did not match).
    case serverVerificationFailed
    /// A step was called out of order.
    case outOfOrder(String)
    /// The mechanism does not apply (e.g. SCRAM credentials asked of PLAIN).
    case unsupported(String)

    public var description: String {
        switch self {
        case .malformed(let m): "malformed SASL message: \(m)"
        case .authenticationFailed(let m): "authentication failed: \(m)"
        case .serverVerificationFailed: "authentication failed: the server's SCRAM signature did not verify"
        case .outOfOrder(let m): "SASL exchange out of order: \(m)"
        case .unsupported(let m): "unsupported SASL mechanism: \(m)"
        }
    }
}
