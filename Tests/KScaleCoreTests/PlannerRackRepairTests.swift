import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Partitions whose current placement breaks the rack rule (topics created before the brokers had
/// racks, or moved by hand): balance plans repair them, plain scale-in leaves them as they are.
@Suite(.offThePool) struct PlannerRackRepairTests {
    /// 6 brokers over 3 racks (1,4: r0; 2,5: r1; 3,6: r2); partitions 0-11 rack-correct, 12-15
    /// with two or three replicas in one rack.
    static func cluster() -> ClusterSnapshot {
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: "r\(($0 - 1) % 3)") }
        var parts: [PartitionState] = []
        for p in 0..<12 {
            let replicas: [BrokerID] = (0..<3).map { BrokerID((p + $0) % 6 + 1) }
            parts.append(PartitionState(partition: Int32(p), replicas: replicas, size: Int64(p + 1) << 30))
        }
        let broken: [[BrokerID]] = [[1, 4, 2], [2, 5, 3], [3, 6, 1], [1, 4, 2]]
        for (i, replicas) in broken.enumerated() {
            parts.append(PartitionState(partition: Int32(12 + i), replicas: replicas, size: 1 << 30))
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: parts)])
    }

    @Test func rebalanceRepairsEveryBrokenPartitionAndKeepsTheLeader() throws {
        let s = Self.cluster()
        let targets = Set(s.brokers.map(\.id))
        let before = PlanCheck(s, ReassignmentPlan(partitions: []))
        #expect(before.rackViolations(s, targets: targets) == 4)
        let result = try Planner.plan(s, PlanRequest(kind: .rebalance(brokers: nil)))
        let check = PlanCheck(s, result.plan)
        #expect(check.rackViolations(s, targets: targets) == 0)
        #expect(result.summary.rackRepairs == 4)
        // One replica of each broken partition moves; its other replicas stay where they were.
        for p in 12..<16 {
            let tp = TopicPartition("t", Int32(p))
            let old = Set(check.before[tp] ?? []), new = Set(check.after[tp] ?? [])
            #expect(old.subtracting(new).count == 1, "partition \(p): \(old) -> \(new)")
        }
        let counts = check.counts(check.after)
        let values = targets.map { counts[$0] ?? 0 }
        #expect((values.max() ?? 0) - (values.min() ?? 0) <= 1)
    }

    @Test func scaleOutRepairsToo() throws {
        var s = Self.cluster()
        s.brokers += [Broker(id: 7, rack: "r0"), Broker(id: 8, rack: "r1"), Broker(id: 9, rack: "r2")]
        let result = try Planner.plan(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
        #expect(PlanCheck(s, result.plan).rackViolations(s, targets: Set(s.brokers.map(\.id))) == 0)
        #expect(result.summary.rackRepairs == 4)
    }

    @Test func plainScaleInMovesOnlyTheRemovedBrokersReplicas() throws {
        let s = Self.cluster()
        let result = try Planner.plan(s, PlanRequest(kind: .scaleIn(remove: [6], rebalance: false)))
        let check = PlanCheck(s, result.plan)
        #expect(result.summary.replicasMoved == check.counts(check.before)[6])
        #expect(result.summary.rackRepairs == 0)
    }
}
