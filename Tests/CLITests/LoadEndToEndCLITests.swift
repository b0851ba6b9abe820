import Foundation
import KafkaSim
import KScaleCore
import KScaleIO
import KScaleTestSupport
import KScaleTime
import Testing

/// Issue 14 end to end, through the binary against KafkaSim: a cluster with one hot broker
/// (Fixtures/snapshots/load-hot.json, from gen_cluster.py `--hot-brokers 1`) is sampled
/// (`snapshot --sample`), relieved (`plan relieve`), executed (`execute --execute`, then
/// `elect-leaders --plan --execute` for the preferred leaders the plan chose) and sampled again:
/// the second sample must show the hot broker under the limits and no broker over one.
///
/// Both the simulator and the sampling binary run on time 10 times faster than the wall, so a
/// 60 s sample takes 6 s. Every load figure comes from the sampled snapshots through the one model
/// (`brokerUsage`) and the one judgement (`LoadLimits`/`breaches`), never recomputed here.
@Suite(.serialized) struct LoadEndToEndCLITests {
    static let scale = 10.0
    /// The relief's limits: 33% of each broker's 60 MB/s in and out (the fixture's capacities).
    static let planned = LoadLimits(networkIn: 0.33, networkOut: 0.33)
    /// The judge of the second sample: the planned limits plus a tenth of them, the sampler's error
    /// on scaled time (request times are scaled with it: SnapshotSampleCLITests).
    static let judged = LoadLimits(networkIn: 0.33 * 1.1, networkOut: 0.33 * 1.1)
    static let hot: BrokerID = 6

    static func sample(_ sim: SimCluster, to path: String, capacities: BrokerCapacities) async throws -> ClusterSnapshot {
        let r = try await KScaleBinary.run(["snapshot", "--bootstrap-server", sim.bootstrapServers, "--time-scale", String(scale),
                                            "--sample", "60s", "--out", path, "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        return try KScaleFiles.readSnapshot(path).withCapacities(capacities)
    }

    @Test(.timeLimit(.minutes(5))) func aSampledReliefExecutedRelievesTheHotBroker() async throws {
        let fixture = try KScaleFiles.readSnapshot(Repository.url("Fixtures/snapshots/load-hot.json").path)
        try await withSimCluster(fixture, options: SimOptions(timeScale: Self.scale)) { sim in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-load-e2e-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            func path(_ name: String) -> String { dir.appendingPathComponent(name).path }
            // Kafka reports no network capacity: the operator's file gives it, as in production.
            let capacityJSON = #"{"default": {"network_in": "60MB/s", "network_out": "60MB/s"}}"#
            try capacityJSON.write(toFile: path("capacity.json"), atomically: true, encoding: .utf8)
            let capacities = try BrokerCapacities.decode(Data(capacityJSON.utf8))

            let first = try await Self.sample(sim, to: path("before.json"), capacities: capacities)
            let before = first.brokerUsage(leaders: .current)
            let hotBefore = try #require(before.first { $0.broker == Self.hot })
            #expect(Set(hotBefore.breaches(Self.planned).map(\.dimension)) == [.networkIn, .networkOut],
                    "the fixture's hot broker is over both network limits: \(before)")

            let plan = try await KScaleBinary.run(["plan", "relieve", "--snapshot", path("before.json"), "--broker-capacity", path("capacity.json"),
                                                   "--network-in", "33%", "--network-out", "33%", "--out", path("plan.json"), "--output", "json"])
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            let planned = try KScaleFiles.readPlan(path("plan.json"))
            #expect(!planned.partitions.isEmpty)
            // The plan's own promise, on the first sample: nobody over the planned limits.
            let promised = first.applying(planned).brokerUsage(leaders: .preferred)
            #expect(promised.flatMap { $0.breaches(Self.planned) }.isEmpty, "\(promised)")

            let run = ["--bootstrap-server", sim.bootstrapServers, "--state-dir", path("runs"), "--poll-interval", "0.2"]
            let executed = try await KScaleBinary.run(["execute", "--plan", path("plan.json"), "--throttle", "50MB/s"] + run + ["--execute"])
            #expect(executed.status == 0, "\(executed.stdout)\(executed.stderr)")
            let elected = try await KScaleBinary.run(["elect-leaders", "--bootstrap-server", sim.bootstrapServers, "--plan", path("plan.json"), "--execute"])
            #expect(elected.status == 0, "\(elected.stdout)\(elected.stderr)")

            let second = try await Self.sample(sim, to: path("after.json"), capacities: capacities)
            for line in planned.partitions {
                let now = second.topics.first { $0.name == line.topic }?.partitions.first { $0.partition == line.partition }
                #expect(now?.replicas == line.replicas, "\(line.topicPartition) at its target")
                #expect(now?.leader == line.replicas.first, "\(line.topicPartition) led by its preferred replica")
            }
            let after = second.brokerUsage(leaders: .current)
            let hotAfter = try #require(after.first { $0.broker == Self.hot })
            #expect(hotAfter.breaches(Self.judged).isEmpty, "broker \(Self.hot) relieved: \(hotAfter)")
            #expect(hotAfter.networkIn < hotBefore.networkIn && hotAfter.networkOut < hotBefore.networkOut)
            #expect(after.flatMap { $0.breaches(Self.judged) }.map(\.description) == [], "\(after)")
        }
    }
}

/// `execute --rates SNAPSHOT`: the dry run's estimate copies each replica at the throttle less its
/// partition's produce rate, and names a partition written faster than the throttle.
@Suite(.serialized) struct ExecuteRatesCLITests {
    static let mb: Int64 = 1_000_000

