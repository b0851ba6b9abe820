import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

@Suite(.offThePool) struct PlannerErrorTests {
    let racked = RandomCluster.make(seed: 3, brokers: 6, racks: 3, topics: 4, maxPartitions: 10, rf: 3)

    func message(_ s: ClusterSnapshot, _ r: PlanRequest) -> String? {
        do { _ = try Planner.plan(s, r); return nil } catch let e as InvalidInput { return e.message } catch { return "\(error)" }
    }

    @Test func unknownBrokersAreNamed() {
        let m = message(racked, PlanRequest(kind: .scaleIn(remove: [42], rebalance: false)))
        #expect(m?.contains("42") == true)
        let m2 = message(racked, PlanRequest(kind: .rebalance(brokers: [1, 2, 99])))
        #expect(m2?.contains("99") == true)
    }

    @Test func replicationFactorLargerThanTheBrokersLeft() {
        let m = message(racked, PlanRequest(kind: .scaleIn(remove: [1, 2, 3, 4], rebalance: false), rackAware: false))
        #expect(m?.contains("more replicas than the 2 target broker(s) 5,6") == true)
    }

    @Test func emptyingARackAPartitionNeeds() {
        // Brokers 3 and 6 form rack r2; RF 3 partitions need three racks.
        let m = message(racked, PlanRequest(kind: .scaleIn(remove: [3, 6], rebalance: false)))
        #expect(m?.contains("empties rack(s) r2") == true)
        #expect(message(racked, PlanRequest(kind: .scaleIn(remove: [3, 6], rebalance: false), rackAware: false)) == nil)
    }

    @Test func mixedRacksNeedTheFlag() {
        var s = racked
        s.brokers[0].rack = nil
        let m = message(s, PlanRequest(kind: .rebalance(brokers: nil)))
        #expect(m?.contains("have none") == true)
        #expect(message(s, PlanRequest(kind: .rebalance(brokers: nil), rackAware: false)) == nil)
    }

    @Test func newBrokersNeedARackWhenTheClusterHasRacks() {
        let m = message(racked, PlanRequest(kind: .scaleOut(add: [10])))
        #expect(m?.contains("--new-broker-racks 10=RACK") == true)
        #expect(message(racked, PlanRequest(kind: .scaleOut(add: [10]), newBrokerRacks: [10: "r0"])) == nil)
        let plain = RandomCluster.make(seed: 3, brokers: 4, racks: 0, topics: 3, maxPartitions: 10, rf: 2)
        let r = try? Planner.plan(plain, PlanRequest(kind: .scaleOut(add: [10])))
        #expect((r?.summary.brokers.first { $0.broker == 10 }?.replicasAfter ?? 0) > 0)
    }

    @Test func badRegexAndBudgets() {
        #expect(message(racked, PlanRequest(kind: .leaders, excludeTopics: "(")) != nil)
        #expect(message(racked, PlanRequest(kind: .scaleIn(remove: [1], rebalance: false), maxMoves: 0))?.contains("budget") == true)
    }

    @Test func newPartitionsGoToTheLightestBrokersOnDistinctRacks() throws {
        var s = racked
        s.brokers.append(Broker(id: 7, rack: "r0"))
        let placed = try ReplicaPlacement.placeNewPartitions(in: s, topic: "topic-0", count: 6, replicationFactor: 3, rackAware: true)
        #expect(placed.count == 6)
        let rack = Dictionary(uniqueKeysWithValues: s.brokers.map { ($0.id, $0.rack ?? "") })
        for p in placed {
            #expect(Set(p).count == 3)
            #expect(Set(p.map { rack[$0] ?? "" }).count == 3)
        }
        // The empty broker takes a replica of every new partition placed on rack r0 first.
        #expect(placed.filter { $0.contains(7) }.count >= 3)
        #expect(throws: InvalidInput.self) {
            try ReplicaPlacement.placeNewPartitions(in: s, topic: "t", count: 1, replicationFactor: 8, rackAware: true)
        }
    }
}
