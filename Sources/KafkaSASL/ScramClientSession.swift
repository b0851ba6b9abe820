/// The client side of one SCRAM-SHA-256/512 exchange (RFC 5802, RFC 7677), as Kafka runs it:
/// no channel binding (`n,,`), no authorization id, the password's UTF-8 bytes as they are.
///
/// A value type that moves through three steps; calling them out of order throws.
public struct ScramClientSession: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private enum State: Sendable {
        case initial
        case sentFirst(bare: String)
        case sentFinal(expectedServerSignature: [UInt8])
        case done
    }

    public let mechanism: SaslMechanism
    public let username: String
    private let password: String
    private let clientNonce: String
    private var state: State = .initial

    /// `nonce` is for reproducing published test vectors; leave it nil to get a random one.
    public init(mechanism: SaslMechanism, username: String, password: String, nonce: String? = nil) throws {
        guard mechanism.isScram else { throw SaslError.unsupported("\(mechanism) is not a SCRAM mechanism") }
        if let nonce, nonce.isEmpty || nonce.contains(",") {
            throw SaslError.malformed("a SCRAM nonce must be non-empty printable text without commas")
        }
        self.mechanism = mechanism
        self.username = username
        self.password = password
        self.clientNonce = nonce ?? ScramCrypto.randomNonce()
    }

    /// Step 1: `n,,n=user,r=nonce`.
    public mutating func clientFirstMessage() throws -> [UInt8] {
        guard case .initial = state else { throw SaslError.outOfOrder("client-first sent twice") }
        let bare = "n=\(ScramMessage.escape(username)),r=\(clientNonce)"
        state = .sentFirst(bare: bare)
        return Array(("n,," + bare).utf8)
    }

    /// Step 2: answers the server-first message with the proof of knowing the password.
    public mutating func clientFinalMessage(serverFirst: [UInt8]) throws -> [UInt8] {
        guard case .sentFirst(let bare) = state else { throw SaslError.outOfOrder("server-first before client-first") }
        let serverFirstText = try ScramMessage.text(serverFirst)
        let attrs = try ScramMessage.attributes(serverFirstText)
        if let e = attrs.first(where: { $0.0 == "e" }) { throw SaslError.authenticationFailed(e.1) }
        if attrs.first?.0 == "m" { throw SaslError.malformed("server-first asks for an unsupported mandatory extension") }
        guard attrs.count >= 3, attrs[0].0 == "r", attrs[1].0 == "s", attrs[2].0 == "i" else {
            throw SaslError.malformed("server-first must be r=...,s=...,i=...")
        }
        let nonce = attrs[0].1
        guard nonce.hasPrefix(clientNonce), nonce.count > clientNonce.count else {
            throw SaslError.malformed("server nonce does not extend the client nonce")
        }
        let salt = try ScramMessage.unbase64(attrs[1].1, what: "salt")
        guard let iterations = Int(attrs[2].1), iterations > 0 else {
            throw SaslError.malformed("iteration count '\(attrs[2].1.prefix(16))' is not a positive integer")
        }
        guard iterations >= ScramCredential.minIterations else {
            throw SaslError.malformed("server asked for \(iterations) iterations; at least \(ScramCredential.minIterations) are required")
        }
        let keys = try ScramKeys(mechanism: mechanism, password: password, salt: salt, iterations: iterations)
        let withoutProof = "c=biws,r=\(nonce)"
        let authMessage = Array("\(bare),\(serverFirstText),\(withoutProof)".utf8)
        let clientSignature = ScramCrypto.hmac(mechanism, key: keys.storedKey, data: authMessage)
        let proof = ScramCrypto.xor(keys.clientKey, clientSignature)
        state = .sentFinal(expectedServerSignature: ScramCrypto.hmac(mechanism, key: keys.serverKey, data: authMessage))
        return Array("\(withoutProof),p=\(ScramMessage.base64(proof))".utf8)
    }

    /// Step 3: checks that the server knew the credential too (mutual authentication).
    public mutating func verifyServerFinal(_ serverFinal: [UInt8]) throws {
        guard case .sentFinal(let expected) = state else { throw SaslError.outOfOrder("server-final before client-final") }
        let attrs = try ScramMessage.attributes(try ScramMessage.text(serverFinal))
        if let e = attrs.first(where: { $0.0 == "e" }) { throw SaslError.authenticationFailed(e.1) }
        guard let v = attrs.first(where: { $0.0 == "v" }) else { throw SaslError.malformed("server-final has no verifier") }
        let signature = try ScramMessage.unbase64(v.1, what: "server signature")
        guard constantTimeEqual(signature, expected) else { throw SaslError.serverVerificationFailed }
        state = .done
    }

    public var isComplete: Bool {
        if case .done = state { return true }
        return false
    }

    public var description: String { "ScramClientSession(\(mechanism), user: \(username), password: <redacted>)" }
    public var debugDescription: String { description }
}
