/// The PLAIN mechanism's single message (RFC 4616): `authzid NUL authcid NUL passwd`.
///
/// Kafka sends it as the SaslAuthenticate payload (or, with SaslHandshake v0, as a raw frame).
public struct PlainCredentials: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Authorization identity; Kafka requires it empty or equal to `username`.
    public var authorizationID: String
    public var username: String
    public var password: String

    public init(username: String, password: String, authorizationID: String = "") {
        self.authorizationID = authorizationID
        self.username = username
        self.password = password
    }

    /// The bytes a client sends.
    public func encode() -> [UInt8] {
        Array(authorizationID.utf8) + [0] + Array(username.utf8) + [0] + Array(password.utf8)
    }

    /// What a server receives: exactly three NUL-separated UTF-8 fields, user and password not empty.
    public static func parse(_ bytes: [UInt8]) throws -> PlainCredentials {
        let parts = bytes.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw SaslError.malformed("PLAIN message must have three NUL-separated fields, got \(parts.count)")
        }
        guard !parts[2].contains(0) else { throw SaslError.malformed("PLAIN message has more than three fields") }
        guard let authz = String(validating: parts[0], as: UTF8.self),
              let user = String(validating: parts[1], as: UTF8.self),
              let pass = String(validating: parts[2], as: UTF8.self)
        else { throw SaslError.malformed("PLAIN message is not valid UTF-8") }
        guard !user.isEmpty else { throw SaslError.malformed("PLAIN message has an empty username") }
        guard !pass.isEmpty else { throw SaslError.malformed("PLAIN message has an empty password") }
        return PlainCredentials(username: user, password: pass, authorizationID: authz)
    }

    /// A server's check: the password matches in constant time and the authorization id, when
    /// given, names the same user (Kafka refuses impersonation over PLAIN).
    public func verify(expectedPassword: String) throws {
        guard authorizationID.isEmpty || authorizationID == username else {
            throw SaslError.authenticationFailed("authorization id must be empty or equal to the username")
        }
        guard constantTimeEqual(Array(password.utf8), Array(expectedPassword.utf8)) else {
            throw SaslError.authenticationFailed("invalid username or password")
        }
    }

    public var description: String { "PLAIN(user: \(username), password: <redacted>)" }
    public var debugDescription: String { description }
}

/// Compares secrets without an early exit, so timing does not reveal how much of a guess was right.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var diff = UInt8(a.count == b.count ? 0 : 1)
    for i in 0..<min(a.count, b.count) { diff |= a[i] ^ b[i] }
    return diff == 0
}
