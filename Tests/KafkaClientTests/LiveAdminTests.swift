import Foundation
import KScaleCore
import KafkaSASL
import KafkaSim
import KScaleTestSupport
import Testing
@testable import KafkaClient

/// Every `ClusterAdmin` call of `KafkaAdminClient` against a KafkaSim cluster on ephemeral ports.
@Suite struct LiveAdminTests {
    static let mb: Int64 = 1_000_000

    /// Three racks, two topics; sizes large and the network slow so a move stays in flight.
    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c")],
        topics: [
            TopicState(name: "orders", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 500 * mb),
                PartitionState(partition: 1, replicas: [2, 3], size: 300 * mb),
                PartitionState(partition: 2, replicas: [3, 1], size: 100 * mb),
            ]),
            TopicState(name: "logs", partitions: [PartitionState(partition: 0, replicas: [1, 2, 3], size: 10 * mb)]),
        ])

    static func withSim<T>(_ options: SimOptions = SimOptions(brokerNetworkBytesPerSec: 1_000_000),
                           _ body: (SimCluster, KafkaAdminClient) async throws -> T) async throws -> T {
        let sim = try await SimCluster.start(snapshot: snapshot, options: options)
        do {
            let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: sim.bootstrapServers, requestTimeout: .seconds(20),
                                                                        connectTimeout: .seconds(20), retryBackoff: .milliseconds(20)))
            do {
                let result = try await body(sim, admin)
                await admin.close()
                await sim.shutdown()
                return result
            } catch {
                await admin.close()
                throw error
            }
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    @Test func describeClusterAndTopics() async throws {
        try await Self.withSim { sim, admin in
            let cluster = try await admin.describeCluster()
            #expect(cluster.brokers.map(\.id) == [1, 2, 3])
            #expect(cluster.brokers.map(\.rack) == ["a", "b", "c"])
            // KRaft (the default profile): a random live broker, not the simulator's controller.
            #expect(cluster.brokers.map(\.id).contains(cluster.controllerID ?? -1))
            #expect(Set(sim.bootstrapServers.split(separator: ",").map(String.init)) == Set(cluster.brokers.map(\.address)))

            let topics = try await admin.describeTopics(nil)
            #expect(topics.map(\.name) == ["logs", "orders"])
            let orders = try #require(topics.first { $0.name == "orders" })
            #expect(orders.partitions.map(\.replicas) == [[1, 2], [2, 3], [3, 1]])
            #expect(orders.partitions.map(\.leader) == [1, 2, 3])
            #expect(orders.partitions.allSatisfy { Set($0.isr) == Set($0.replicas) })
            #expect(try await admin.describeTopics(["logs"]).map(\.name) == ["logs"])
            await #expect { _ = try await admin.describeTopics(["nope"]) } throws: { e in
                (e as? KafkaAPIError)?.name == "UNKNOWN_TOPIC_OR_PARTITION" && "\(e)".contains("Metadata")
            }
        }
    }

    @Test func logDirsAndSnapshotMatchTheCluster() async throws {
        try await Self.withSim { sim, admin in
            let dirs = try await admin.logDirs(brokers: nil)
            #expect(dirs.map(\.broker) == [1, 2, 3])
            let onOne = dirs[0].dirs.flatMap(\.replicas).filter { !$0.isFuture }
            #expect(Set(onOne.map(\.topicPartition)) == [TopicPartition("orders", 0), TopicPartition("orders", 2), TopicPartition("logs", 0)])
            #expect(onOne.first { $0.topicPartition == TopicPartition("orders", 0) }?.size == 500 * Self.mb)

            let state = try await ClusterObservation.read(from: admin)
            let snap = state.snapshot()
            try snap.validate()
            #expect(snap.brokers.map(\.rack) == ["a", "b", "c"])
            for (tp, p) in snap.allPartitions {
                let want = try #require(Self.snapshot.allPartitions.first { $0.0 == tp }?.1)
                #expect(p.replicas == want.replicas, "\(tp)")
                #expect(p.size == want.size, "\(tp)")
                #expect(p.leader == want.replicas.first, "\(tp)")
            }
            #expect(state.partitions.filter { state.isUnderReplicated($0.0) }.isEmpty)
            #expect(state.partitions.filter { state.isOffline($0.0) }.isEmpty)
            _ = sim
        }
    }

    @Test func reassignListAndCancel() async throws {
        try await Self.withSim { _, admin in
            let tp = TopicPartition("orders", 0)
            #expect(try await admin.alterReassignments([tp: [2, 3]]).isEmpty)
            let ongoing = try await admin.listReassignments(nil)
            let move = try #require(ongoing[tp])
            #expect(Set(move.adding) == [3])
            #expect(Set(move.removing) == [1])
            #expect(try await admin.listReassignments([TopicPartition("orders", 1)]).isEmpty)
            // Cancelling restores the original replica set.
            #expect(try await admin.alterReassignments([tp: nil]).isEmpty)
            #expect(try await admin.listReassignments(nil)[tp] == nil)
            let restored = try await admin.describeTopics(["orders"]).first?.partitions.first
            // Kafka reverts by dropping the adding replicas from the merged list, so the order may change.
            #expect(restored.map { Set($0.replicas) } == [1, 2])
            // A bad target is a per-partition error, not a throw.
            let failed = try await admin.alterReassignments([TopicPartition("orders", 1): [2, 99]])
            #expect(failed[TopicPartition("orders", 1)] != nil)
            #expect(failed[TopicPartition("orders", 1)]?.api == "AlterPartitionReassignments")
        }
    }

    /// DescribeQuorum and the finalized features over the wire, and the reading that judges them:
    /// a combined KRaft cluster has broker voters and metadata.version 4.3-IV0; a ZooKeeper one
    /// serves no DescribeQuorum (nil, not an error) and reports no metadata.version.
    @Test func describesTheQuorumAndTheFinalizedFeatures() async throws {
        let combined = SimOptions(brokerNetworkBytesPerSec: 1_000_000, profile: try KafkaProfile(version: "4.3", combined: true))
        try await Self.withSim(combined) { _, admin in
            let quorum = try #require(try await admin.describeQuorum())
            #expect(quorum.voters == [1, 2, 3] && quorum.leaderID == 1 && quorum.observers.isEmpty)
            #expect(try await admin.finalizedFeatures() == ["metadata.version": 30])
            let o = try await ClusterObservation.read(from: admin, parts: [.quorum])
            #expect(o.quorum == .kraft(quorum) && o.gaps.isEmpty)
            #expect(o.cordonUnavailableReason == nil)
        }
        let zookeeper = SimOptions(brokerNetworkBytesPerSec: 1_000_000, profile: try KafkaProfile(version: "3.9", mode: .zookeeper))
        try await Self.withSim(zookeeper) { sim, admin in
            #expect(try await admin.describeQuorum() == nil)
            #expect(try await admin.finalizedFeatures().isEmpty)
            let o = try await ClusterObservation.read(from: admin, parts: [.quorum])
            #expect(o.quorum == .zookeeper && o.isKRaft == false)
            #expect(o.cluster.controllerID == (await sim.state()).controller)
            #expect(o.cordonUnavailableReason?.contains("reports no metadata.version") == true)
        }
    }

    /// ZooKeeper mode: only the controller answers reassignments (KRaft brokers forward them).
    @Test func followsNotControllerAfterTheControllerMoves() async throws {
        let zookeeper = SimOptions(brokerNetworkBytesPerSec: 1_000_000, profile: try KafkaProfile(version: "3.9", mode: .zookeeper))
        try await Self.withSim(zookeeper) { sim, admin in
            let before = try #require(try await admin.describeCluster().controllerID)
            let next: BrokerID = before == 3 ? 1 : before + 1
            await sim.moveController(to: next)
            // The client still believes in the old controller; NOT_CONTROLLER sends it to the new one.
            #expect(await admin.cluster.controllerID == before)
            #expect(try await admin.alterReassignments([TopicPartition("orders", 2): [3, 2]]).isEmpty)
            #expect(await admin.cluster.controllerID == next)
            #expect(try await admin.listReassignments(nil)[TopicPartition("orders", 2)] != nil)
        }
    }

    /// A broker that drops connections without answering: the call reconnects and retries.
    @Test func retriesAfterDroppedConnections() async throws {
        try await Self.withSim { sim, admin in
            _ = try await admin.logDirs(brokers: [2])
            sim.dropConnections(broker: 2, nextRequests: 2)
            let dirs = try await admin.logDirs(brokers: [2])
            #expect(dirs.first?.dirs.first?.replicas.isEmpty == false)
        }
    }

    @Test func incrementalConfigsAndDescribeConfigs() async throws {
        try await Self.withSim { _, admin in
            let broker = ConfigResource.broker(1), topic = ConfigResource.topic("orders")
            let failed = try await admin.incrementalAlterConfigs([
                broker: [ConfigChange("leader.replication.throttled.rate", .set, "1000000")],
                // Kafka refuses two operations on one key in one request, so a list is appended at once.
                topic: [ConfigChange("leader.replication.throttled.replicas", .append, "0:1,0:2")],
            ], validateOnly: false)
            #expect(failed.isEmpty)
            var configs = try await admin.describeConfigs([broker, topic])
            #expect(configs[broker]?.first { $0.name == "leader.replication.throttled.rate" }?.value == "1000000")
            let replicas = configs[topic]?.first { $0.name == "leader.replication.throttled.replicas" }
            #expect(replicas?.value.map { Set($0.split(separator: ",")) } == ["0:1", "0:2"])
            #expect(replicas?.source == .dynamicTopic)

            _ = try await admin.incrementalAlterConfigs([topic: [ConfigChange("leader.replication.throttled.replicas", .subtract, "0:1")],
                                                         broker: [ConfigChange("leader.replication.throttled.rate", .delete)]], validateOnly: false)
            configs = try await admin.describeConfigs([broker, topic])
            #expect(configs[topic]?.first { $0.name == "leader.replication.throttled.replicas" }?.value == "0:2")
            let rate = configs[broker]?.first { $0.name == "leader.replication.throttled.rate" }
            #expect(rate == nil || rate?.source != .dynamicBroker)

            // validateOnly changes nothing.
            _ = try await admin.incrementalAlterConfigs([topic: [ConfigChange("retention.ms", .set, "1234")]], validateOnly: true)
            #expect(try await admin.describeConfigs([topic])[topic]?.first { $0.name == "retention.ms" }?.value != "1234")
            await #expect { _ = try await admin.describeConfigs([.topic("nope")]) } throws: { e in
                "\(e)".contains("rejected DescribeConfigs: UNKNOWN_TOPIC_OR_PARTITION") && "\(e)".contains("broker ")
            }
        }
    }

    @Test func createPartitionsTopicsAndDelete() async throws {
        try await Self.withSim { _, admin in
            #expect(try await admin.createTopics([NewTopic(name: "new", partitions: -1, replicationFactor: -1, assignments: [[1, 2], [2, 3]])], validateOnly: true).isEmpty)
            #expect(try await admin.describeTopics(nil).map(\.name) == ["logs", "orders"])
            #expect(try await admin.createTopics([NewTopic(name: "new", partitions: -1, replicationFactor: -1, assignments: [[1, 2], [2, 3]]),
                                                  NewTopic(name: "auto", partitions: 2, replicationFactor: 3)], validateOnly: false).isEmpty)
            #expect(try await admin.describeTopics(["new"]).first?.partitions.map(\.replicas) == [[1, 2], [2, 3]])
            let again = try await admin.createTopics([NewTopic(name: "new", partitions: 1, replicationFactor: 1)], validateOnly: false)
            #expect(again["new"]?.name == "TOPIC_ALREADY_EXISTS")

            try await admin.createPartitions(topic: "new", totalCount: 3, assignments: [[3, 1]], validateOnly: true)
            #expect(try await admin.describeTopics(["new"]).first?.partitions.count == 2)
            try await admin.createPartitions(topic: "new", totalCount: 3, assignments: [[3, 1]], validateOnly: false)
            #expect(try await admin.describeTopics(["new"]).first?.partitions.map(\.replicas) == [[1, 2], [2, 3], [3, 1]])
            await #expect(throws: KafkaAPIError.self) { try await admin.createPartitions(topic: "new", totalCount: 2, assignments: nil, validateOnly: false) }

            #expect(try await admin.deleteTopics(["new", "auto"]).isEmpty)
            #expect(try await admin.describeTopics(nil).map(\.name) == ["logs", "orders"])
            #expect(try await admin.deleteTopics(["ghost"])["ghost"]?.name == "UNKNOWN_TOPIC_OR_PARTITION")
        }
    }

    @Test func electsPreferredLeaders() async throws {
        try await Self.withSim { sim, admin in
            await sim.stopBroker(1)
            try await waitUntil("orders-0 led by broker 2 once broker 1 stopped", pause: .sleep(.milliseconds(50))) {
                try await admin.describeTopics(["orders"]).first?.partitions.first?.leader == 2
            }
            await sim.startBroker(1)
            try await waitUntil("orders-0 in sync on brokers 1 and 2 once broker 1 started", pause: .sleep(.milliseconds(50))) {
                try await admin.describeTopics(["orders"]).first?.partitions.first.map { Set($0.isr) == [1, 2] } ?? false
            }
            let failed = try await admin.electPreferredLeaders([TopicPartition("orders", 0), TopicPartition("orders", 1)])
            #expect(failed.isEmpty)
            #expect(try await admin.describeTopics(["orders"]).first?.partitions.first?.leader == 1)
            #expect(try await admin.electPreferredLeaders(nil).isEmpty)
        }
    }

    @Test func consumerLagFromCommittedAndEndOffsets() async throws {
        try await Self.withSim { sim, admin in
            await sim.commitOffset(group: "billing", TopicPartition("orders", 0), offset: 5)
            await sim.commitOffset(group: "billing", TopicPartition("orders", 1), offset: 0)
            let lag = try await admin.consumerLag(group: "billing")
            #expect(Set(lag.keys) == [TopicPartition("orders", 0), TopicPartition("orders", 1)])
            let p0 = try #require(lag[TopicPartition("orders", 0)])
            #expect(p0.committedOffset == 5)
            #expect(p0.endOffset >= 5)
            #expect(p0.lag == p0.endOffset - 5)
            #expect(try await admin.consumerLag(group: "nobody").isEmpty)
        }
    }

    @Test func stoppedBrokerIsNamedAndSnapshotStillReads() async throws {
        try await Self.withSim { sim, admin in
            await sim.stopBroker(3)
            try await waitUntil("stopped broker 3 to be fenced or gone", pause: .sleep(.milliseconds(50))) {
                try await admin.describeCluster().brokers.first { $0.id == 3 }?.fenced ?? true
            }
            await #expect { _ = try await admin.logDirs(brokers: [3]) } throws: { e in "\(e)".contains("broker 3") }
            let state = try await ClusterObservation.read(from: admin)
            try state.snapshot().validate()
            #expect(state.snapshot().brokers.map(\.id) == [1, 2, 3])
            #expect(state.warnings.contains { $0.contains("broker 3") })
            #expect(state.snapshot().allPartitions.first { $0.0 == TopicPartition("orders", 1) }?.1.size == 300 * Self.mb)
        }
    }
}

