import Testing
import KScaleCore
@testable import KafkaClient

@Suite struct RdKafkaPropertiesTests {
    @Test func javaNamesBecomeLibrdkafkaNames() throws {
        let out = try RdKafkaProperties.translate([
            "security.protocol": "SASL_SSL",
            "sasl.mechanism": "SCRAM-SHA-512",
            "sasl.jaas.config": #"org.apache.kafka.common.security.scram.ScramLoginModule required username="ops" password="s3\"cret";"#,
            "ssl.truststore.location": "/etc/ca.pem",
            "ssl.truststore.type": "PEM",
            "ssl.endpoint.identification.algorithm": "",
            "default.api.timeout.ms": "60000",
        ])
        #expect(out == [
            "security.protocol": "SASL_SSL",
            "sasl.mechanisms": "SCRAM-SHA-512",
            "sasl.username": "ops",
            "sasl.password": #"s3"cret"#,
            "ssl.ca.location": "/etc/ca.pem",
            "ssl.endpoint.identification.algorithm": "none",
        ])
    }

    @Test func librdkafkaNamesPassThroughAndWin() throws {
        let out = try RdKafkaProperties.translate([
            "sasl.mechanisms": "PLAIN", "sasl.mechanism": "SCRAM-SHA-256",
            "sasl.username": "a", "sasl.password": "b", "ssl.ca.location": "/ca.pem", "acks": "all",
        ])
        #expect(out["sasl.mechanisms"] == "PLAIN")
        #expect(out["sasl.username"] == "a")
        #expect(out["acks"] == "all")
    }

    @Test func jksStoresAreRefusedWithTheFixAndNoSecrets() {
        #expect(throws: InvalidInput.self) {
            try RdKafkaProperties.translate(["ssl.truststore.location": "/x.jks", "ssl.truststore.password": "hunter2"])
        }
        do {
            _ = try RdKafkaProperties.translate(["ssl.keystore.location": "/k.jks", "ssl.keystore.password": "hunter2"])
            Issue.record("a JKS keystore was accepted")
        } catch let e as InvalidInput {
            #expect(e.message.contains("ssl.certificate.location"))
            #expect(!e.message.contains("hunter2"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func jaasWithoutCredentialsIsRefused() {
        #expect(throws: InvalidInput.self) {
            try RdKafkaProperties.translate(["sasl.jaas.config": "com.example.Module required;"])
        }
    }

    @Test func unknownPropertyIsNamedButItsSecretValueIsNot() {
        do {
            _ = try RdKafkaAdmin(bootstrapServers: "127.0.0.1:1", properties: ["no.such.password": "hunter2"])
            Issue.record("librdkafka accepted an unknown property")
        } catch let e as InvalidInput {
            #expect(e.message.contains("no.such.password"))
            #expect(!e.message.contains("hunter2"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

@Suite struct LoadOptionsTests {
    @Test func badLoadOptionsAreRefused() {
        #expect(throws: InvalidInput.self) { try LoadOptions(topic: "", recordSize: 10, throughput: nil, numRecords: 1) }
        #expect(throws: InvalidInput.self) { try LoadOptions(topic: "t", recordSize: 0, throughput: nil, numRecords: 1) }
        #expect(throws: InvalidInput.self) { try LoadOptions(topic: "t", recordSize: 10, throughput: 0, numRecords: 1) }
        #expect(throws: InvalidInput.self) { try LoadOptions(topic: "t", recordSize: 10, throughput: nil, numRecords: 0) }
    }

    @Test func payloadIsPrintableAndSized() {
        let p = LoadGenerator.payload(size: 1000)
        #expect(p.count == 1000)
        #expect(p.allSatisfy { (65...90).contains($0) })
        #expect(Set(p).count > 10)
    }
}

@Suite struct RdKafkaClientConfigTests {
    @Test func aCommandConfigFeedsLibrdkafka() throws {
        let config = try ClientConfig.parse(properties: """
            security.protocol=SASL_PLAINTEXT
            sasl.mechanism=SCRAM-SHA-256
            sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="ops" password="pw";
            client.id=kscale-test
            linger.ms=7
            default.api.timeout.ms=60000
            """, bootstrap: "k1:9092,k2:9092")
        let props = try RdKafkaProperties.from(config)
        #expect(props["bootstrap.servers"] == "k1:9092,k2:9092")
        #expect(props["security.protocol"] == "sasl_plaintext")
        #expect(props["sasl.mechanisms"] == "SCRAM-SHA-256")
        #expect(props["sasl.username"] == "ops")
        #expect(props["sasl.password"] == "pw")
        #expect(props["client.id"] == "kscale-test")
        #expect(props["linger.ms"] == "7")
        #expect(props["default.api.timeout.ms"] == nil)
        // librdkafka accepts every name we hand it.
        _ = try RdKafkaAdmin(config: config)
    }
}
