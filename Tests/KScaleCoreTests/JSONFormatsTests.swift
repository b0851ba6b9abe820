import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

@Suite(.offThePool) struct JSONFormatsTests {
    /// `PartitionFinder` finds partitions listed in number order by position and the others
    /// through their own table, and nothing that is not there.
    @Test func partitionFinderFindsEveryPartitionListedInAnyOrder() {
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2)], topics: [
            TopicState(name: "ordered", partitions: (0..<3).map { PartitionState(partition: Int32($0), replicas: [1], size: Int64($0)) }),
            TopicState(name: "shuffled", partitions: [2, 0, 5].map { PartitionState(partition: $0, replicas: [2], size: 10 * Int64($0)) }),
        ])
        let finder = snapshot.partitionFinder
        for (tp, partition) in snapshot.allPartitions { #expect(finder[tp] == partition) }
        #expect(finder[TopicPartition("ordered", 3)] == nil)
        #expect(finder[TopicPartition("shuffled", 1)] == nil)
        #expect(finder[TopicPartition("shuffled", 5)]?.size == 50)
        #expect(finder[TopicPartition("absent", 0)] == nil)
    }

    @Test func planRoundTripsInKafkaLayout() throws {
        let plan = ReassignmentPlan(partitions: [
            PartitionAssignment(topic: "orders", partition: 1, replicas: [3, 1, 2]),
            PartitionAssignment(topic: "orders", partition: 0, replicas: [1, 2, 3], logDirs: ["any", "/d1", "any"]),
        ])
        let text = String(decoding: plan.encoded(), as: UTF8.self)
        #expect(text.hasPrefix("{\"version\":1,\"partitions\":[\n{\"topic\":\"orders\",\"partition\":0,\"replicas\":[1,2,3],\"log_dirs\":[\"any\",\"/d1\",\"any\"]}"))
        let back = try ReassignmentPlan.decode(plan.encoded())
        #expect(back.partitions.count == 2)
        #expect(back.partitions[1].replicas == [3, 1, 2])
        #expect(back.partitions[1].logDirs == ["any", "any", "any"])
    }

    @Test func snapshotIgnoresUnknownFieldsAndRejectsBadReplicas() throws {
        let good = #"{"format":"kafka-cluster-v1","params":{"x":1},"brokers":[{"id":1,"rack":null},{"id":2}],"topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,2],"size":10,"extra":true}]}]}"#
        let s = try ClusterSnapshot.decode(Data(good.utf8))
        #expect(s.brokers.map(\.id) == [1, 2])
        #expect(s.replicaCount == 2)
        let unknownBroker = good.replacingOccurrences(of: "[1,2],", with: "[1,9],")
        #expect(throws: InvalidInput("partition t-0 has a replica on broker 9, which is not in the snapshot's broker list")) {
            try ClusterSnapshot.decode(Data(unknownBroker.utf8))
        }
        let dup = good.replacingOccurrences(of: "[1,2],", with: "[1,1],")
        #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data(dup.utf8)) }
        #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data("{\"format\":\"x\"}".utf8)) }
    }

    /// `"cordoned": true` on a broker (written by `kscale snapshot` for KIP-1066 cordons) reads
    /// back; false and null read as not cordoned; a snapshot without the field reads as before and
    /// encodes without it.
    @Test func snapshotCarriesCordonedBrokers() throws {
        let text = #"{"format":"kafka-cluster-v1","brokers":[{"id":1,"cordoned":true},{"id":2,"cordoned":false},{"id":3,"cordoned":null},{"id":4}],"topics":[]}"#
        let s = try ClusterSnapshot.decode(Data(text.utf8))
        #expect(s.brokers.map(\.cordoned) == [true, false, nil, nil])
        #expect(s.cordonedBrokers == [1])
        let old = #"{"brokers":[{"id":1},{"id":2,"rack":"a"}],"format":"kafka-cluster-v1","topics":[]}"#
        let parsed = try ClusterSnapshot.decode(Data(old.utf8))
        #expect(parsed.cordonedBrokers.isEmpty)
        #expect(String(decoding: try parsed.encoded(), as: UTF8.self) == old)
        let bad = text.replacingOccurrences(of: #""cordoned":true"#, with: #""cordoned":"yes""#)
        #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data(bad.utf8)) }
    }

    /// The load fields (issue 14): per partition `bytes_in_per_sec`/`bytes_out_per_sec` (whole or
    /// decimal, rounded), per broker `network_in_capacity`/`network_out_capacity`, and the
    /// snapshot's `consumer_groups`; they round-trip, and a snapshot without them encodes as before.
    @Test func snapshotCarriesTrafficCapacitiesAndGroups() throws {
        let text = #"{"brokers":[{"id":1,"network_in_capacity":125000000,"network_out_capacity":1.25e8}],"consumer_groups":[{"group":"billing","topics":["t"]}],"format":"kafka-cluster-v1","topics":[{"name":"t","partitions":[{"bytes_in_per_sec":1000.6,"bytes_out_per_sec":3000,"partition":0,"replicas":[1]}]}]}"#
        let s = try ClusterSnapshot.decode(Data(text.utf8))
        #expect(s.brokers[0].networkInCapacity == 125_000_000)
        #expect(s.brokers[0].networkOutCapacity == 125_000_000)
        #expect(s.topics[0].partitions[0].bytesInPerSec == 1001)
        #expect(s.topics[0].partitions[0].bytesOutPerSec == 3000)
        #expect(s.consumerGroups == [ConsumerGroupState(group: "billing", topics: ["t"])])
        #expect(try ClusterSnapshot.decode(s.encoded()) == s)
        let negative = text.replacingOccurrences(of: "3000", with: "-5")
        #expect(throws: InvalidInput("partition t-0 has a negative bytes_out_per_sec -5")) {
            try ClusterSnapshot.decode(Data(negative.utf8))
        }
        let zeroCapacity = text.replacingOccurrences(of: "125000000", with: "0")
        #expect(throws: InvalidInput("broker 1 has a network_in_capacity of 0; it must be above 0")) {
            try ClusterSnapshot.decode(Data(zeroCapacity.utf8))
        }
        let notANumber = text.replacingOccurrences(of: "1000.6", with: "\"fast\"")
        #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data(notANumber.utf8)) }
    }

    /// Every plan keeps new replicas off cordoned brokers, except the brokers a scale-out adds.
    @Test func cordonedBrokersAreKeptOffExceptTheOnesAdded() {
        let s = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 4, cordoned: true), Broker(id: 9, cordoned: true)], topics: [])
        #expect(s.cordonKeepOff(for: .rebalance(brokers: nil)) == [4, 9])
        #expect(s.cordonKeepOff(for: .scaleIn(remove: [1], rebalance: false)) == [4, 9])
        #expect(s.cordonKeepOff(for: .scaleOut(add: [7, 9])) == [4])
    }
}

