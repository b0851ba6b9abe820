import Foundation
import KScaleCore
import KafkaProtocol
import NIOCore
import NIOPosix
import NIOSSL
import Testing
@testable import KafkaClient

/// TLS against a TinyBroker behind NIOSSL: trust from a CA file, hostname verification on by
/// default, switching it off, and mutual TLS with an encrypted client key.
@Suite struct TLSTests {
    static func serverContext(cert: String, key: String, requireClientCert: Bool = false) throws -> NIOSSLContext {
        var c = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem)))
        if requireClientCert {
            c.certificateVerification = .noHostnameVerification
            c.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(TestPKI.ca.utf8)))
        }
        return try NIOSSLContext(configuration: c)
    }

    static func broker(_ ctx: NIOSSLContext) async throws -> TinyBroker {
        try await TinyBroker.start(tls: ctx) { h, _ in
            h.apiKey == 18 ? allVersions(h) : .with(h, MetadataResponse(controllerId: 42))
        }
    }

    static func properties(_ text: String, bootstrap: String) throws -> ClientConfig {
        var c = try ClientConfig.parse(properties: text, bootstrap: bootstrap)
        c.connectTimeout = .seconds(20)  // generous: a loaded CI machine is slow at RSA handshakes
        c.retries = 0
        return c
    }

    static func roundTrip(_ config: ClientConfig, port: Int, host: String) async throws -> Int32 {
        let c = try await BrokerConnection.connect(to: HostPort(host: host, port: port), label: "broker 1 (\(host):\(port))", config: config,
                                                   tls: try config.security.tls.map(TLSContextFactory.makeContext), group: MultiThreadedEventLoopGroup.singleton,
                                                   within: CallBudget(config: config))
        defer { Task { await c.close() } }
        return try await c.send(MetadataRequest(topics: [])).controllerId
    }

    @Test func verifiesServerAgainstCAFileAndHostname() async throws {
        let broker = try await Self.broker(try Self.serverContext(cert: TestPKI.serverCert, key: TestPKI.serverKey))
        defer { Task { await broker.stop() } }
        let ca = try temporaryFile("ca.pem", TestPKI.ca)
        let config = try Self.properties("security.protocol=SSL\nssl.ca.location=\(ca)\n", bootstrap: "localhost:\(broker.port)")
        #expect(try await Self.roundTrip(config, port: broker.port, host: "localhost") == 42)
        #expect(try await Self.roundTrip(config, port: broker.port, host: "127.0.0.1") == 42)
    }

    @Test func wrongHostnameIsRefusedUnlessVerificationIsOff() async throws {
        let broker = try await Self.broker(try Self.serverContext(cert: TestPKI.wrongNameCert, key: TestPKI.wrongNameKey))
        defer { Task { await broker.stop() } }
        let ca = try temporaryFile("ca.pem", TestPKI.ca)
        let strict = try Self.properties("security.protocol=SSL\nssl.ca.location=\(ca)\n", bootstrap: "localhost:\(broker.port)")
        await #expect(throws: KafkaClientError.self) { try await Self.roundTrip(strict, port: broker.port, host: "localhost") }
        let lax = try Self.properties("security.protocol=SSL\nssl.ca.location=\(ca)\nssl.endpoint.identification.algorithm=\n", bootstrap: "localhost:\(broker.port)")
        #expect(try await Self.roundTrip(lax, port: broker.port, host: "localhost") == 42)
    }

    @Test func untrustedServerIsRefused() async throws {
        let broker = try await Self.broker(try Self.serverContext(cert: TestPKI.serverCert, key: TestPKI.serverKey))
        defer { Task { await broker.stop() } }
        // A bundle holding some other certificate (the client's), not the CA that signed the server's.
        let otherCA = try temporaryFile("other.pem", TestPKI.clientCert)
        let config = try Self.properties("security.protocol=SSL\nssl.ca.location=\(otherCA)\n", bootstrap: "localhost:\(broker.port)")
        await #expect(throws: KafkaClientError.self) { try await Self.roundTrip(config, port: broker.port, host: "localhost") }
    }

    @Test func mutualTLSWithEncryptedKey() async throws {
        let broker = try await Self.broker(try Self.serverContext(cert: TestPKI.serverCert, key: TestPKI.serverKey, requireClientCert: true))
        defer { Task { await broker.stop() } }
        let ca = try temporaryFile("ca.pem", TestPKI.ca)
        let cert = try temporaryFile("client.pem", TestPKI.clientCert)
        let key = try temporaryFile("client.key", TestPKI.clientKeyEncrypted)
        let withCert = try Self.properties("""
            security.protocol=SSL
            ssl.ca.location=\(ca)
            ssl.certificate.location=\(cert)
            ssl.key.location=\(key)
            ssl.key.password=keypass
            """, bootstrap: "localhost:\(broker.port)")
        #expect(try await Self.roundTrip(withCert, port: broker.port, host: "localhost") == 42)
        let without = try Self.properties("security.protocol=SSL\nssl.ca.location=\(ca)\n", bootstrap: "localhost:\(broker.port)")
        await #expect(throws: KafkaClientError.self) { try await Self.roundTrip(without, port: broker.port, host: "localhost") }
        // A wrong key password is a clear input error that does not echo the password.
        let badPassword = try Self.properties("security.protocol=SSL\nssl.ca.location=\(ca)\nssl.certificate.location=\(cert)\nssl.key.location=\(key)\nssl.key.password=nope-123\n", bootstrap: "localhost:\(broker.port)")
        #expect { _ = try TLSContextFactory.makeContext(badPassword.security.tls ?? TLSSettings()) } throws: { e in
            "\(e)".contains("ssl.key.location") && !"\(e)".contains("nope-123")
        }
    }
}
