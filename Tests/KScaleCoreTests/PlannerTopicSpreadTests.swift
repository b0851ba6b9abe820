import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Goal 4: each topic spread evenly over the brokers, without a move or a byte of balance more.
@Suite(.offThePool) struct PlannerTopicSpreadTests {
    /// Per topic: max - min of its replicas over `targets`.
    func topicSpreads(_ assignment: [TopicPartition: [BrokerID]], targets: Set<BrokerID>) -> [String: Int] {
        var perTopic: [String: [BrokerID: Int]] = [:]
        for (tp, replicas) in assignment {
            for b in replicas { perTopic[tp.topic, default: [:]][b, default: 0] += 1 }
        }
        return perTopic.mapValues { counts in
            let values = targets.map { counts[$0] ?? 0 }
            return (values.max() ?? 0) - (values.min() ?? 0)
        }
    }

    /// Topics laid out the way Kafka creates them (round-robin, one replica per rack), sizes a
    /// hundredfold apart between topics. A byte-driven choice of what to shed sends one topic's
    /// similar-sized partitions from every broker to the new ones; every topic must instead end
    /// within one replica of its fair share on every broker.
    @Test func scaleOutSpreadsEveryTopicOverTheNewBrokers() throws {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "r\(($0 - 1) % 3)") }
        var topics: [TopicState] = []
        for t in 0..<6 {
            let scale = Int64([1, 10, 100][t % 3]) << 30
            let parts = (0..<24).map { p in
                let first = (p + t) % 6
                return PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((first + $0) % 6 + 1) },
                                      size: scale + Int64(p % 5) * (scale / 10))
            }
            topics.append(TopicState(name: "t\(t)", partitions: parts))
        }
        let snapshot = ClusterSnapshot(brokers: brokers, topics: topics)
        let result = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
        let check = PlanCheck(snapshot, result.plan)
        let targets = Set(brokers.map(\.id))
        // 24 partitions x RF 3 over 9 brokers: 8 of each topic per broker.
        for (topic, spread) in topicSpreads(check.after, targets: targets).sorted(by: { $0.key < $1.key }) {
            #expect(spread <= 1, "topic \(topic) spread \(spread)")
        }
        // ...with the fewest moves: the new brokers take exactly their share, nothing else moves.
        #expect(result.summary.replicasMoved == 3 * 6 * 24 / 3)
        let counts = check.counts(check.after)
        #expect(targets.map { counts[$0] ?? 0 }.allSatisfy { $0 == 48 })
    }

    /// On random clusters, scaling out or in never leaves topics less even than they were:
    /// summed over topics (and racks, for scale-in), the spread after the plan is at most the
    /// spread before it.
    @Test(arguments: Array(UInt64(1)...12))
    func plansNeverLeaveTopicsLessEven(seed: UInt64) throws {
        let racks = Int(seed % 3) == 0 ? 0 : 3
        let out = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3, emptyBrokers: 3)
        let all = Set(out.brokers.map(\.id))
        let grown = PlanCheck(out, try Planner.plan(out, PlanRequest(kind: .scaleOut(add: [7, 8, 9]))).plan)
        let outBefore = topicSpreads(grown.before, targets: all).values.reduce(0, +)
        let outAfter = topicSpreads(grown.after, targets: all).values.reduce(0, +)
        #expect(outAfter <= outBefore, "scale-out: topic spread \(outBefore) -> \(outAfter)")

        // Scale-in, judged inside each rack: with RF = racks every rack holds one replica of each
        // partition, so a rack that loses a broker must hold more per broker than the others.
        let full = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3)
        let shrunk = PlanCheck(full, try Planner.plan(full, PlanRequest(kind: .scaleIn(remove: [8, 9], rebalance: false))).plan)
        var inBefore = 0, inAfter = 0
        for rack in Set(full.brokers.map(\.rack)) {
            let kept = Set(full.brokers.filter { $0.rack == rack }.map(\.id)).subtracting([8, 9])
            inBefore += topicSpreads(shrunk.before, targets: kept).values.reduce(0, +)
            inAfter += topicSpreads(shrunk.after, targets: kept).values.reduce(0, +)
        }
        #expect(inAfter <= inBefore, "scale-in: topic spread \(inBefore) -> \(inAfter)")
    }
}
