import Foundation
import KScaleCore
import KafkaSim
import KScaleTime
import Testing
@testable import KafkaClient

/// `unregisterBroker` through the one dry-run gate over the wire (`KafkaAdminClient` against
/// KafkaSim): a dry run sends nothing and predicts the controller's answer, `--execute` sends
/// UnregisterBroker, and ZooKeeper clusters and brokers that still hold replicas are refused.
@Suite struct UnregisterBrokerTests {
    /// Broker 4 is empty (scaled in), broker 5 dormant, 1-3 hold the data.
    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"), Broker(id: 4, rack: "a"),
                  Broker(id: 5, rack: "b", registered: false)],
        topics: [TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2], size: 1_000),
            PartitionState(partition: 1, replicas: [2, 3], size: 1_000),
        ])])

    static func withGate(_ profile: KafkaProfile, execute: Bool,
                         _ body: (SimCluster, DryRunAdmin) async throws -> Void) async throws {
        let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(clock: ManualClock(), profile: profile))
        do {
            let client = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: sim.bootstrapServers, requestTimeout: .seconds(20),
                                                                         connectTimeout: .seconds(20), retryBackoff: .milliseconds(20)))
            do {
                try await body(sim, DryRunAdmin(client, execute: execute))
                await client.close()
            } catch {
                await client.close()
                throw error
            }
            await sim.shutdown()
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    @Test func aDryRunSendsNothingAndPredictsTheAnswer() async throws {
        try await Self.withGate(try KafkaProfile(version: "4.1"), execute: false) { sim, gate in
            await sim.stopBroker(4)
            try await gate.unregisterBroker(4)
            // A dormant broker has no registration: the dry run says what the controller would.
            let refusal = await #expect(throws: KafkaAPIError.self) { try await gate.unregisterBroker(5) }
            #expect(refusal?.name == "BROKER_ID_NOT_REGISTERED")
            #expect(await gate.mutations.map(\.line) == [
                "would send: broker 4: unregister from the KRaft controller",
                "would be refused: broker 5: unregister from the KRaft controller: \(refusal.map { "\($0)" } ?? "")",
            ])
            #expect(await sim.mutatingRequests()[64] == nil)
            #expect(try await gate.describeCluster().brokers.map(\.id).contains(4))
        }
    }

    @Test func executeUnregistersAnEmptyStoppedBroker() async throws {
        try await Self.withGate(try KafkaProfile(version: "4.1"), execute: true) { sim, gate in
            await sim.stopBroker(4)
            try await gate.unregisterBroker(4)
            #expect(await gate.mutations.map(\.line) == ["sent: broker 4: unregister from the KRaft controller"])
            #expect(await sim.mutatingRequests()[64] == 1)
            #expect(try await gate.describeCluster().brokers.map(\.id) == [1, 2, 3])
            // Again: the controller no longer knows it.
            let again = await #expect(throws: KafkaAPIError.self) { try await gate.unregisterBroker(4) }
            #expect(again?.code == 102)
        }
    }

    @Test func aBrokerHoldingReplicasIsRefusedBeforeAnythingIsSent() async throws {
        try await Self.withGate(try KafkaProfile(version: "4.1"), execute: true) { sim, gate in
            let refusal = await #expect(throws: Refusal.self) { try await gate.unregisterBroker(2) }
            #expect(refusal?.message == "broker 2 still holds replicas of 2 partition(s): drain it first (kscale scale-in), then unregister it")
            #expect(await gate.mutations.isEmpty)
            #expect(await sim.mutatingRequests()[64] == nil)
        }
    }

    @Test(arguments: [false, true])
    func zooKeeperClustersAreRefusedNamingWhy(execute: Bool) async throws {
        try await Self.withGate(try KafkaProfile(version: "3.9", mode: .zookeeper), execute: execute) { sim, gate in
            let refusal = await #expect(throws: Refusal.self) { try await gate.unregisterBroker(4) }
            #expect(refusal?.message.contains("UnregisterBroker is a KRaft API (KIP-631) and this cluster runs on ZooKeeper") == true)
            #expect(await gate.mutations.isEmpty)
        }
    }

    @Test func theClientSaysWhenTheClusterDoesNotServeIt() async throws {
        try await Self.withGate(try KafkaProfile(version: "3.9", mode: .zookeeper), execute: true) { _, gate in
            let answer = await #expect(throws: KafkaAPIError.self) { try await gate.base.unregisterBroker(4) }
            #expect(answer?.name == "UNSUPPORTED_VERSION")
        }
    }
}
