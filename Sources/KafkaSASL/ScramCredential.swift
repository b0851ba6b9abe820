import Crypto
import Foundation

/// What a SCRAM server stores for a user (RFC 5802 section 3): never the password itself.
public struct ScramCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var mechanism: SaslMechanism
    public var salt: [UInt8]
    public var iterations: Int
    public var storedKey: [UInt8]
    public var serverKey: [UInt8]

    public init(mechanism: SaslMechanism, salt: [UInt8], iterations: Int, storedKey: [UInt8], serverKey: [UInt8]) {
        self.mechanism = mechanism
        self.salt = salt
        self.iterations = iterations
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// Kafka refuses fewer iterations than this (`ScramMechanism.minIterations`), and so do we,
    /// both as a client (a server offering fewer is suspicious) and when deriving.
    public static let minIterations = 4096

    /// Derives the stored credential from a password, as `kafka-configs --add-config SCRAM-SHA-256=[...]` does.
    public static func derive(password: String, mechanism: SaslMechanism, salt: [UInt8], iterations: Int = 4096) throws -> ScramCredential {
        let keys = try ScramKeys(mechanism: mechanism, password: password, salt: salt, iterations: iterations)
        return ScramCredential(mechanism: mechanism, salt: salt, iterations: iterations, storedKey: keys.storedKey, serverKey: keys.serverKey)
    }

    /// A random 32-byte salt, for servers (and the simulator) creating users.
    public static func randomSalt(count: Int = 32) -> [UInt8] {
        var rng = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
    }

    public var description: String { "ScramCredential(\(mechanism), iterations: \(iterations), keys: <redacted>)" }
    public var debugDescription: String { description }
}

/// The keys of RFC 5802 section 3 for one password, salt and iteration count.
struct ScramKeys {
    let mechanism: SaslMechanism
    let saltedPassword: [UInt8]
    let clientKey: [UInt8]
    let storedKey: [UInt8]
    let serverKey: [UInt8]

    init(mechanism: SaslMechanism, password: String, salt: [UInt8], iterations: Int) throws {
        guard mechanism.isScram else { throw SaslError.unsupported("\(mechanism) has no SCRAM keys") }
        guard iterations >= 1 else { throw SaslError.malformed("iteration count must be positive") }
        self.mechanism = mechanism
        // RFC 5802 asks for SASLprep of the password; Kafka's Java client and server skip it and use
        // the UTF-8 bytes as they are, so we do the same to derive the keys Kafka derives.
        saltedPassword = ScramCrypto.hi(mechanism, password: Array(password.utf8), salt: salt, iterations: iterations)
        clientKey = ScramCrypto.hmac(mechanism, key: saltedPassword, data: Array("Client Key".utf8))
        storedKey = ScramCrypto.hash(mechanism, clientKey)
        serverKey = ScramCrypto.hmac(mechanism, key: saltedPassword, data: Array("Server Key".utf8))
    }
}

/// The three primitives SCRAM needs, for the hash the mechanism names.
enum ScramCrypto {
    static func hmac(_ m: SaslMechanism, key: [UInt8], data: [UInt8]) -> [UInt8] {
        switch m {
        case .scramSha512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: SymmetricKey(data: key)))
        default: return Array(HMAC<SHA256>.authenticationCode(for: data, using: SymmetricKey(data: key)))
        }
    }

    static func hash(_ m: SaslMechanism, _ data: [UInt8]) -> [UInt8] {
        switch m {
        case .scramSha512: return Array(SHA512.hash(data: data))
        default: return Array(SHA256.hash(data: data))
        }
    }

    /// `Hi(str, salt, i)` of RFC 5802: PBKDF2 with the mechanism's HMAC and one output block.
    static func hi(_ m: SaslMechanism, password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        switch m {
        case .scramSha512: return hi(SHA512.self, password: password, salt: salt, iterations: iterations)
        default: return hi(SHA256.self, password: password, salt: salt, iterations: iterations)
        }
    }

    private static func hi<H: HashFunction>(_: H.Type, password: [UInt8], salt: [UInt8], iterations: Int) -> [UInt8] {
        // Key the HMAC once and copy the keyed state per round: re-keying every round doubles the
        // work, and thousands of rounds run on every SCRAM login.
        let keyed = HMAC<H>(key: SymmetricKey(data: password))
        var first = keyed
        first.update(data: salt + [0, 0, 0, 1])
        var u = Array(first.finalize())
        var result = u
        for _ in 1..<max(iterations, 1) {
            var round = keyed
            round.update(data: u)
            u = Array(round.finalize())
            for j in result.indices { result[j] ^= u[j] }
        }
        return result
    }

    static func xor(_ a: [UInt8], _ b: [UInt8]) -> [UInt8] {
        zip(a, b).map { $0 ^ $1 }
    }

    /// A printable nonce without commas, as RFC 5802 requires.
    static func randomNonce() -> String {
        var rng = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) }
        return Data(bytes).base64EncodedString()
    }
}
