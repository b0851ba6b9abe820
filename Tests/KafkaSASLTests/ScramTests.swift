import Foundation
import Testing
@testable import KafkaSASL

/// RFC 7677 section 3's exchange for user "user", password "pencil".
private enum RFC7677 {
    static let clientNonce = "rOprNGfwEbeRWgbNEkqO"
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==") ?? Data())
    static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
}

private func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

@Suite struct ScramTests {
    @Test func clientReproducesRFC7677() throws {
        var client = try ScramClientSession(mechanism: .scramSha256, username: "user", password: "pencil", nonce: RFC7677.clientNonce)
        #expect(text(try client.clientFirstMessage()) == RFC7677.clientFirst)
        #expect(text(try client.clientFinalMessage(serverFirst: Array(RFC7677.serverFirst.utf8))) == RFC7677.clientFinal)
        try client.verifyServerFinal(Array(RFC7677.serverFinal.utf8))
        #expect(client.isComplete)
    }

    @Test func serverReproducesRFC7677() throws {
        let cred = try ScramCredential.derive(password: "pencil", mechanism: .scramSha256, salt: RFC7677.salt, iterations: 4096)
        var server = try ScramServerSession(mechanism: .scramSha256, nonce: RFC7677.serverNonce)
        let first = try server.serverFirstMessage(clientFirst: Array(RFC7677.clientFirst.utf8), users: ["user": cred])
        #expect(text(first) == RFC7677.serverFirst)
        #expect(text(try server.serverFinalMessage(clientFinal: Array(RFC7677.clientFinal.utf8))) == RFC7677.serverFinal)
        #expect(server.authenticatedUser == "user")
    }

    /// The same exchange with SHA-512; expected bytes computed independently with Python's
    /// hashlib.pbkdf2_hmac and hmac (there is no published SCRAM-SHA-512 vector).
    @Test func clientMatchesIndependentSha512Computation() throws {
        var client = try ScramClientSession(mechanism: .scramSha512, username: "user", password: "pencil", nonce: RFC7677.clientNonce)
        _ = try client.clientFirstMessage()
        let final = text(try client.clientFinalMessage(serverFirst: Array(RFC7677.serverFirst.utf8)))
        #expect(final == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==")
        try client.verifyServerFinal(Array("v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==".utf8))
    }

    @Test(arguments: [SaslMechanism.scramSha256, .scramSha512])
    func roundTripSucceedsWithRightPassword(_ mechanism: SaslMechanism) throws {
        let cred = try ScramCredential.derive(password: "s3cr=t,pw", mechanism: mechanism, salt: ScramCredential.randomSalt())
        var client = try ScramClientSession(mechanism: mechanism, username: "al=ice,x", password: "s3cr=t,pw")
        var server = try ScramServerSession(mechanism: mechanism)
        let sf = try server.serverFirstMessage(clientFirst: try client.clientFirstMessage(), users: ["al=ice,x": cred])
        let sfinal = try server.serverFinalMessage(clientFinal: try client.clientFinalMessage(serverFirst: sf))
        try client.verifyServerFinal(sfinal)
        #expect(server.authenticatedUser == "al=ice,x")
        #expect(client.isComplete)
    }

