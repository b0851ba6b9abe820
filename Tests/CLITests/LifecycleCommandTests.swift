import Foundation
import KScaleTestSupport
import Testing
import KScaleCore
import KafkaSim
import KScaleIO

/// The runbook commands as an operator runs them: the `kscale` binary against a KafkaSim cluster
/// in this process, judged by exit codes, output and what the cluster holds afterwards.
@Suite(.serialized) struct LifecycleCommandTests {
    /// Six brokers over three racks, one rack-aware topic with 3 replicas and 1 leader per broker.
    static func snapshot() -> ClusterSnapshot {
        let racks: [[BrokerID]] = [[1, 4], [2, 5], [3, 6]]
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3]) }
        let partitions = (0..<6).map { p -> PartitionState in
            let leader = BrokerID(p + 1)
            let r = (p) % 3
            let followers = [1, 2].map { k in racks[(r + k) % 3][(p + k) % 2] }
            return PartitionState(partition: Int32(p), replicas: [leader] + followers, size: 1_000_000)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }

    func withSim(_ body: (SimCluster) async throws -> Void) async throws {
        try await withSimCluster(Self.snapshot(), body)
    }

    func replicas(on broker: BrokerID, _ sim: SimCluster) async -> [String] {
        await sim.state().topics.flatMap { t in
            t.partitions.filter { $0.replicas.contains(broker) }.map { "\(t.name)-\($0.partition)" }
        }
    }

    @Test func checkExitCodeFollowsTheWorstFinding() async throws {
        try await withSim { sim in
            let healthy = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers])
            #expect(healthy.status == 0, "\(healthy.stdout)\(healthy.stderr)")

            await sim.stopBroker(2)
            let degraded = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(degraded.status == 2, "\(degraded.stdout)\(degraded.stderr)")
            #expect(degraded.stdout.contains("under"), "the JSON names the under-replicated partitions: \(degraded.stdout)")
            _ = try JSONSerialization.jsonObject(with: Data(degraded.stdout.utf8))
        }
    }

    @Test func scaleInDryRunChangesNothingAndExecuteEndsSafe() async throws {
        try await withSim { sim in
            let stateDir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-cli-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: stateDir) }
            let before = await sim.state().snapshot
            let common = ["scale-in", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "6",
                          "--poll-interval", "0.2", "--state-dir", stateDir, "--throttle", "50MB/s"]

            let dry = try await KScaleBinary.run(common)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            // The dry run shows the throttle, the estimate and each broker's bytes in and out.
            #expect(dry.stdout.contains("throttle 50.0 MB/s per broker: about"), "\(dry.stdout)")
            #expect(dry.stdout.contains("bytes in") && dry.stdout.contains("bytes out"), "\(dry.stdout)")
            #expect(await sim.state().snapshot.topics == before.topics)
            #expect(await replicas(on: 6, sim).count == 3)

            let real = try await KScaleBinary.run(common + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(real.stdout.contains("broker 6: SAFE TO STOP"), "\(real.stdout)")
            #expect(await replicas(on: 6, sim) == [])
        }
    }

    @Test func scaleInThatEmptiesARackIsRefusedWithNothingChanged() async throws {
        try await withSim { sim in
            let before = await sim.state().snapshot
            let r = try await KScaleBinary.run(["scale-in", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "3,6", "--throttle", "50MB/s", "--execute"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("error: refused: refusing to remove brokers 3,6"), "\(r.stderr)")
            #expect(r.stderr.contains("rack"), "\(r.stderr)")
            #expect(await sim.state().snapshot.topics == before.topics)
        }
    }

    @Test func describeAndSnapshotReadTheCluster() async throws {
        try await withSim { sim in
            let d = try await KScaleBinary.run(["describe", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(d.status == 0, "\(d.stderr)")
            _ = try JSONSerialization.jsonObject(with: Data(d.stdout.utf8))

            let path = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-snap-\(UUID().uuidString).json.zst").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            let s = try await KScaleBinary.run(["snapshot", "--bootstrap-server", sim.bootstrapServers, "--out", path])
            #expect(s.status == 0, "\(s.stderr)")
            let written = try KScaleFiles.readSnapshot(path)
            let expected = Self.snapshot()
            #expect(written.brokers.map(\.id) == expected.brokers.map(\.id))
            #expect(written.brokers.map(\.rack) == expected.brokers.map(\.rack))
            #expect(written.topics.first?.partitions.map(\.replicas) == expected.topics.first?.partitions.map(\.replicas))
        }
    }

    @Test func movingDataWithoutAThrottleIsRefusedWithNothingChanged() async throws {
        try await withSim { sim in
            let before = await sim.state().snapshot
            let base = ["scale-in", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "6", "--execute"]
            let missing = try await KScaleBinary.run(base)
            #expect(missing.status == 2, "\(missing.stderr)")
            #expect(missing.stderr.contains("moving data needs a replication throttle"), "\(missing.stderr)")
            let bare = try await KScaleBinary.run(base + ["--throttle", "50"])
            #expect(bare.status == 2, "\(bare.stderr)")
            #expect(bare.stderr.contains("did you mean 50MB/s?"), "\(bare.stderr)")
            #expect(await sim.state().snapshot.topics == before.topics)
            #expect(await sim.mutatingRequests().values.reduce(0, +) == 0)
        }
    }

    /// Bad planner input on scale-out is refused before the registration wait, nothing sent.
    @Test(arguments: [
        (["--exclude-topics", "orders("], "--exclude-topics \"orders(\" is not a valid regular expression"),
        (["--byte-tolerance", "1"], "--byte-tolerance must be a ratio above 1 (bytes max/min, for example 1.05), not 1.0"),
    ])
    func badPlannerInputIsRefusedBeforeTheRegistrationWait(option: [String], message: String) async throws {
        try await withSim { sim in
            // Broker 42 never registers: a wait would last the whole timeout before any planning.
            let r = try await KScaleBinary.run(["scale-out", "--bootstrap-server", sim.bootstrapServers, "--add-brokers", "42",
                                                "--throttle", "50MB/s", "--registration-timeout", "10m"] + option,
                                               timeout: .seconds(60))
            #expect(r.status == 2, "\(r.stderr)")
            #expect(r.stderr.contains(message), "\(r.stderr)")
            #expect(!r.stdout.contains("waiting for brokers"), "\(r.stdout)")
            #expect(await sim.mutatingRequests().values.reduce(0, +) == 0)
        }
    }
}
