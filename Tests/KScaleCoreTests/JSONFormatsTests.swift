import Foundation
import Testing
@testable import KScaleCore

@Suite struct JSONFormatsTests {
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

    /// Every plan keeps new replicas off cordoned brokers, except the brokers a scale-out adds.
    @Test func cordonedBrokersAreKeptOffExceptTheOnesAdded() {
        let s = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 4, cordoned: true), Broker(id: 9, cordoned: true)], topics: [])
        #expect(s.cordonKeepOff(for: .rebalance(brokers: nil)) == [4, 9])
        #expect(s.cordonKeepOff(for: .scaleIn(remove: [1], rebalance: false)) == [4, 9])
        #expect(s.cordonKeepOff(for: .scaleOut(add: [7, 9])) == [4])
    }
}