/// kscale's plans record each partition's replicas when the plan was made (`original_replicas`)
/// and stay a file Kafka's own tool reads: kafka-reassign-partitions.sh
/// (ReassignPartitionsCommand.java, `parsePartitionReassignmentData`) looks up `version` and
/// `partitions`, and in each line `topic`, `partition`, `replicas` and `log_dirs`, ignoring the rest.
@Suite(.offThePool) struct PlanRecordFormatTests {
    /// What Kafka's tool takes from a reassignment file, read the way it reads one: only the
    /// fields it names, `version` defaulting to 1 and `log_dirs` to "any" per replica.
    struct KafkaLine: Equatable { var topic: String; var partition: Int; var replicas: [Int]; var logDirs: [String] }

    static func asKafkaReadsIt(_ data: Data) throws -> (version: Int, lines: [KafkaLine]) {
        let top = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let version = top["version"] as? Int ?? 1
        let partitions = try #require(top["partitions"] as? [[String: Any]])
        let lines = try partitions.map { fields -> KafkaLine in
            let replicas = try #require(fields["replicas"] as? [Int])
            return KafkaLine(topic: try #require(fields["topic"] as? String), partition: try #require(fields["partition"] as? Int),
                             replicas: replicas, logDirs: fields["log_dirs"] as? [String] ?? replicas.map { _ in "any" })
        }
        return (version, lines)
    }

    static let recorded = ReassignmentPlan(partitions: [
        PartitionAssignment(topic: "orders", partition: 0, replicas: [4, 2, 3], originalReplicas: [1, 2, 3]),
        PartitionAssignment(topic: "orders", partition: 1, replicas: [2, 3, 4], logDirs: ["any", "/d1", "any"], originalReplicas: [2, 3, 1]),
        PartitionAssignment(topic: "logs", partition: 0, replicas: [1, 4]),
    ])

