import KafkaProtocol

/// Server sides of the SASL mechanisms.
enum SaslSessions {
    static func make(_ mechanism: SimSaslMechanism, users: [SimUser]) -> (any SaslServerExchange)? {
        switch mechanism {
        case .plain: PlainServerExchange(users: users.filter { $0.mechanism == .plain })
        case .scramSha256, .scramSha512: nil
        }
    }
}

/// PLAIN (RFC 4616): one message `authzid NUL user NUL password`, checked against the users.
struct PlainServerExchange: SaslServerExchange {
    var users: [SimUser]

    mutating func respond(to token: [UInt8]) throws(SimFailure) -> (reply: [UInt8], done: Bool) {
        let parts = token.split(separator: 0, maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else {
            throw SimFailure(SimErrorCode.saslAuthenticationFailed, "Invalid SASL/PLAIN response: expected 3 tokens")
        }
        let user = String(decoding: parts[1], as: UTF8.self)
        let password = String(decoding: parts[2], as: UTF8.self)
        let authzid = String(decoding: parts[0], as: UTF8.self)
        guard authzid.isEmpty || authzid == user else {
            throw SimFailure(SimErrorCode.saslAuthenticationFailed, "Authentication failed: Client requested an authorization id that is different from username")
        }
        guard users.contains(where: { $0.name == user && $0.password == password }) else {
            throw SimFailure(SimErrorCode.saslAuthenticationFailed, "Authentication failed: Invalid username or password")
        }
        return ([], true)
    }
}
