import Foundation
import Testing
import KScaleCore
import KafkaSASL
@testable import KafkaClient

/// A file in a fresh temporary directory, removed by the caller's `defer`.
func temporaryFile(_ name: String, _ contents: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(contents.utf8).write(to: url)
    return url.path
}

private let pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"

@Suite struct ClientConfigTests {
    @Test func defaultsWithoutCommandConfig() throws {
        let c = try ClientConfig.load(commandConfig: nil, bootstrap: "a:9092, b:9093,[::1]:9094")
        #expect(c.security.securityProtocol == .plaintext)
        #expect(try c.bootstrapAddresses() == [HostPort(host: "a", port: 9092), HostPort(host: "b", port: 9093), HostPort(host: "::1", port: 9094)])
        #expect(c.clientID == "kscale")
    }

    @Test(arguments: ["", "host", "host:", "host:0", "host:70000", ":9092", "[::1]9092"])
    func rejectsBadBootstrap(_ text: String) {
        #expect(throws: InvalidInput.self) { try ClientConfig.load(commandConfig: nil, bootstrap: text) }
    }

    @Test func scramFromJAAS() throws {
        let c = try ClientConfig.parse(properties: """
            # Kafka tool style
            security.protocol=SASL_PLAINTEXT
            sasl.mechanism=SCRAM-SHA-512
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
                username="admin" password="p@ss=w\\\\\"rd";
            client.id = ops
            request.timeout.ms: 5000
            socket.connection.setup.timeout.ms 2500
            """, bootstrap: "k:9092")
        #expect(c.security.securityProtocol == .saslPlaintext)
        #expect(c.security.sasl == SaslSettings(mechanism: .scramSha512, username: "admin", password: "p@ss=w\"rd"))
        #expect(c.security.tls == nil)
        #expect(c.clientID == "ops")
        #expect(c.requestTimeout == .milliseconds(5000))
        #expect(c.connectTimeout == .milliseconds(2500))
    }

    /// The retry budget's settings, Kafka's names; unset, the defaults docs/client.md gives.
    @Test func retrySettings() throws {
        let c = try ClientConfig.parse(properties: "retries=2\nretry.backoff.ms=50\nretry.backoff.max.ms=400\n", bootstrap: "k:9092")
        #expect(c.retries == 2)
        #expect(c.retryBackoff == .milliseconds(50))
        #expect(c.retryBackoffMax == .milliseconds(400))
        #expect(c.otherProperties.isEmpty)
        let d = try ClientConfig.parse(properties: "", bootstrap: "k:9092")
        #expect([d.requestTimeout, d.connectTimeout, d.retryBackoff, d.retryBackoffMax] == [.seconds(30), .seconds(10), .milliseconds(100), .seconds(2)])
        #expect(d.retries == 5)
        #expect(throws: InvalidInput.self) { try ClientConfig.parse(properties: "retry.backoff.max.ms=soon", bootstrap: "k:9092") }
    }

    @Test func plainFromLibrdkafkaNamesAndInferredFromJAAS() throws {
        let a = try ClientConfig.parse(properties: "security.protocol=sasl_plaintext\nsasl.mechanisms=PLAIN\nsasl.username=u\nsasl.password=p\n", bootstrap: "k:1")
        #expect(a.security.sasl == SaslSettings(mechanism: .plain, username: "u", password: "p"))
        let b = try ClientConfig.parse(properties: "security.protocol=SASL_PLAINTEXT\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=u password=p;\n", bootstrap: "k:1")
        #expect(b.security.sasl == SaslSettings(mechanism: .plain, username: "u", password: "p"))
    }

    @Test func sslWithPEMFiles() throws {
        let ca = try temporaryFile("ca.pem", pem)
        let cert = try temporaryFile("client.pem", pem)
        let key = try temporaryFile("client.key", "-----BEGIN PRIVATE KEY-----\nAA\n-----END PRIVATE KEY-----\n")
        let c = try ClientConfig.parse(properties: """
            security.protocol=SASL_SSL
            sasl.mechanism=SCRAM-SHA-256
            sasl.username=alice
            sasl.password=topsecret
            ssl.ca.location=\(ca)
            ssl.certificate.location=\(cert)
            ssl.key.location=\(key)
            ssl.key.password=keysecret
            """, bootstrap: "k:9093")
        #expect(c.security.tls == TLSSettings(caFile: ca, certificateFile: cert, keyFile: key, keyPassword: "keysecret", verifyHostname: true))
        let off = try ClientConfig.parse(properties: "security.protocol=SSL\nssl.truststore.location=\(ca)\nssl.truststore.type=PEM\nssl.endpoint.identification.algorithm=\n", bootstrap: "k:9093")
        #expect(off.security.tls == TLSSettings(caFile: ca, verifyHostname: false))
    }

