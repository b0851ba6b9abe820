import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaSim
import KScaleCore
import KScaleIO
import KScaleTestSupport
import Testing

/// `kscale snapshot --metrics-url` end to end: KafkaSim's traffic counters scraped by a real
/// Prometheus (Debian's `prometheus`, installed by scripts/setup.sh), read back through its HTTP API.
@Suite(.serialized) struct SnapshotMetricsURLTests {
    static let kib: Int64 = 1024

    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b")],
        topics: [
            TopicState(name: "orders", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 3_000 * kib, bytesInPerSec: 300 * kib, bytesOutPerSec: 600 * kib),
                PartitionState(partition: 1, replicas: [2, 1], size: 1_000 * kib, bytesInPerSec: 100 * kib, bytesOutPerSec: 200 * kib),
            ]),
        ])

    @Test func snapshotReadsPerTopicRatesFromPrometheus() async throws {
        guard let binary = PrometheusServer.binary() else {
            Issue.record(Comment(rawValue: PrometheusServer.missing))
            return
        }
        try await withSimCluster(Self.snapshot, options: SimOptions(controlPort: 0)) { sim in
            let control = try #require(sim.controlURL.flatMap { URL(string: $0) })
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-prom-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let server = try PrometheusServer(binary: binary, control: control, brokers: [1, 2])
            defer { server.stop() }
            let base = server.baseURL
            // Bounded wait on Prometheus's own API: both brokers' series, each scraped for longer
            // than the 20 s window (rate() over a younger series undercounts: it has nothing to
            // extrapolate from at the window's start).
            let query = "min(count_over_time(kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"}[40s])) >= 12 and count(kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"}) == 2"
            try await waitUntil("Prometheus to have scraped both brokers' orders counters for 22 s",
                                timeout: .seconds(150), pause: .sleep(.milliseconds(500))) {
                guard server.process.isRunning else { return true }
                return await server.answers(query)
            }
            #expect(server.process.isRunning, "prometheus exited: \(server.process.stderrSoFar.suffix(800))")
            let out = dir.appendingPathComponent("cluster.json").path
            let r = try await KScaleBinary.run(["snapshot", "--bootstrap-server", sim.bootstrapServers, "--metrics-url", base,
                                                "--metrics-window", "20s", "--out", out, "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let written = try KScaleFiles.readSnapshot(out)
            let orders = try #require(written.topics.first { $0.name == "orders" })
            // 400 KiB/s in, 800 KiB/s out for the topic, split by size: 3/4 and 1/4.
            for (partition, inRate, outRate) in [(Int32(0), 300 * Self.kib, 600 * Self.kib), (1, 100 * Self.kib, 200 * Self.kib)] {
                let p = try #require(orders.partitions.first { $0.partition == partition })
                let measuredIn = Double(p.bytesInPerSec ?? -1), measuredOut = Double(p.bytesOutPerSec ?? -1)
                #expect(abs(measuredIn - Double(inRate)) <= Double(inRate) * 0.1, "orders-\(partition) bytes in \(measuredIn)")
                #expect(abs(measuredOut - Double(outRate)) <= Double(outRate) * 0.1, "orders-\(partition) bytes out \(measuredOut)")
            }
            #expect(written.consumerGroups == nil)
        }
    }
}

/// `kscale snapshot --sample` through the binary against KafkaSim, both on time 5 times faster
/// than the wall (the binary's `--time-scale`), so a 20 s sample takes 4 s.
@Suite(.serialized) struct SnapshotSampleCLITests {
    @Test func sampleWritesMeasuredRatesAndGroups() async throws {
        let scale = 5.0
        var snapshot = SnapshotMetricsURLTests.snapshot
        snapshot.consumerGroups = [ConsumerGroupState(group: "billing", topics: ["orders"]), ConsumerGroupState(group: "audit", topics: ["orders"])]
        try await withSimCluster(snapshot, options: SimOptions(timeScale: scale)) { sim in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-sample-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let out = dir.appendingPathComponent("cluster.json").path
            let r = try await KScaleBinary.run(["snapshot", "--bootstrap-server", sim.bootstrapServers, "--time-scale", String(scale),
                                                "--sample", "20s", "--out", out, "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            #expect(json["consumer_groups"] as? Int == 2)
            let written = try KScaleFiles.readSnapshot(out)
            #expect(Set(written.consumerGroups ?? []) == Set(snapshot.consumerGroups ?? []))
            let orders = try #require(written.topics.first { $0.name == "orders" })
            // Request times are scaled too (a loaded machine's slow reading is seconds of the
            // cluster's time), so the tolerance is wider than on stepped time (TrafficSampleSimTests).
            for p in orders.partitions {
                let configured = try #require(snapshot.topics[0].partitions.first { $0.partition == p.partition })
                let wantIn = Double(configured.bytesInPerSec ?? 0), wantOut = Double(configured.bytesOutPerSec ?? 0)
                #expect(abs(Double(p.bytesInPerSec ?? -1) - wantIn) <= wantIn * 0.25, "orders-\(p.partition) in \(p.bytesInPerSec ?? -1)")
                #expect(abs(Double(p.bytesOutPerSec ?? -1) - wantOut) <= wantOut * 0.25, "orders-\(p.partition) out \(p.bytesOutPerSec ?? -1)")
            }
        }
    }

    @Test func sampleAndMetricsURLTogetherAreRefused() async throws {
        let r = try await KScaleBinary.run(["snapshot", "--bootstrap-server", "127.0.0.1:1", "--sample", "10s",
                                            "--metrics-url", "http://127.0.0.1:1", "--out", "/nonexistent/x.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--sample and --metrics-url are two ways to measure traffic: give one"))
    }
}
