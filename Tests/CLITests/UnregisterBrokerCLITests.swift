import Foundation
import KafkaSim
import KScaleCore
import KScaleTestSupport
import Testing

/// `kscale unregister-broker` through the binary against KafkaSim: the dry run, `--execute`, and
/// the refusals (ZooKeeper, a broker holding replicas), with their exit codes.
@Suite struct UnregisterBrokerCLITests {
    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"), Broker(id: 4, rack: "a")],
        topics: [TopicState(name: "orders", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: 1_000)])])

    @Test func dryRunThenExecuteOnKRaft() async throws {
        try await withSimCluster(Self.snapshot) { sim in
            await sim.stopBroker(4)
            let dry = try await KScaleBinary.run(["unregister-broker", "--bootstrap-server", sim.bootstrapServers, "--broker", "4"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("dry run: broker 4 would be unregistered"))
            #expect(dry.stdout.contains("would send: broker 4: unregister from the KRaft controller"))
            #expect(await sim.mutatingRequests()[64] == nil)
            let done = try await KScaleBinary.run(["unregister-broker", "--bootstrap-server", sim.bootstrapServers, "--broker", "4",
                                                   "--execute", "--output", "json"])
            #expect(done.status == 0, "\(done.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(done.stdout.utf8)) as? [String: Any])
            #expect((json["mutations"] as? [[String: Any]])?.first?["broker"] as? Int == 4)
            #expect(await sim.mutatingRequests()[64] == 1)
            let again = try await KScaleBinary.run(["unregister-broker", "--bootstrap-server", sim.bootstrapServers, "--broker", "4", "--execute"])
            #expect(again.status == 5)
            #expect(again.stderr.contains("BROKER_ID_NOT_REGISTERED"))
        }
    }

    @Test func refusals() async throws {
        try await withSimCluster(Self.snapshot) { sim in
            let held = try await KScaleBinary.run(["unregister-broker", "--bootstrap-server", sim.bootstrapServers, "--broker", "2", "--execute"])
            #expect(held.status == 2)
            #expect(held.stderr.contains("broker 2 still holds replicas of 1 partition(s): drain it first"))
        }
        try await withSimCluster(Self.snapshot, options: SimOptions(profile: try KafkaProfile(version: "3.9", mode: .zookeeper))) { sim in
            let zk = try await KScaleBinary.run(["unregister-broker", "--bootstrap-server", sim.bootstrapServers, "--broker", "4"])
            #expect(zk.status == 2)
            #expect(zk.stderr.contains("this cluster runs on ZooKeeper"))
        }
    }
}
