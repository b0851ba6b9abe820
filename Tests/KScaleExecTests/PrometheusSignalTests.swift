import Foundation
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport
import Testing

/// The autoscaler's Prometheus signal (`readPrometheusSignal`): canned answers for the rules, and a
/// real Prometheus (Debian's package) scraping KafkaSim's per-broker `/metrics`. KafkaSim has no
/// `process_cpu_seconds_total`, so the real test queries its BrokerTopicMetrics bytes-in counter
/// scaled to look like one: `rate(...bytesin_total)` per broker over 1,024,000 B/s, which is 0.3 for
/// broker 1 (it leads orders-0, 300 KiB/s) and 0.1 for broker 2 (orders-1, 100 KiB/s).
@Suite struct PrometheusSignalTests {
    static let kib: Int64 = 1024

    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b")],
        topics: [TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2], size: 3_000 * kib, bytesInPerSec: 300 * kib, bytesOutPerSec: 600 * kib),
            PartitionState(partition: 1, replicas: [2, 1], size: 1_000 * kib, bytesInPerSec: 100 * kib, bytesOutPerSec: 200 * kib),
        ])])

    static let cpuLike = "sum by (instance) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"}[20s])) / 1024000"

    @Test func seriesAreKeyedByInstanceAndTheValueIsTheirMean() async throws {
        let body = """
        {"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"instance":"kafka-1:7071"},"value":[1700000000.1,"0.75"]},
          {"metric":{"instance":"kafka-2:7071"},"value":[1700000000.1,"0.25"]},
          {"metric":{"instance":"kafka-3:7071"},"value":[1700000000.1,"NaN"]}]}}
        """
        let asked = LockedURLs()
        let values = try await PrometheusSignal.read(baseURL: "http://prom:9090/", query: "avg by (instance) (rate(x[5m]))") { url in
            asked.append(url)
            return Data(body.utf8)
        }
        #expect(values == ["kafka-1:7071": 0.75, "kafka-2:7071": 0.25])
        #expect(PrometheusSignal.value(values) == 0.5)
        #expect(PrometheusSignal.value([:]) == nil)
        let url = try #require(asked.all.first)
        #expect(asked.all.count == 1)
        #expect(url.host == "prom" && url.port == 9090 && url.path == "/api/v1/query")
        #expect(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems == [URLQueryItem(name: "query", value: "avg by (instance) (rate(x[5m]))")])
        #expect(PrometheusSignal.key(["job": "kafka", "broker": "2"]) == "broker=2,job=kafka")
        #expect(PrometheusSignal.key([:]) == "")
    }

    @Test func aRefusedQueryAndABadURLAreNamed() async throws {
        let refused = #"{"status":"error","errorType":"bad_data","error":"parse error at char 5"}"#
        let error = await #expect(throws: PrometheusError.self) {
            _ = try await PrometheusSignal.read(baseURL: "http://prom:9090", query: "avg(") { _ in Data(refused.utf8) }
        }
        #expect(error?.message == "Prometheus refused avg(: parse error at char 5")
        let bad = await #expect(throws: InvalidInput.self) { _ = try await readPrometheusSignal(url: "ftp://prom", query: "up") }
        #expect(bad?.message == "--prometheus-url ftp://prom is not an http(s) URL")
        // Nothing listens on port 1: a connection error naming the server.
        let down = await #expect(throws: PrometheusError.self) { _ = try await readPrometheusSignal(url: "http://127.0.0.1:1", query: "up") }
        #expect(down?.message.hasPrefix("cannot read Prometheus at http://127.0.0.1:1") == true)
    }

    @Test func aRealPrometheusScrapingKafkaSim() async throws {
        guard let binary = PrometheusServer.binary() else {
            Issue.record(Comment(rawValue: PrometheusServer.missing))
            return
        }
        let sim = try await SimCluster.start(snapshot: Self.snapshot, options: SimOptions(controlPort: 0))
        let server: PrometheusServer
        do {
            server = try PrometheusServer(binary: binary, control: try #require(sim.controlURL.flatMap { URL(string: $0) }), brokers: [1, 2])
        } catch {
            await sim.shutdown()
            throw error
        }
        defer { server.stop() }
        do {
            // Bounded wait: both brokers' counters scraped for longer than the 20 s window.
            let ready = "min(count_over_time(kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"}[40s])) >= 12 and count(kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"}) == 2"
            try await waitUntil("Prometheus to have scraped both brokers for 22 s", timeout: .seconds(150), pause: .sleep(.milliseconds(500))) {
                guard server.process.isRunning else { return true }
                return await server.answers(ready)
            }
            #expect(server.process.isRunning, "prometheus exited: \(server.process.stderrSoFar.suffix(800))")
            let values = try await readPrometheusSignal(url: server.baseURL, query: Self.cpuLike)
            #expect(Set(values.keys) == ["broker-1", "broker-2"])
            #expect(abs((values["broker-1"] ?? -1) - 0.3) <= 0.03, "broker-1 \(values)")
            #expect(abs((values["broker-2"] ?? -1) - 0.1) <= 0.01, "broker-2 \(values)")
            #expect(abs((PrometheusSignal.value(values) ?? -1) - 0.2) <= 0.02)

            // The autoscaler reads its cpu signal from the same Prometheus (`--prometheus-url`):
            // one live evaluation through the binary, 0.2 of a core against out_above 15%.
            let dir = NSTemporaryDirectory() + "kscale-cpu-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let policy = dir + "/policy.yaml"
            try """
                brokers: {min: 1, max: 4}
                evaluation: {interval: 1s, window: 1s}
                signals:
                  cpu: {prometheus: '\(Self.cpuLike)', out_above: 15%, in_below: 5%}
                """.write(toFile: policy, atomically: true, encoding: .utf8)
            let once = try await KScaleBinary.run(["autoscale", "--once", "--bootstrap-server", sim.bootstrapServers, "--policy", policy,
                                                   "--prometheus-url", server.baseURL, "--state-dir", dir + "/state", "--output", "json"])
            #expect(once.status == 0, "\(once.stderr)")
            let decisionText = try #require(once.stdout.range(of: "\n{\n").map { String(once.stdout[$0.lowerBound...]) }, "\(once.stdout)")
            let decision = try #require(try JSONSerialization.jsonObject(with: Data(decisionText.utf8)) as? [String: Any])
            let cpu = try #require((decision["signals"] as? [String: Any])?["cpu"] as? [String: Any], "\(decision)")
            #expect(abs((cpu["value"] as? Double ?? -1) - 0.2) <= 0.03, "\(cpu)")
            #expect(decision["action"] as? String == "scale-out", "\(decision)")
            await sim.shutdown()
        } catch {
            await sim.shutdown()
            throw error
        }
    }
}

/// URLs a canned `get` was asked for.
final class LockedURLs: @unchecked Sendable {
    private let lock = NSLock()
    private var urls: [URL] = []
    func append(_ url: URL) {
        lock.lock()
        urls.append(url)
        lock.unlock()
    }
    var all: [URL] {
        lock.lock()
        defer { lock.unlock() }
        return urls
    }
}
