import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// The load model (docs/planner.md, "Load") on hand-built snapshots, and the capacity file.
@Suite(.offThePool) struct LoadModelTests {
    /// t-0 on [1,2,3] led by 1: 10 in, 30 out. u-0 on [2,3] led by 3 (current) or 2 (preferred): 5 in, 7 out.
    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, diskTotalBytes: 1000, networkInCapacity: 100, networkOutCapacity: 200), Broker(id: 2), Broker(id: 3), Broker(id: 4)],
        topics: [
            TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1, 2, 3], size: 100, leader: 1, bytesInPerSec: 10, bytesOutPerSec: 30)]),
            TopicState(name: "u", partitions: [PartitionState(partition: 0, replicas: [2, 3], size: 40, leader: 3, bytesInPerSec: 5, bytesOutPerSec: 7)]),
        ])

    @Test func networkInIsEveryReplicaAndOutIsFollowersPlusConsumersOnTheLeader() {
        let loads = Self.snapshot.brokerUsage(leaders: .current)
        #expect(loads.map(\.broker) == [1, 2, 3, 4])
        #expect(loads.map(\.networkIn) == [10, 15, 15, 0])
        // Broker 1 leads t-0: 10 x 2 followers + 30 consumed. Broker 3 leads u-0: 5 x 1 + 7.
        #expect(loads.map(\.networkOut) == [50, 0, 12, 0])
        #expect(loads.map(\.diskBytes) == [100, 140, 140, 0])
        #expect(loads[0].networkInShare == 0.1)
        #expect(loads[0].networkOutShare == 0.25)
        #expect(loads[0].diskShare == 0.1)
        #expect(loads[1].networkInShare == nil)
        let preferred = Self.snapshot.brokerUsage(leaders: .preferred)
        #expect(preferred.map(\.networkOut) == [50, 12, 0, 0])
    }

    @Test func aPlanMovesLoadWithItsReplicas() {
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [4, 2, 3])])
        let change = UsageChange(snapshot: Self.snapshot, plan: plan)
        #expect(change.before.map(\.networkIn) == [10, 15, 15, 0])
        #expect(change.after.map(\.networkIn) == [0, 15, 15, 10])
        #expect(change.after.map(\.networkOut) == [0, 12, 0, 50])
        #expect(change.after.map(\.diskBytes) == [0, 140, 140, 100])
        #expect(Self.snapshot.hasTraffic)
        #expect(!ClusterSnapshot(brokers: [Broker(id: 1)], topics: []).hasTraffic)
        #expect(LoadSpread.ratio([10, 20]) == 2)
        #expect(LoadSpread.ratio([0, 20]) == nil)
    }

    @Test func kscaleCapacityFileWithDefaultsAndOverrides() throws {
        let text = #"{"default": {"network_in": "125MB/s", "network_out": "250MB/s", "disk": "2TB"}, "brokers": {"2": {"network_in": "1GB/s"}}}"#
        let capacities = try BrokerCapacities.decode(Data(text.utf8))
        #expect(capacities.capacity(of: 1) == .init(networkIn: 125_000_000, networkOut: 250_000_000, disk: 2_000_000_000_000))
        #expect(capacities.capacity(of: 2).networkIn == 1_000_000_000)
        #expect(capacities.capacity(of: 2).networkOut == 250_000_000)
        let applied = Self.snapshot.withCapacities(capacities)
        #expect(applied.brokers[0].diskTotalBytes == 1000)  // the snapshot's own disk stays
        #expect(applied.brokers[1].diskTotalBytes == 2_000_000_000_000)
        #expect(applied.brokers[0].networkInCapacity == 125_000_000)
        #expect(applied.brokers[1].networkInCapacity == 1_000_000_000)
    }

    @Test func cruiseControlCapacityFilesInItsUnits() throws {
        let text = #"{"brokerCapacities": [{"brokerId": "-1", "capacity": {"DISK": "100000", "CPU": "100", "NW_IN": "10000", "NW_OUT": "20000"}, "doc": "default"}, {"brokerId": "3", "capacity": {"DISK": {"/d1": "1000", "/d2": "3000"}, "NW_IN": "50000"}}]}"#
        let capacities = try BrokerCapacities.decode(Data(text.utf8))
        let kib: Int64 = 1024, mib: Int64 = 1_048_576
        let defaults = BrokerCapacities.Capacity(networkIn: 10_000 * kib, networkOut: 20_000 * kib, disk: 100_000 * mib)
        let third = BrokerCapacities.Capacity(networkIn: 50_000 * kib, networkOut: 20_000 * kib, disk: 4000 * mib)
        #expect(capacities.capacity(of: 1) == defaults)
        #expect(capacities.capacity(of: 3) == third)
    }

    @Test func badCapacityFilesNameTheProblem() {
        let cases: [(String, String)] = [
            ("[1]", "broker capacity file must be a JSON object with \"default\"/\"brokers\" or Cruise Control's \"brokerCapacities\""),
            (#"{"defaults": {}}"#, "broker capacity file: unknown key \"defaults\" (expected \"default\" and \"brokers\")"),
            (#"{"brokers": {"x": {}}}"#, "broker capacity file: \"brokers\" key \"x\" is not a broker id"),
            (#"{"default": {"network_in": "fast"}}"#, "broker capacity file: \"default.network_in\": \"fast\" is not a rate: expected a size per second, such as 50MB/s or 1GiB/s"),
            (#"{"default": {"network_in": "0MB/s"}}"#, "broker capacity file: \"default.network_in\" must be above 0"),
            (#"{"default": {"nw": "1MB/s"}}"#, "broker capacity file: unknown key \"default.nw\" (expected network_in, network_out, disk)"),
            (#"{"brokerCapacities": [{"brokerId": "-1", "capacity": {"NW_IN": "-5"}}]}"#, "broker capacity file: brokerCapacities[0].capacity.NW_IN must be a number above 0"),
        ]
        for (text, message) in cases {
            #expect(throws: InvalidInput(message)) { try BrokerCapacities.decode(Data(text.utf8)) }
        }
        #expect(throws: InvalidInput.self) { try BrokerCapacities.decode(Data("not json".utf8)) }
    }
}

/// The network-in exchanges' index (`RateIndex`), kept current move by move, always equals one
/// built afresh from the layout it describes.
@Suite(.offThePool) struct RateIndexTests {
    /// Six brokers in two racks, twelve partitions of different rates, RF 2.
    static let snapshot = ClusterSnapshot(
        brokers: (1...6).map { Broker(id: $0, rack: $0 <= 3 ? "a" : "b") },
        topics: [TopicState(name: "t", partitions: (0..<12).map { number in
            PartitionState(partition: number, replicas: [number % 3 + 1, number % 3 + 4], size: 100, leader: number % 3 + 1,
                           bytesInPerSec: Int64(10 + (number * 7) % 5), bytesOutPerSec: 0)
        })])

    /// `index` as plain values: per broker, (slot, rate) by rate, for all replicas and changed ones.
    static func contents(_ index: RateIndex) -> [[[Int64]]] {
        [index.byRate, index.changed].map { perBroker in
            perBroker.values.map { rated in (0..<rated.count).flatMap { [Int64(rated[$0].slot.rawValue), rated[$0].rate] } }
        }
    }

    @Test func movesKeepBothListsEqualToAFreshBuild() throws {
        let layout = try LayoutBuilder.build(Self.snapshot, PlanRequest(kind: .rebalance(brokers: nil)))
        var state = LoadedLayout(layout: layout, load: LayoutLoad(layout: layout, snapshot: Self.snapshot))
        var index = RateIndex(state: state)
        #expect(index.changed.values.allSatisfy { $0.count == 0 })
        for broker in layout.brokers {
            let rates = (0..<index.byRate[broker].count).map { index.byRate[broker][$0].rate }
            #expect(rates == rates.sorted())
            #expect(index.byRate[broker].count == 4)
        }
        // Partition 0 (slots 0, 1 on brokers 1 and 4) goes 1 -> 2 -> 3 and back to 1; partition 1's
        // follower 5 -> 6 -> 5.
        let first = SlotIndex(0), follower = SlotIndex(3)
        let steps: [(SlotIndex, BrokerIndex, changed: Bool)] = [
            (first, BrokerIndex(1), true), (first, BrokerIndex(2), true), (follower, BrokerIndex(5), true),
            (first, BrokerIndex(0), true), (follower, BrokerIndex(4), false),
        ]
        for (slot, destination, changedAfter) in steps {
            index.move(slot, to: destination, in: &state)
            #expect(Self.contents(index) == Self.contents(RateIndex(state: state)))
            #expect(index.changed.values.contains { $0.count > 0 } == changedAfter)
        }
    }
}
