import KScaleCore
import Testing
@testable import KafkaSim

/// The traffic model's network sharing on explicit simulated times: a broker's snapshot network
/// capacity carries client traffic first, and move copies onto it share what is left.
struct TrafficModelTests {
    static let mb: Int64 = 1_000_000

    /// Broker 3 has 100 MB/s in and leads `busy`, produced at 60 MB/s; broker 2 has no capacity.
    func model() throws -> ClusterModel {
        let snap = ClusterSnapshot(
            brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c", networkInCapacity: 100 * Self.mb)],
            topics: [
                TopicState(name: "busy", partitions: [PartitionState(partition: 0, replicas: [3], size: 0, bytesInPerSec: 60 * Self.mb)]),
                TopicState(name: "moving", partitions: [PartitionState(partition: 0, replicas: [1], size: 40 * Self.mb),
                                                        PartitionState(partition: 1, replicas: [1], size: 40 * Self.mb)]),
            ])
        return try ClusterModel(snapshot: snap, settings: .init(brokerNetworkBytesPerSec: 1e9))
    }

    @Test func aMoveOntoABusyBrokerCopiesWhatItsTrafficLeaves() throws {
        var m = try model()
        let onBusy = TopicPartition("moving", 0), onIdle = TopicPartition("moving", 1)
        try m.alterReassignment(onBusy, target: [3], at: 0)
        try m.alterReassignment(onIdle, target: [2], at: 0)
        // Onto broker 2 (no capacity): half of leader 1's 1 GB/s --broker-network, 40 MB in 0.08 s.
        m.advance(to: 0.1)
        #expect(m.reassignments()[onIdle] == nil)
        // Onto broker 3: 100 − 60 MB/s left, 40 MB in 1 s.
        m.advance(to: 0.9)
        #expect(m.reassignments()[onBusy] != nil)
        m.advance(to: 1.1)
        #expect(m.reassignments()[onBusy] == nil)
    }

    @Test func aSaturatedBrokerStillCopiesAtTheFloor() throws {
        var m = try model()
        try m.setTraffic([SimTrafficChange(topic: "busy", bytesInPerSec: Double(150 * Self.mb))], at: 0)
        let tp = TopicPartition("moving", 0)
        try m.alterReassignment(tp, target: [3], at: 0)
        // 5% of 100 MB/s: 40 MB in 8 s.
        m.advance(to: 7.9)
        #expect(m.reassignments()[tp] != nil)
        m.advance(to: 8.1)
        #expect(m.reassignments()[tp] == nil)
    }

    @Test func countersFollowLeadershipAndRateChanges() throws {
        var m = try model()
        m.advance(to: 10)
        #expect(m.trafficCounters(broker: 3)["busy"] == TrafficCounters(bytesIn: Double(600 * Self.mb), messagesIn: Double(600 * Self.mb) / 1024))
        try m.setTraffic([SimTrafficChange(topic: "busy", bytesInPerSec: 0)], at: 10)
        m.advance(to: 20)
        #expect(m.trafficCounters(broker: 3)["busy"]?.bytesIn == Double(600 * Self.mb))
        #expect(m.trafficCounters(broker: 1)["busy"] == nil)
    }
}
