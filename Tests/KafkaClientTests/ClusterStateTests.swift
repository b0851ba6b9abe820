import KScaleCore
import Testing
@testable import KafkaClient

/// The snapshot and summary built from one reading, without a network.
@Suite struct ClusterStateTests {
    static func state() -> ClusterState {
        let description = ClusterDescription(clusterID: "c1", controllerID: 2, brokers: [
            BrokerInfo(id: 1, host: "h1", port: 9092, rack: "a"),
            BrokerInfo(id: 2, host: "h2", port: 9092, rack: "b"),
        ])
        let topics = [
            TopicDescription(name: "orders", partitions: [
                PartitionDescription(partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2]),
                PartitionDescription(partition: 1, leader: 2, replicas: [2, 1], isr: [2]),
            ]),
            // Broker 3 is down: it holds a replica but is not registered; the partition has no leader.
            TopicDescription(name: "logs", partitions: [PartitionDescription(partition: 0, leader: nil, replicas: [3, 1], isr: [])]),
        ]
        let logDirs = [
            BrokerLogDirs(broker: 1, dirs: [LogDirInfo(path: "/d1", totalBytes: 1000, usableBytes: 600, replicas: [
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 100, offsetLag: 0, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 1), size: 40, offsetLag: 5, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("logs", 0), size: 7, offsetLag: 0, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 999, offsetLag: 0, isFuture: true),
            ])]),
            BrokerLogDirs(broker: 2, dirs: [LogDirInfo(path: "/d1", replicas: [
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 90, offsetLag: 10, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 1), size: 50, offsetLag: 0, isFuture: false),
            ])]),
        ]
        return ClusterState(description: description, topics: topics, logDirs: logDirs,
                            reassignments: [TopicPartition("orders", 1): OngoingReassignment(replicas: [2, 1], adding: [1], removing: [])],
                            topicConfigs: ["orders": ["retention.ms": "1000"], "logs": [:]], minInsyncReplicas: ["orders": 2, "logs": 1], warnings: [])
    }

    @Test func snapshotTakesLargestNonFutureReplicaAndListsDownBrokers() throws {
        let s = Self.state().snapshot
        try s.validate()
        #expect(s.brokers.map(\.id) == [1, 2, 3])
        #expect(s.brokers[0] == Broker(id: 1, rack: "a", diskTotalBytes: 1000, diskUsableBytes: 600))
        #expect(s.brokers[1] == Broker(id: 2, rack: "b"))
        // Down, in a cluster with racks: a rack of its own, so the planner can still drain it.
        #expect(s.brokers[2] == Broker(id: 3, rack: ClusterSnapshot.offlineRack))
        let orders = try #require(s.topics.first { $0.name == "orders" })
        #expect(orders.partitions.map(\.size) == [100, 50])
        #expect(orders.partitions[1].isr == [2])
        #expect(orders.partitions[1].leader == 2)
        #expect(orders.configs == ["retention.ms": "1000"])
        #expect(s.topics.first { $0.name == "logs" }?.configs == nil)
    }

    @Test func summaryCountsHealthAndPerBrokerLoad() {
        let s = Self.state().summary
        #expect(s.underReplicated == 2)       // orders-1 and logs-0
        #expect(s.underMinISR == 2)           // orders-1 (1 < 2) and logs-0 (0 < 1)
        #expect(s.offline == 1)               // logs-0
        #expect(s.reassignmentsInFlight == 1)
        #expect(s.totalBytes == 157)
        let b1 = s.brokers[0], b2 = s.brokers[1]
        #expect(b1.replicas == 3 && b1.leaders == 1 && b1.bytes == 147 && b1.reassignmentsInFlight == 1)
        #expect(b1.diskUsedPercent == 40)
        #expect(b2.replicas == 2 && b2.leaders == 1 && b2.bytes == 140 && b2.diskUsedPercent == nil && b2.isController)
        #expect(s.topics.map(\.name) == ["orders", "logs"])
    }
}