    @Test(arguments: [SaslMechanism.scramSha256, .scramSha512])
    func wrongPasswordFails(_ mechanism: SaslMechanism) throws {
        let cred = try ScramCredential.derive(password: "right", mechanism: mechanism, salt: ScramCredential.randomSalt())
        var client = try ScramClientSession(mechanism: mechanism, username: "bob", password: "wrong")
        var server = try ScramServerSession(mechanism: mechanism)
        let sf = try server.serverFirstMessage(clientFirst: try client.clientFirstMessage(), users: ["bob": cred])
        let cf = try client.clientFinalMessage(serverFirst: sf)
        #expect(throws: SaslError.authenticationFailed("invalid username or password")) {
            try server.serverFinalMessage(clientFinal: cf)
        }
        #expect(server.authenticatedUser == nil)
    }

    @Test func unknownUserAndMechanismMismatchFail() throws {
        let cred = try ScramCredential.derive(password: "pw", mechanism: .scramSha512, salt: [1, 2, 3])
        var client = try ScramClientSession(mechanism: .scramSha256, username: "bob", password: "pw")
        let first = try client.clientFirstMessage()
        var s1 = try ScramServerSession(mechanism: .scramSha256)
        #expect(throws: SaslError.self) { try s1.serverFirstMessage(clientFirst: first, users: [:]) }
        var s2 = try ScramServerSession(mechanism: .scramSha256)
        #expect(throws: SaslError.self) { try s2.serverFirstMessage(clientFirst: first, users: ["bob": cred]) }
    }

    @Test func clientRejectsForgedServerSignature() throws {
        var client = try ScramClientSession(mechanism: .scramSha256, username: "user", password: "pencil", nonce: RFC7677.clientNonce)
        _ = try client.clientFirstMessage()
        _ = try client.clientFinalMessage(serverFirst: Array(RFC7677.serverFirst.utf8))
        #expect(throws: SaslError.serverVerificationFailed) {
            try client.verifyServerFinal(Array("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".utf8))
        }
        #expect(!client.isComplete)
    }

    @Test func clientRejectsBadServerFirst() throws {
        let cases = [
            "r=someoneelse,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",      // nonce not ours
            "r=rOprNGfwEbeRWgbNEkqOxyz,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1024", // too few iterations
            "r=rOprNGfwEbeRWgbNEkqOxyz,s=!!!,i=4096",               // bad base64
            "garbage",
            "e=other-error",
        ]
        for c in cases {
            var client = try ScramClientSession(mechanism: .scramSha256, username: "user", password: "pencil", nonce: RFC7677.clientNonce)
            _ = try client.clientFirstMessage()
            #expect(throws: SaslError.self, "\(c)") { try client.clientFinalMessage(serverFirst: Array(c.utf8)) }
        }
    }

    @Test func serverRejectsMalformedAndOutOfOrderMessages() throws {
        let cred = try ScramCredential.derive(password: "pencil", mechanism: .scramSha256, salt: RFC7677.salt)
        for bad in ["", "p=tls-unique,,n=user,r=abc", "n,,r=abc", "n,,n=user", [UInt8]([0xff, 0xfe]).map { String(UnicodeScalar($0)) }.joined()] {
            var server = try ScramServerSession(mechanism: .scramSha256)
            #expect(throws: SaslError.self, "\(bad)") { try server.serverFirstMessage(clientFirst: Array(bad.utf8), users: ["user": cred]) }
        }
        var server = try ScramServerSession(mechanism: .scramSha256)
        #expect(throws: SaslError.self) { try server.serverFinalMessage(clientFinal: Array(RFC7677.clientFinal.utf8)) }
        // A replayed client-final from another exchange carries a different nonce.
        var fresh = try ScramServerSession(mechanism: .scramSha256)
        _ = try fresh.serverFirstMessage(clientFirst: Array(RFC7677.clientFirst.utf8), users: ["user": cred])
        #expect(throws: SaslError.self) { try fresh.serverFinalMessage(clientFinal: Array(RFC7677.clientFinal.utf8)) }
    }

    @Test func descriptionsNeverShowSecrets() throws {
        let client = try ScramClientSession(mechanism: .scramSha512, username: "u", password: "hunter2")
        let cred = try ScramCredential.derive(password: "hunter2", mechanism: .scramSha256, salt: [9])
        for s in [String(describing: client), String(reflecting: client), "\(cred)", String(reflecting: cred)] {
            #expect(!s.contains("hunter2"))
            #expect(s.contains("redacted"))
        }
    }

    @Test func plainMechanismIsNotScram() {
        #expect(throws: SaslError.self) { try ScramClientSession(mechanism: .plain, username: "u", password: "p") }
        #expect(SaslMechanism(name: "scram-sha-256") == .scramSha256)
        #expect(SaslMechanism(name: "GSSAPI") == nil)
    }
}

@Suite struct PlainTests {
    @Test func encodesAndParses() throws {
        let c = PlainCredentials(username: "alice", password: "pw")
        #expect(c.encode() == [0] + Array("alice".utf8) + [0] + Array("pw".utf8))
        #expect(try PlainCredentials.parse(c.encode()) == c)
        let z = PlainCredentials(username: "alice", password: "p\u{0}w?", authorizationID: "alice")
        // A NUL inside the password would make a fourth field; parse must refuse it.
        #expect(throws: SaslError.self) { try PlainCredentials.parse(z.encode()) }
    }

    @Test func rejectsMalformed() {
        for bad: [UInt8] in [[], [0], Array("user".utf8), [0, 0], [0] + Array("u".utf8) + [0], [0, 0] + Array("pw".utf8)] {
            #expect(throws: SaslError.self) { try PlainCredentials.parse(bad) }
        }
    }

    @Test func verifiesPasswordAndImpersonation() throws {
        try PlainCredentials(username: "a", password: "pw").verify(expectedPassword: "pw")
        #expect(throws: SaslError.self) { try PlainCredentials(username: "a", password: "pw").verify(expectedPassword: "pW") }
        #expect(throws: SaslError.self) { try PlainCredentials(username: "a", password: "pw", authorizationID: "admin").verify(expectedPassword: "pw") }
        #expect(!"\(PlainCredentials(username: "a", password: "hunter2"))".contains("hunter2"))
    }
}
