import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Plans of snapshots with traffic: network in and out are evened (LoadBalance) while counts,
/// bytes and the rack rule keep their targets, and plans without traffic are unchanged by it.
@Suite(.offThePool) struct PlannerLoadTests {
    /// Brokers 1...count on three racks, RF 3, one replica per rack; the partitions led by the first
    /// `hot` brokers carry `hotFactor` times the traffic. `followersAtRandom` places the other
    /// replicas on random brokers of their racks (as gen_cluster.py does), otherwise round-robin, so
    /// each hot broker's followers sit on fixed partners and half the cluster is hot.
    static func skewed(brokers count: Int, partitions: Int, hot: Int, hotFactor: Int64, seed: UInt64, newBrokers: Int = 0,
                       followersAtRandom: Bool = false) -> ClusterSnapshot {
        var random = SplitMix64(seed: seed)
        let racks = ["a", "b", "c"]
        let brokers = (1...(count + newBrokers)).map { Broker(id: BrokerID($0), rack: racks[($0 - 1) % 3]) }
        let perRack = (0..<3).map { rack in (1...count).filter { ($0 - 1) % 3 == rack } }
        var states: [PartitionState] = []
        for number in 0..<partitions {
            let replicas = (0..<3).map { offset in
                let rack = perRack[(number + offset) % 3]
                let member = followersAtRandom && offset > 0 ? Int(random.next() % UInt64(rack.count)) : (number / 3 + offset) % rack.count
                return BrokerID(rack[member])
            }
            let base = Int64(50_000 + random.next() % 100_000)
            let rate = replicas[0] <= BrokerID(hot) ? base * hotFactor : base
            states.append(PartitionState(partition: Int32(number), replicas: replicas, size: Int64(1_000_000 + random.next() % 1_000_000),
                                         leader: replicas[0], bytesInPerSec: rate, bytesOutPerSec: rate * 2))
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "events", partitions: states)])
    }

    static func ratio(_ usage: [BrokerUsage], _ value: KeyPath<BrokerUsage, Int64>, among brokers: Set<BrokerID>) -> Double {
        LoadSpread.ratio(usage.filter { brokers.contains($0.broker) }.map { $0[keyPath: value] }) ?? .infinity
    }

    @Test(arguments: [UInt64(1), 2])
    func rebalanceEvensNetworkInAndOut(seed: UInt64) throws {
        let snapshot = Self.skewed(brokers: 12, partitions: 480, hot: 2, hotFactor: 4, seed: seed)
        let all = Set(snapshot.brokers.map(\.id))
        let before = snapshot.brokerUsage(leaders: .current)
        #expect(Self.ratio(before, \.networkIn, among: all) > 1.3, "the fixture is skewed")
        let result = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil)))
        let after = snapshot.applying(result.plan).brokerUsage(leaders: .preferred)
        #expect(Self.ratio(after, \.networkIn, among: all) <= 1.10, "\(after.map(\.networkIn))")
        #expect(Self.ratio(after, \.networkOut, among: all) <= 1.15, "\(after.map(\.networkOut))")
        #expect(Self.ratio(after, \.diskBytes, among: all) <= 1.10)
        let counts = result.summary.brokers.map(\.replicasAfter)
        let mean = Double(counts.reduce(0, +)) / Double(counts.count)
        #expect(counts.allSatisfy { abs(Double($0) - mean) <= mean * 0.05 }, "\(counts)")
        #expect(result.summary.load?.after == after)
        #expect(result.summary.rackRepairs == 0)
        for line in result.plan.partitions {
            #expect(Set(line.replicas.map { ($0 - 1) % 3 }).count == 3, "rack rule kept: \(line)")
        }
    }

    @Test func scaleOutTakesLoadOntoTheNewBrokers() throws {
        let snapshot = Self.skewed(brokers: 12, partitions: 1200, hot: 2, hotFactor: 4, seed: 9, newBrokers: 3, followersAtRandom: true)
        let all = Set(snapshot.brokers.map(\.id))
        let before = Self.ratio(snapshot.brokerUsage(leaders: .current), \.networkIn, among: all.subtracting([13, 14, 15]))
        let result = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [13, 14, 15])))
        let after = snapshot.applying(result.plan).brokerUsage(leaders: .preferred)
        // The 1.10 is met on gen_cluster.py's hot-broker clusters (docs/benchmarks.md); on this
        // one, within 1.05 x the count bound in moves, the exchanges reach about 1.2 from 1.5.
        #expect(Self.ratio(after, \.networkIn, among: all) <= 1.25, "\(after.map(\.networkIn)), before \(before)")
        #expect(Self.ratio(after, \.networkIn, among: all) < before * 0.85, "before \(before)")
        #expect(Self.ratio(after, \.diskBytes, among: all) <= 1.05, "\(after.map(\.diskBytes))")
        // The count lower bound: the new brokers' share of 3600 replicas over 15 brokers.
        let bound = 3 * (3600 / 15)
        #expect(result.summary.replicasMoved <= bound * 105 / 100, "\(result.summary.replicasMoved) moves for a bound of \(bound)")
    }

    /// Without traffic the load phase does nothing: the same plan with the rates stripped.
    @Test func plansWithoutTrafficAreUnchanged() throws {
        var snapshot = Self.skewed(brokers: 6, partitions: 300, hot: 1, hotFactor: 3, seed: 4)
        for topic in snapshot.topics.indices {
            for partition in snapshot.topics[topic].partitions.indices {
                snapshot.topics[topic].partitions[partition].bytesInPerSec = nil
                snapshot.topics[topic].partitions[partition].bytesOutPerSec = nil
            }
        }
        let result = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil)))
        #expect(result.summary.load == nil)
        #expect(!snapshot.hasTraffic)
    }
}
