import Foundation
import Testing
import KScaleCore
import KafkaSim
@testable import KafkaClient

/// librdkafka, through kscale's wrapper, against KafkaSim: what librdkafka reads and does must
/// match what the simulated cluster says, call by call.
@Suite(.serialized) struct RdKafkaSimTests {
    static func snapshot() -> ClusterSnapshot {
        let brokers = [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"), Broker(id: 4, rack: "a")]
        let orders = TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2, 3], size: 1000),
            PartitionState(partition: 1, replicas: [2, 3, 4], size: 1000),
            PartitionState(partition: 2, replicas: [3, 4, 1], size: 1000),
            PartitionState(partition: 3, replicas: [4, 1, 2], size: 1000),
        ], configs: ["cleanup.policy": "delete", "retention.ms": "86400000"])
        // KafkaSim counts 1 KiB per record in a snapshot's sizes: events-0 starts with 100 records.
        let events = TopicState(name: "events", partitions: [PartitionState(partition: 0, replicas: [2, 1], size: 102_400)])
        return ClusterSnapshot(brokers: brokers, topics: [orders, events])
    }

    /// Starts a sim, runs `body` with an admin client on it, and always shuts the sim down.
    func withSim<T>(_ body: (SimCluster, RdKafkaAdmin) async throws -> T) async throws -> T {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        do {
            let admin = try RdKafkaAdmin(bootstrapServers: sim.bootstrapServers, timeout: .seconds(30))
            let result = try await body(sim, admin)
            await sim.shutdown()
            return result
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    @Test func metadataMatchesTheSimulator() async throws {
        try await withSim { sim, admin in
            let md = try await admin.metadata()
            let state = await sim.state()
            #expect(md.brokers.map(\.id).sorted() == state.brokers.map(\.id).sorted())
            let ports = Set(sim.bootstrapServers.split(separator: ",").compactMap { $0.split(separator: ":").last.flatMap { Int32($0) } })
            #expect(Set(md.brokers.map(\.port)) == ports)
            for topic in state.topics {
                let seen = try #require(md.topics.first { $0.name == topic.name })
                #expect(seen.partitions.map(\.partition) == topic.partitions.map(\.partition))
                for (p, expected) in zip(seen.partitions, topic.partitions) {
                    #expect(p.replicas == expected.replicas)
                    #expect(p.leader == expected.leader)
                    #expect(Set(p.isr) == Set(expected.isr ?? []))
                }
            }
            let only = try await admin.metadata(topics: ["events", "missing"])
            #expect(only.topics.map(\.name) == ["events"])
            #expect(only.topicErrors["missing"] != nil)
        }
    }

    @Test func createPartitionsWithExplicitAssignments() async throws {
        try await withSim { sim, admin in
            try await admin.createPartitions(topic: "orders", totalCount: 6, assignments: [[2, 3, 4], [3, 1, 2]], validateOnly: false)
            let state = await sim.state()
            #expect(state.partition(TopicPartition("orders", 4))?.replicas == [2, 3, 4])
            #expect(state.partition(TopicPartition("orders", 5))?.replicas == [3, 1, 2])
            #expect(state.topics.first { $0.name == "orders" }?.partitions.count == 6)
        }
    }

    @Test func validateOnlyChangesNothing() async throws {
        try await withSim { sim, admin in
            try await admin.createPartitions(topic: "orders", totalCount: 5, assignments: [[1, 2, 3]], validateOnly: true)
            #expect(await sim.state().topics.first { $0.name == "orders" }?.partitions.count == 4)
        }
    }

    @Test func badAssignmentsAndDecreasesAreRejectedByTheBroker() async throws {
        try await withSim { sim, admin in
            await #expect(throws: KafkaAPIError.self) {
                try await admin.createPartitions(topic: "orders", totalCount: 5, assignments: [[1, 2, 99]], validateOnly: false)
            }
            do {
                try await admin.createPartitions(topic: "orders", totalCount: 2, assignments: nil, validateOnly: false)
                Issue.record("a decrease was accepted")
            } catch let e as KafkaAPIError {
                #expect(e.name == "INVALID_PARTITIONS")
            }
            #expect(await sim.state().topics.first { $0.name == "orders" }?.partitions.count == 4)
        }
    }

    @Test func describeConfigsReportsTheTopicsConfigs() async throws {
        try await withSim { _, admin in
            let configs = try await admin.describeConfigs([.topic("orders")])
            let entries = try #require(configs[.topic("orders")])
            let byName = Dictionary(entries.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            #expect(byName["cleanup.policy"]?.value == "delete")
            #expect(byName["retention.ms"]?.value == "86400000")
            #expect(byName["retention.ms"]?.source == .dynamicTopic)
        }
    }

    /// librdkafka 2.0.2 sends v2 record batches only to brokers that list Produce >= 3 and Fetch >= 4,
    /// so this also checks that KafkaSim advertises what a real broker does.
    @Test func producedRecordsAreCountedByTheSimulator() async throws {
        try await withSim { sim, admin in
            let before = try await admin.watermarks(TopicPartition("orders", 1)).high
            let producer = try RdKafkaProducer(bootstrapServers: sim.bootstrapServers, properties: ["message.timeout.ms": "10000"])
            var offsets: [Int64] = []
            for i in 0..<20 {
                let report = try await producer.send(topic: "orders", partition: 1, value: Array("record \(i)".utf8))
                #expect(report.partition == 1)
                offsets.append(report.offset)
            }
            await producer.close()
            #expect(offsets == Array(before..<before + 20))
            #expect(try await admin.watermarks(TopicPartition("orders", 1)).high == before + 20)
        }
    }

    @Test func producerErrorsSurfaceAsBrokerErrors() async throws {
        try await withSim { sim, _ in
            let producer = try RdKafkaProducer(bootstrapServers: sim.bootstrapServers, properties: ["message.timeout.ms": "3000"])
            // A partition the topic does not have: librdkafka fails the record locally, naming it.
            await #expect(throws: KafkaAPIError.self) {
                _ = try await producer.send(topic: "orders", partition: 99, value: [1])
            }
            await producer.close()
        }
    }

    @Test func consumerLagFromCommittedAndEndOffsets() async throws {
        try await withSim { sim, admin in
            let tp = TopicPartition("events", 0)
            let end = try await admin.watermarks(tp).high
            #expect(end == 100)
            await sim.commitOffset(group: "billing", tp, offset: 88)
            let committed = try await admin.committedOffsets(group: "billing")
            #expect(committed == [tp: 88])
            let lag = try await admin.consumerLag(group: "billing")
            #expect(lag[tp]?.lag == 12)
            let groups = try await admin.listConsumerGroups()
            #expect(groups.map(\.groupID).contains("billing"))
            let described = try await admin.describeConsumerGroups(["billing"])
            #expect(described.map(\.groupID) == ["billing"])
        }
    }
}