/// SASL end to end against KafkaSim's SASL_PLAINTEXT listeners.
@Suite struct LiveSaslTests {
    @Test(arguments: [(SimSaslMechanism.plain, SaslMechanism.plain), (.scramSha256, .scramSha256), (.scramSha512, .scramSha512)])
    func authenticatesAndRefusesWrongPassword(_ pair: (SimSaslMechanism, SaslMechanism)) async throws {
        let sim = try await SimCluster.start(snapshot: LiveAdminTests.snapshot, options: SimOptions(
            users: [SimUser(name: "alice", password: "alice-secret", mechanism: pair.0)], securityProtocol: .saslPlaintext))
        defer { Task { await sim.shutdown() } }
        func config(_ password: String) -> ClientConfig {
            ClientConfig(bootstrapServers: sim.bootstrapServers,
                         security: .saslPlaintext(SaslSettings(mechanism: pair.1, username: "alice", password: password)),
                         connectTimeout: .seconds(20), retries: 0)
        }
        let admin = try await KafkaAdminClient.connect(config("alice-secret"))
        #expect(try await admin.describeCluster().brokers.count == 3)
        #expect(try await admin.logDirs(brokers: nil).count == 3)   // a SASL connection to every broker
        await admin.close()

        do {
            _ = try await KafkaAdminClient.connect(config("not-her-password"))
            Issue.record("a wrong password was accepted")
        } catch {
            #expect("\(error)".contains("authentication"))
            #expect(!"\(error)".contains("not-her-password"))
        }
        // No SASL at all against a SASL listener fails too, within the connect timeout, and says
        // that the listener may want SASL (issue 13 item 11).
        do {
            _ = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil, requestTimeout: .seconds(5))
            Issue.record("a client without SASL got in")
        } catch {
            #expect("\(error)".contains("a listener that requires SASL"), "\(error)")
            #expect("\(error)".contains("security.protocol=SASL_PLAINTEXT"), "\(error)")
        }
    }
}
