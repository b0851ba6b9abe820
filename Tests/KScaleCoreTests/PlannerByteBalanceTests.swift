import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Goal 2, bytes per broker balanced, on random clusters (seeded `RandomCluster`, heavy-tailed
/// sizes: topic scales from 1 to 10^6, partitions 1-4x their topic's scale).
///
/// The baseline is a count-only plan: the same cluster planned with every partition the same
/// size, so the planner balances counts (and topics) and cannot see bytes; its assignment is then
/// weighed with the real sizes. Byte balance must never come out worse than that.
///
/// The bound, for a scale-out onto empty brokers (the shedding brokers choose freely which of
/// their replicas leave, and the moves are needed for counts anyway): with counts fixed, bytes
/// can only be evened by choosing which replicas go where, and the coarsest step is the largest
/// replica. So each balance group must end with bytes max - min within one largest replica of the
/// cluster plus the polish tolerance (0.1% of the lightest broker, where free exchanges stop).
/// Rebalance and scale-in `--rebalance` move little beyond the count lower bound on purpose (a
/// tenth of it at most for bytes), so a cluster whose counts are nearly even but bytes are not
/// stays uneven: there the bound is relative, never worse than the snapshot (rebalance) and never
/// worse than the count-only plan.
@Suite(.offThePool) struct PlannerByteBalanceTests {
    /// The cluster with every partition the same size.
    static func sizesEqual(_ s: ClusterSnapshot) -> ClusterSnapshot {
        var out = s
        for t in out.topics.indices {
            for p in out.topics[t].partitions.indices { out.topics[t].partitions[p].size = 1 << 30 }
        }
        return out
    }

    /// Bytes per broker of `targets` after `plan`, with the snapshot's real sizes.
    static func bytes(_ s: ClusterSnapshot, _ plan: ReassignmentPlan, targets: [BrokerID]) -> [BrokerID: Int64] {
        let check = PlanCheck(s, plan)
        var bytes = Dictionary(uniqueKeysWithValues: targets.map { ($0, Int64(0)) })
        for (tp, replicas) in check.after {
            for b in replicas where bytes[b] != nil { bytes[b, default: 0] += check.size[tp] ?? 0 }
        }
        return bytes
    }

    /// The balance groups the planner judges (one per rack when RF equals the racks, else all).
    static func groups(_ s: ClusterSnapshot, targets: [BrokerID], rf: Int) -> [[BrokerID]] {
        let racks = Set(s.brokers.compactMap(\.rack))
        guard racks.count > 1, racks.count == rf else { return [targets] }
        return racks.sorted().map { r in targets.filter { t in s.brokers.first { $0.id == t }?.rack == r } }
    }

    struct Spread {
        var ratio: Double
        var gap: Int64
        var lightest: Int64
    }

    /// Worst max/min (and its max - min) over the groups.
    static func spread(_ bytes: [BrokerID: Int64], groups: [[BrokerID]]) -> Spread {
        var worst = Spread(ratio: 1, gap: 0, lightest: 0)
        for g in groups {
            let values = g.map { bytes[$0] ?? 0 }
            guard let lo = values.min(), let hi = values.max(), lo > 0 else { continue }
            let ratio = Double(hi) / Double(lo)
            if ratio > worst.ratio { worst = Spread(ratio: ratio, gap: hi - lo, lightest: lo) }
        }
        return worst
    }

    enum Bound { case withinLargestReplica, noWorseThanSnapshot, countOnlyOnly }

    func check(_ s: ClusterSnapshot, _ request: PlanRequest, targets: [BrokerID], rf: Int, bound: Bound, label: String) throws {
        let groups = Self.groups(s, targets: targets, rf: rf)
        let planned = Self.spread(Self.bytes(s, try Planner.plan(s, request).plan, targets: targets), groups: groups)
        let countOnlyPlan = try Planner.plan(Self.sizesEqual(s), request).plan
        let countOnly = Self.spread(Self.bytes(s, countOnlyPlan, targets: targets), groups: groups)
        #expect(planned.ratio <= countOnly.ratio, "\(label): bytes max/min \(planned.ratio), count-only plan \(countOnly.ratio)")
        switch bound {
        case .withinLargestReplica:
            let largest = s.topics.flatMap(\.partitions).compactMap(\.size).max() ?? 0
            let tolerance = planned.lightest / 1000
            #expect(planned.gap <= largest + tolerance,
                    "\(label): bytes max - min \(planned.gap) over the largest replica \(largest) (max/min \(planned.ratio))")
        case .noWorseThanSnapshot:
            let before = Self.spread(Self.bytes(s, ReassignmentPlan(partitions: []), targets: targets), groups: groups)
            #expect(planned.ratio <= before.ratio, "\(label): bytes max/min \(before.ratio) -> \(planned.ratio)")
        case .countOnlyOnly:
            break
        }
    }

    @Test(arguments: Array(UInt64(1)...12))
    func scaleOutBalancesBytesWithinOneLargestReplica(seed: UInt64) throws {
        let racks = seed % 3 == 0 ? 0 : 3
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3, emptyBrokers: 3)
        try check(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9])), targets: s.brokers.map(\.id), rf: 3, bound: .withinLargestReplica,
                  label: "scale-out seed \(seed)")
    }

    @Test(arguments: Array(UInt64(1)...12))
    func rebalanceNeverLeavesBytesWorse(seed: UInt64) throws {
        let racks = seed % 3 == 0 ? 0 : 3
        let s = RandomCluster.make(seed: seed &* 31, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3)
        try check(s, PlanRequest(kind: .rebalance(brokers: nil)), targets: s.brokers.map(\.id), rf: 3, bound: .noWorseThanSnapshot,
                  label: "rebalance seed \(seed)")
    }

    @Test(arguments: Array(UInt64(1)...12))
    func scaleInWithRebalanceBeatsACountOnlyPlan(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed &* 17, brokers: 10, racks: 0, topics: 8, maxPartitions: 40, rf: 2)
        let targets = s.brokers.map(\.id).filter { $0 != 10 }
        try check(s, PlanRequest(kind: .scaleIn(remove: [10], rebalance: true)), targets: targets, rf: 2, bound: .countOnlyOnly,
                  label: "scale-in seed \(seed)")
    }
}
