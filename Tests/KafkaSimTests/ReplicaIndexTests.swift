import KScaleCore
import KScaleTestSupport
import Testing
@testable import KafkaSim

/// The model's broker -> partitions index (what DescribeLogDirs and broker stop/start read)
/// agrees with a scan of every partition after every kind of change of a replica list.
@Suite(.offThePool) struct ReplicaIndexTests {
    func model(brokers: Int = 6) throws -> ClusterModel {
        let snap = ClusterSnapshot(
            brokers: (1...brokers).map { Broker(id: BrokerID($0)) },
            topics: [TopicState(name: "t", partitions: (0..<8).map {
                PartitionState(partition: Int32($0), replicas: [BrokerID($0 % brokers + 1), BrokerID(($0 + 1) % brokers + 1)], size: 1000)
            })])
        return try ClusterModel(snapshot: snap, settings: .init(brokerNetworkBytesPerSec: 1000))
    }

    /// The replicas DescribeLogDirs reports for `broker`, as partitions.
    func logDirPartitions(_ m: inout ClusterModel, _ broker: BrokerID) -> [TopicPartition] {
        (m.logDirs(broker: broker, at: m.time)?.replicas ?? []).map { TopicPartition($0.topic, $0.partition) }
    }

    /// What a scan of the partitions finds on `broker`, in topic and partition order.
    func scanned(_ m: ClusterModel, _ broker: BrokerID) -> [TopicPartition] {
        m.topicNames.flatMap { name in
            m.partitionViews(name).filter { $0.replicas.contains(broker) }.map { TopicPartition(name, $0.partition) }
        }
    }

    @Test func indexFollowsMovesCompletionsCancelsCreatesAndDeletes() throws {
        var m = try model()
        #expect(m.replicaIndexMatchesScan())
        // A reassignment in flight: the adding broker holds the partition (it is in the replica list).
        try m.alterReassignment(TopicPartition("t", 0), target: [3, 4], at: 0)
        #expect(m.replicaIndexMatchesScan())
        #expect(logDirPartitions(&m, 4).contains(TopicPartition("t", 0)))
        #expect(logDirPartitions(&m, 1).contains(TopicPartition("t", 0)))
        // It completes (1000 bytes at 1000 B/s): broker 1 no longer holds it.
        m.advance(to: 5)
        #expect(m.reassignments()[TopicPartition("t", 0)] == nil)
        #expect(m.replicaIndexMatchesScan())
        #expect(!logDirPartitions(&m, 1).contains(TopicPartition("t", 0)))
        // A cancel goes back to the original replicas.
        try m.alterReassignment(TopicPartition("t", 1), target: [5, 6], at: m.time)
        try m.alterReassignment(TopicPartition("t", 1), target: nil, at: m.time)
        #expect(m.replicaIndexMatchesScan())
        #expect(!logDirPartitions(&m, 5).contains(TopicPartition("t", 1)))
        // Created topics and partitions, then a deleted topic.
        _ = try m.createTopic(SimNewTopic(name: "a", numPartitions: 5, replicationFactor: 3), validateOnly: false, at: m.time)
        try m.createPartitions("a", totalCount: 7, assignments: [[1, 2, 3], [4, 5, 6]], validateOnly: false, at: m.time)
        #expect(m.replicaIndexMatchesScan())
        #expect(logDirPartitions(&m, 6).contains(TopicPartition("a", 6)))
        try m.deleteTopic("a", at: m.time)
        #expect(m.replicaIndexMatchesScan())
        for broker in m.brokerIDs { #expect(logDirPartitions(&m, broker) == scanned(m, broker)) }
    }

    @Test func indexMatchesAScanAfterRandomChanges() throws {
        let seed = try TestSeed.fromEnvironment()
        var random = SplitMix64(seed: seed.value)
        var m = try model(brokers: 7)
        var created = 0
        for step in 0..<300 {
            let now = m.time + Double(random.next() % 3)
            switch random.next() % 5 {
            case 0, 1:
                let names = m.topicNames
                let name = names[Int(random.next() % UInt64(names.count))]
                let count = m.partitionCount(name) ?? 1
                let tp = TopicPartition(name, Int32(random.next() % UInt64(count)))
                var target: [BrokerID] = []
                while target.count < 2 {
                    let broker = BrokerID(Int(random.next() % 7) + 1)
                    if !target.contains(broker) { target.append(broker) }
                }
                try? m.alterReassignment(tp, target: random.next() % 4 == 0 ? nil : target, at: now)
            case 2:
                created += 1
                _ = try m.createTopic(SimNewTopic(name: "n\(created)", numPartitions: Int32(random.next() % 4 + 1), replicationFactor: 2),
                                      validateOnly: false, at: now)
            case 3:
                if let name = m.topicNames.first(where: { $0 != "t" }) { try m.deleteTopic(name, at: now) }
            default:
                m.advance(to: now + 1)
            }
            #expect(m.replicaIndexMatchesScan(), "step \(step), \(seed)")
        }
        for broker in m.brokerIDs { #expect(logDirPartitions(&m, broker) == scanned(m, broker), "\(seed)") }
    }
}
