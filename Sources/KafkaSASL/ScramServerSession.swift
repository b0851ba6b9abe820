import Foundation

/// The server side of one SCRAM exchange, for KafkaSim: checks a client's proof against a stored
/// `ScramCredential` and proves back that it holds the same credential.
public struct ScramServerSession: Sendable, CustomStringConvertible {
    private enum State: Sendable {
        case initial
        case sentFirst(gs2Header: String, clientFirstBare: String, serverFirst: String, nonce: String, user: String, credential: ScramCredential)
        case done(user: String)
    }

    public let mechanism: SaslMechanism
    private let serverNonce: String
    private var state: State = .initial

    /// `nonce` is the server's part of the nonce, for reproducing test vectors; nil picks a random one.
    public init(mechanism: SaslMechanism, nonce: String? = nil) throws {
        guard mechanism.isScram else { throw SaslError.unsupported("\(mechanism) is not a SCRAM mechanism") }
        self.mechanism = mechanism
        self.serverNonce = nonce ?? ScramCrypto.randomNonce()
    }

    /// Step 1: reads client-first, looks the user up and answers with salt and iterations.
    /// An unknown user fails the same way a wrong password does, so a client cannot probe for names.
    public mutating func serverFirstMessage(clientFirst: [UInt8], credentials: (String) -> ScramCredential?) throws -> [UInt8] {
        guard case .initial = state else { throw SaslError.outOfOrder("client-first received twice") }
        let text = try ScramMessage.text(clientFirst)
        // gs2-header: cbind-flag "," [authzid] ","
        let headerParts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard headerParts.count == 3 else { throw SaslError.malformed("client-first has no GS2 header") }
        switch headerParts[0] {
        case "n", "y": break
        default: throw SaslError.malformed("channel binding is not supported")
        }
        let authzid = headerParts[1]
        guard authzid.isEmpty || authzid.hasPrefix("a=") else { throw SaslError.malformed("bad authorization id in GS2 header") }
        let gs2Header = "\(headerParts[0]),\(authzid),"
        let bare = String(headerParts[2])
        let attrs = try ScramMessage.attributes(bare)
        guard attrs.count >= 2, attrs[0].0 == "n", attrs[1].0 == "r", !attrs[1].1.isEmpty else {
            throw SaslError.malformed("client-first must be n=...,r=...")
        }
        let user = try ScramMessage.unescape(attrs[0].1)
        if !authzid.isEmpty, try ScramMessage.unescape(String(authzid.dropFirst(2))) != user {
            throw SaslError.authenticationFailed("authorization id must equal the username")
        }
        guard let credential = credentials(user), credential.mechanism == mechanism else {
            throw SaslError.authenticationFailed("invalid username or password")
        }
        let nonce = attrs[1].1 + serverNonce
        let serverFirst = "r=\(nonce),s=\(ScramMessage.base64(credential.salt)),i=\(credential.iterations)"
        state = .sentFirst(gs2Header: gs2Header, clientFirstBare: bare, serverFirst: serverFirst, nonce: nonce, user: user, credential: credential)
        return Array(serverFirst.utf8)
    }

    /// Convenience for a fixed user table.
    public mutating func serverFirstMessage(clientFirst: [UInt8], users: [String: ScramCredential]) throws -> [UInt8] {
        try serverFirstMessage(clientFirst: clientFirst) { users[$0] }
    }

    /// Step 2: verifies the client's proof; on success returns server-final (`v=...`).
    public mutating func serverFinalMessage(clientFinal: [UInt8]) throws -> [UInt8] {
        guard case .sentFirst(let gs2Header, let bare, let serverFirst, let nonce, let user, let credential) = state else {
            throw SaslError.outOfOrder("client-final before client-first")
        }
        let text = try ScramMessage.text(clientFinal)
        guard let proofRange = text.range(of: ",p=", options: .backwards) else { throw SaslError.malformed("client-final has no proof") }
        let withoutProof = String(text[..<proofRange.lowerBound])
        let attrs = try ScramMessage.attributes(withoutProof)
        guard attrs.count >= 2, attrs[0].0 == "c", attrs[1].0 == "r" else { throw SaslError.malformed("client-final must be c=...,r=...,p=...") }
        guard attrs[0].1 == ScramMessage.base64(Array(gs2Header.utf8)) else { throw SaslError.malformed("channel binding does not match the GS2 header") }
        guard attrs[1].1 == nonce else { throw SaslError.authenticationFailed("nonce mismatch") }
        let proof = try ScramMessage.unbase64(String(text[proofRange.upperBound...]), what: "client proof")
        let authMessage = Array("\(bare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = ScramCrypto.hmac(mechanism, key: credential.storedKey, data: authMessage)
        guard proof.count == clientSignature.count else { throw SaslError.authenticationFailed("invalid username or password") }
        let clientKey = ScramCrypto.xor(proof, clientSignature)
        guard constantTimeEqual(ScramCrypto.hash(mechanism, clientKey), credential.storedKey) else {
            throw SaslError.authenticationFailed("invalid username or password")
        }
        state = .done(user: user)
        let serverSignature = ScramCrypto.hmac(mechanism, key: credential.serverKey, data: authMessage)
        return Array("v=\(ScramMessage.base64(serverSignature))".utf8)
    }

    /// The user the exchange proved, once it has succeeded.
    public var authenticatedUser: String? {
        if case .done(let user) = state { return user }
        return nil
    }

    public var description: String { "ScramServerSession(\(mechanism))" }
}