    @Test func theRecordRoundTripsAndKafkasFieldsAreUnchanged() throws {
        let written = Self.recorded.encoded()
        let text = String(decoding: written, as: UTF8.self)
        #expect(text.contains(#"{"topic":"orders","partition":0,"replicas":[4,2,3],"log_dirs":["any","any","any"],"original_replicas":[1,2,3]}"#), "\(text)")
        let back = try ReassignmentPlan.decode(written)
        #expect(back.asksForTheSame(as: Self.recorded))
        #expect(back.partitions.map(\.originalReplicas) == [nil, [1, 2, 3], [2, 3, 1]])

        // What Kafka's tool reads from the file is what it reads from the same plan without the record.
        let withoutRecord = Self.recorded.encoded(recordingOriginals: false)
        #expect(!String(decoding: withoutRecord, as: UTF8.self).contains("original_replicas"))
        let kafkaReads = try Self.asKafkaReadsIt(written)
        let kafkaReadsWithout = try Self.asKafkaReadsIt(withoutRecord)
        #expect(kafkaReads.version == 1)
        #expect(kafkaReads.lines == kafkaReadsWithout.lines)
        #expect(kafkaReads.lines.map(\.replicas) == [[1, 4], [4, 2, 3], [2, 3, 4]])
        // The record is a field of its line, beside the ones Kafka reads; nothing else is added.
        let top = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        #expect(Set(top.keys) == ["version", "partitions"])
        let keys = try #require(top["partitions"] as? [[String: Any]]).map { Set($0.keys) }
        #expect(keys == [["topic", "partition", "replicas", "log_dirs"],
                         ["topic", "partition", "replicas", "log_dirs", "original_replicas"],
                         ["topic", "partition", "replicas", "log_dirs", "original_replicas"]])
    }

    /// A plan as Kafka's `--generate` writes it (formatAsReassignmentJson) reads with no record;
    /// what the record is and what a line asks for are apart.
    @Test func kafkasOwnPlansReadWithoutARecordAndAskForTheSame() throws {
        let generated = #"{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[4,2,3],"log_dirs":["any","any","any"]}]}"#
        let plan = try ReassignmentPlan.decode(Data(generated.utf8))
        #expect(plan.partitions.map(\.originalReplicas) == [nil])
        let same = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [4, 2, 3], originalReplicas: [1, 2, 3])])
        #expect(plan.asksForTheSame(as: same))
    }

    @Test func aMalformedRecordIsRefusedNamingThePartition() {
        let empty = #"{"version":1,"partitions":[{"topic":"t","partition":3,"replicas":[1,2],"original_replicas":[]}]}"#
        #expect(throws: InvalidInput("reassignment JSON records no original_replicas for partition t-3: an empty list")) {
            try ReassignmentPlan.decode(Data(empty.utf8))
        }
        let twice = #"{"version":1,"partitions":[{"topic":"t","partition":3,"replicas":[1,2],"original_replicas":[1,1]}]}"#
        #expect(throws: InvalidInput("reassignment JSON lists a broker twice in the original_replicas of partition t-3: [1, 1]")) {
            try ReassignmentPlan.decode(Data(twice.utf8))
        }
    }

    /// The planner records what it planned from: each line's originals are its rollback line.
    @Test func thePlannerRecordsTheRollbackInThePlan() throws {
        let brokers: [Broker] = (1...4).map { Broker(id: BrokerID($0)) }
        var partitions: [PartitionState] = []
        for index in 0..<6 {
            let replicas: [BrokerID] = [BrokerID(index % 3 + 1), BrokerID((index + 1) % 3 + 1)]
            partitions.append(PartitionState(partition: Int32(index), replicas: replicas, size: 100))
        }
        let snapshot = ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)])
        let result = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [4])))
        let lines: [PartitionAssignment] = result.plan.partitions
        let rollback: [PartitionAssignment] = result.rollback.partitions
        #expect(!lines.isEmpty)
        #expect(lines.map { $0.originalReplicas } == rollback.map { Optional($0.replicas) })
        #expect(lines.map { $0.topicPartition } == rollback.map { $0.topicPartition })
    }
}