    @Test func refusesJKSClearly() throws {
        let jks = try temporaryFile("truststore.jks", "\u{FE}\u{ED}\u{FE}\u{ED}binary")
        #expect {
            try ClientConfig.parse(properties: "security.protocol=SSL\nssl.truststore.location=\(jks)\n", bootstrap: "k:1")
        } throws: { e in
            let m = (e as? InvalidInput)?.message ?? ""
            return m.contains("PEM only") && m.contains("keytool")
        }
        #expect(throws: InvalidInput.self) {
            try ClientConfig.parse(properties: "security.protocol=SSL\nssl.keystore.location=\(jks)\nssl.keystore.type=PKCS12\n", bootstrap: "k:1")
        }
    }

    @Test(arguments: [
        "security.protocol=SASL_SCRAM\n",                                                      // unknown protocol
        "security.protocol=SASL_PLAINTEXT\nsasl.username=u\nsasl.password=p\n",               // no mechanism
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=GSSAPI\nsasl.username=u\nsasl.password=p\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.username=u\n",           // no password
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-256\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=u password=p;\n",
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=PlainLoginModule required username=\"u password=p;\n",
        "sasl.mechanism=PLAIN\nsasl.username=u\nsasl.password=p\n",                            // SASL keys with PLAINTEXT
        "ssl.ca.location=/etc/ca.pem\n",                                                      // ssl keys with PLAINTEXT
        "security.protocol=SSL\nssl.ca.location=/nonexistent/ca.pem\n",
        "security.protocol=SSL\nssl.endpoint.identification.algorithm=dns\n",
        "request.timeout.ms=soon\n",
    ])
    func rejectsBadProperties(_ text: String) {
        #expect(throws: InvalidInput.self) { try ClientConfig.parse(properties: text, bootstrap: "k:1") }
    }

    @Test func secretsNeverInDescriptionsOrErrors() throws {
        let key = try temporaryFile("k.pem", pem)
        let c = try ClientConfig.parse(properties: """
            security.protocol=SASL_SSL
            sasl.mechanism=PLAIN
            sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="ops" password="hunter2";
            ssl.certificate.location=\(key)
            ssl.key.location=\(key)
            ssl.key.password=keypass99
            ssl.keystore.password=storepass77
            some.other.secret=other55
            """, bootstrap: "k:1")
        var dumped = ""
        dump(c, to: &dumped)
        for text in [c.description, String(reflecting: c), "\(c.security)", dumped, "\(c.security.sasl as Any)", "\(c.security.tls as Any)"] {
            for secret in ["hunter2", "keypass99", "storepass77", "other55"] {
                #expect(!text.contains(secret), "\(secret) leaked in \(text)")
            }
        }
        #expect(c.description.contains("ops"))
        #expect(c.description.contains("<redacted>"))
        // A parse error about the JAAS line must not echo the password either.
        #expect {
            try ClientConfig.parse(properties: "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=PlainLoginModule required username=u password=\"hunter2\"\n", bootstrap: "k:1")
        } throws: { e in
            "\(e)".contains("';'") && !"\(e)".contains("hunter2")
        }
    }

    @Test func propertiesSyntax() {
        let entries = PropertiesFile.parse("a=1\n  # comment\n! bang\nb : two words \\\n   continued\nc\\=d=e\\u0041\\t\nempty=\n")
        let dict = Dictionary(entries.map { ($0.key, $0.value) }, uniquingKeysWith: { $1 })
        #expect(dict == ["a": "1", "b": "two words continued", "c=d": "eA\t", "empty": ""])
    }

    @Test func loadNamesMissingFile() {
        #expect(throws: InvalidInput("cannot read --command-config file /nonexistent/x.properties: no such file or not readable")) {
            try ClientConfig.load(commandConfig: "/nonexistent/x.properties", bootstrap: "k:1")
        }
    }
}

/// A key the admin client does not use is warned about, a typo with the key it is near, and no
/// value is ever shown (issue 13 item 11).
@Suite struct UnusedPropertyTests {
    @Test func aTypoIsNamedWithTheKeyItIsNear() throws {
        let config = try ClientConfig.parse(properties: """
            security.protocol=SASL_PLAINTEXT
            sasl.mechanism=PLAIN
            sasl.username=alice
            sasl.password=secret-pw
            sasl.passwrod=secret-typo
            linger.ms=5
            """, bootstrap: "127.0.0.1:9092", source: "client.properties")
        let warnings = config.unusedPropertyWarnings(source: "client.properties")
        #expect(warnings == [
            "client.properties: 'linger.ms' is not used by kscale's admin client",
            "client.properties: 'sasl.passwrod' is not used by kscale's admin client (did you mean sasl.password?)",
        ])
        #expect(!warnings.joined().contains("secret"))
    }
}
