import Foundation
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