    @Test(.timeLimit(.minutes(3))) func theDryRunCountsTheProduceRate() async throws {
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2), Broker(id: 3)], topics: [
            TopicState(name: "busy", partitions: [PartitionState(partition: 0, replicas: [1], size: 100 * Self.mb, leader: 1, bytesInPerSec: 6 * Self.mb)]),
            TopicState(name: "flooded", partitions: [PartitionState(partition: 0, replicas: [1], size: 100 * Self.mb, leader: 1, bytesInPerSec: 12 * Self.mb)]),
        ])
        // Simulated time stands still: the logs keep the snapshot's sizes while the dry run reads them.
        try await withSimCluster(snapshot, options: SimOptions(clock: ManualClock())) { sim in
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-rates-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "busy", partition: 0, replicas: [2]),
                                                     PartitionAssignment(topic: "flooded", partition: 0, replicas: [3])])
            try KScaleFiles.writePlan(plan, to: dir.appendingPathComponent("plan.json").path)
            try KScaleFiles.writeSnapshot(snapshot, to: dir.appendingPathComponent("rates.json").path)
            let args = ["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", dir.appendingPathComponent("plan.json").path,
                        "--throttle", "10MB/s", "--state-dir", dir.appendingPathComponent("runs").path, "--output", "json"]
            func preview(_ extra: [String]) async throws -> [String: Any] {
                let r = try await KScaleBinary.run(args + extra)
                #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
                return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            }
            let plain = try await preview([])
            #expect(plain["estimated_seconds"] as? Double == 20, "two 100 MB copies sent by broker 1 at 10 MB/s: \(plain)")
            #expect(plain["never_catch_up"] as? [String] == [])
            let counted = try await preview(["--rates", dir.appendingPathComponent("rates.json").path])
            // flooded-0 (12 MB/s > 10 MB/s) never catches up and is left out; busy-0 then has broker
            // 1's throttle alone: 100 MB at 10 - 6 MB/s = 25 s.
            #expect(counted["estimated_seconds"] as? Double == 25, "\(counted)")
            #expect(counted["lower_bound_seconds"] as? Double == 25, "\(counted)")
            #expect(counted["never_catch_up"] as? [String] == ["flooded-0"], "\(counted)")
            #expect(await sim.mutatingRequests().values.reduce(0, +) == 0, "a dry run sends nothing")
        }
    }
}
