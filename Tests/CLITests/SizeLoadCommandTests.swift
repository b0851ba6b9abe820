import Foundation
import KafkaSim
import KScaleCore
import KScaleTestSupport
import Testing

/// `kscale load` end to end against librdkafka's in-process mock cluster, passed as a producer
/// property, so the binary's option handling, producer and report are exercised without a broker.
@Suite struct LoadCommandTests {
    @Test func loadReportsEveryRecordWithPercentiles() async throws {
        let r = try await KScaleBinary.run(["load", "--bootstrap-server", "unused:9092", "--topic", "load-cli", "--record-size", "200",
                                      "--throughput", "-1", "--num-records", "800",
                                      "--producer-property", "test.mock.num.brokers=3", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try KScaleBinary.json(r)
        #expect(j["records"] as? Int == 800)
        #expect(j["failed"] as? Int == 0)
        #expect(j["bytes"] as? Int == 160_000)
        let p50 = try #require(j["latency_p50_ms"] as? Double)
        let p99 = try #require(j["latency_p99_ms"] as? Double)
        let max = try #require(j["latency_max_ms"] as? Double)
        #expect(p50 <= p99 && p99 <= max)
    }

    @Test func loadTextEndsWithThePerfTestSummary() async throws {
        let r = try await KScaleBinary.run(["load", "--bootstrap-server", "unused:9092", "--topic", "load-cli", "--record-size", "1KB",
                                      "--throughput", "10MB/s", "--num-records", "100", "--producer-property", "test.mock.num.brokers=1"])
        #expect(r.status == 0, "\(r.stderr)")
        let last = r.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("100 records sent, "))
        #expect(last.contains("MB/sec"))
        #expect(last.contains("ms 99th"))
    }

    @Test(arguments: [
        (["--record-size", "0", "--throughput", "-1", "--num-records", "10"], "--record-size"),
        (["--record-size", "1KB", "--throughput", "fast", "--num-records", "10"], "--throughput"),
        (["--record-size", "1KB", "--throughput", "-1", "--num-records", "0"], "--num-records"),
        (["--record-size", "1KB", "--throughput", "-1", "--num-records", "10", "--producer-property", "acks"], "--producer-property"),
    ])
    func badLoadInputIsRefusedBeforeConnecting(extra: [String], mentions: String) async throws {
        let r = try await KScaleBinary.run(["load", "--bootstrap-server", "unused:9092", "--topic", "t"] + extra)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.contains(mentions))
    }
}

/// `kscale load` against a KafkaSim SASL listener: a refused login or a cluster that cannot be
/// reached fails within the request timeout, exit 4, instead of every record waiting out
/// librdkafka's message.timeout.ms (5 minutes).
@Suite struct LoadConnectionTests {
    static let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2)], topics: [
        TopicState(name: "load-sasl", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: 0)]),
    ])

    func commandConfig(password: String) throws -> String {
        let path = NSTemporaryDirectory() + "kscale-load-\(UUID().uuidString).properties"
        try Data("""
            security.protocol=SASL_PLAINTEXT
            sasl.mechanism=PLAIN
            sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="\(password)";

            """.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    func load(_ bootstrap: String, _ extra: [String]) async throws -> ProcessResult {
        // The bound only ends a hang (before the fix: 5 minutes); it orders nothing. A refusal comes
        // as soon as librdkafka reports it; the request timeout is generous for a loaded machine.
        try await KScaleBinary.run(["load", "--bootstrap-server", bootstrap, "--topic", "load-sasl", "--record-size", "100",
                                    "--throughput", "-1", "--num-records", "20", "--request-timeout", "60s"] + extra, timeout: .seconds(90))
    }

    @Test func aRefusedLoginFailsAtOnceWithExit4() async throws {
        let options = SimOptions(users: [SimUser(name: "alice", password: "alice-secret")], securityProtocol: .saslPlaintext)
        try await withSimCluster(Self.snapshot, options: options) { sim in
            let good = try await load(sim.bootstrapServers, ["--command-config", try commandConfig(password: "alice-secret"), "--output", "json"])
            #expect(good.status == 0, "the right password produces: \(good.stderr)")
            #expect(try KScaleBinary.json(good)["records"] as? Int == 20)
            let bad = try await load(sim.bootstrapServers, ["--command-config", try commandConfig(password: "not-her-password")])
            #expect(bad.status == 4, "\(bad.stdout)\(bad.stderr)")
            #expect(bad.stderr.hasPrefix("error: connection: authentication with "), "\(bad.stderr)")
            #expect(!(bad.stdout + bad.stderr).contains("not-her-password"))
        }
    }

    @Test func anUnreachableClusterFailsAtTheRequestTimeout() async throws {
        // A port nothing listens on: bind one, note it, close it.
        let sim = try await SimCluster.start(snapshot: Self.snapshot)
        let address = sim.bootstrapServers.split(separator: ",").first.map(String.init) ?? ""
        await sim.shutdown()
        let r = try await KScaleBinary.run(["load", "--bootstrap-server", address, "--topic", "load-sasl", "--record-size", "100",
                                            "--throughput", "-1", "--num-records", "20", "--request-timeout", "2s"], timeout: .seconds(90))
        #expect(r.status == 4, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("could not connect"), "\(r.stderr)")
    }

    @Test func aTopicThatDoesNotExistIsNamed() async throws {
        try await withSimCluster(Self.snapshot) { sim in
            let r = try await KScaleBinary.run(["load", "--bootstrap-server", sim.bootstrapServers, "--topic", "no-such-topic", "--record-size", "100",
                                                "--throughput", "-1", "--num-records", "20", "--request-timeout", "60s"], timeout: .seconds(90))
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.contains("no-such-topic"), "\(r.stderr)")
        }
    }
}
