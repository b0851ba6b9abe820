import KafkaSASL

/// Server sides of the SASL mechanisms, built on KafkaSASL's sessions.
enum SaslSessions {
    static func make(_ mechanism: SimSaslMechanism, security: SecuritySettings) -> (any SaslServerExchange)? {
        switch mechanism {
        case .plain:
            return PlainServerExchange(passwords: Dictionary(security.users.filter { $0.mechanism == .plain }.map { ($0.name, $0.password) },
                                                             uniquingKeysWith: { a, _ in a }))
        case .scramSha256, .scramSha512:
            guard let session = try? ScramServerSession(mechanism: mechanism) else { return nil }
            return ScramServerExchange(session: session, credentials: security.scram[mechanism] ?? [:])
        }
    }

    /// Kafka's message for every failed login: it never says whether the user or the password was wrong.
    static func failure(_ mechanism: SimSaslMechanism) -> SimFailure {
        SimFailure(SimErrorCode.saslAuthenticationFailed,
                   "Authentication failed during authentication due to invalid credentials with SASL mechanism \(mechanism.rawValue)")
    }
}

/// PLAIN (RFC 4616): one message `authzid NUL user NUL password`.
struct PlainServerExchange: SaslServerExchange {
    var passwords: [String: String]

    mutating func respond(to token: [UInt8]) throws(SimFailure) -> (reply: [UInt8], done: Bool) {
        do {
            let credentials = try PlainCredentials.parse(token)
            guard let expected = passwords[credentials.username] else { throw SaslSessions.failure(.plain) }
            try credentials.verify(expectedPassword: expected)
            return ([], true)
        } catch {
            throw SaslSessions.failure(.plain)
        }
    }
}

/// SCRAM-SHA-256/512 (RFC 5802/7677): client-first -> server-first, client-final -> server-final.
struct ScramServerExchange: SaslServerExchange {
    var session: ScramServerSession
    var credentials: [String: ScramCredential]
    private var sentFirst = false

    init(session: ScramServerSession, credentials: [String: ScramCredential]) {
        self.session = session
        self.credentials = credentials
    }

    mutating func respond(to token: [UInt8]) throws(SimFailure) -> (reply: [UInt8], done: Bool) {
        do {
            if !sentFirst {
                sentFirst = true
                return (try session.serverFirstMessage(clientFirst: token, users: credentials), false)
            }
            return (try session.serverFinalMessage(clientFinal: token), true)
        } catch {
            throw SaslSessions.failure(session.mechanism)
        }
    }
}
