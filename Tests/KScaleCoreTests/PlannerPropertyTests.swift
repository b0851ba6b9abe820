import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

@Suite(.offThePool) struct PlannerPropertyTests {
    static let seeds: [UInt64] = Array(1...12)

    /// Shared invariants: RF kept, no duplicates, only target brokers, unchanged partitions left out,
    /// the rollback restores the snapshot, and the same input gives the same bytes.
    func checkCommon(_ s: ClusterSnapshot, _ request: PlanRequest, targets: Set<BrokerID>) throws -> (PlanResult, PlanCheck) {
        let result = try Planner.plan(s, request)
        let check = PlanCheck(s, result.plan)
        for line in result.plan.partitions {
            let old = check.before[line.topicPartition]
            #expect(old != nil)
            #expect(line.replicas.count == old?.count, "RF changed for \(line.topicPartition)")
            #expect(Set(line.replicas).count == line.replicas.count, "duplicate broker in \(line.topicPartition)")
            #expect(line.replicas != old, "unchanged partition \(line.topicPartition) listed")
        }
        for (tp, reps) in check.after where check.before[tp] != reps {
            #expect(reps.allSatisfy(targets.contains), "\(tp) placed outside the target brokers: \(reps)")
        }
        #expect(result.rollback.partitions.map(\.topicPartition) == result.plan.partitions.map(\.topicPartition))
        for line in result.rollback.partitions { #expect(check.before[line.topicPartition] == line.replicas) }
        #expect(result.summary.replicasMoved == check.replicasMoved)
        #expect(result.summary.bytesMoved == check.bytesMoved)
        let again = try Planner.plan(s, request)
        #expect(again.plan.encoded() == result.plan.encoded(), "not deterministic")
        return (result, check)
    }

    func spread(_ values: [Int]) -> Int { (values.max() ?? 0) - (values.min() ?? 0) }

    @Test(arguments: seeds)
    func scaleOutBalancesWithTheFewestMoves(seed: UInt64) throws {
        let racks = Int(seed % 3) == 0 ? 0 : 3
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3, emptyBrokers: 3)
        let targets = Set(s.brokers.map(\.id))
        let (result, check) = try checkCommon(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9])), targets: targets)
        let counts = check.counts(check.after)
        #expect(spread(targets.map { counts[$0] ?? 0 }) <= 1)
        #expect(spread(targets.map { check.leaders()[$0] ?? 0 }) <= 1)
        #expect(check.rackViolations(s, targets: targets) == 0)
        // Moves equal the count lower bound: every broker above its goal sheds exactly its surplus.
        let before = check.counts(check.before)
        let total = before.values.reduce(0, +)
        let q = total / targets.count, r = total % targets.count
        let sorted = targets.map { before[$0] ?? 0 }.sorted(by: >)
        let lb = sorted.enumerated().reduce(0) { $0 + max(0, $1.element - (q + ($1.offset < r ? 1 : 0))) }
        #expect(result.summary.replicasMoved == lb)
    }

    @Test(arguments: seeds)
    func scaleInMovesExactlyTheRemovedReplicas(seed: UInt64) throws {
        let racks = Int(seed % 3) == 0 ? 0 : 3
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3)
        let removed: Set<BrokerID> = [8, 9]
        let targets = Set(s.brokers.map(\.id)).subtracting(removed)
        let (result, check) = try checkCommon(s, PlanRequest(kind: .scaleIn(remove: [8, 9], rebalance: false)), targets: targets)
        let before = check.counts(check.before)
        #expect(result.summary.replicasMoved == (before[8] ?? 0) + (before[9] ?? 0))
        let after = check.counts(check.after)
        #expect((after[8] ?? 0) == 0 && (after[9] ?? 0) == 0)
        #expect(check.rackViolations(s, targets: targets) == 0)
        #expect(spread(targets.map { check.leaders()[$0] ?? 0 }) <= 1)
    }

    @Test(arguments: seeds)
    func scaleInWithRebalanceEndsBalanced(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed, brokers: 10, racks: 0, topics: 8, maxPartitions: 40, rf: 2)
        let targets = Set(s.brokers.map(\.id)).subtracting([10])
        let (_, check) = try checkCommon(s, PlanRequest(kind: .scaleIn(remove: [10], rebalance: true)), targets: targets)
        let after = check.counts(check.after)
        #expect((after[10] ?? 0) == 0)
        #expect(spread(targets.map { after[$0] ?? 0 }) <= 1)
    }

    @Test(arguments: seeds)
    func rebalanceKeepsRacksAndBalancesCounts(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed &* 7, brokers: 7, racks: 2, topics: 10, maxPartitions: 30, rf: 2)
        let targets = Set(s.brokers.map(\.id))
        let (_, check) = try checkCommon(s, PlanRequest(kind: .rebalance(brokers: nil)), targets: targets)
        let after = check.counts(check.after)
        #expect(check.rackViolations(s, targets: targets) == 0)
        // RF equals the racks, so each rack holds one replica of every partition: balance is per rack.
        for rack in ["r0", "r1"] {
            let members = s.brokers.filter { $0.rack == rack }.map(\.id)
            #expect(spread(members.map { after[$0] ?? 0 }) <= 1, "rack \(rack)")
        }
        #expect(spread(targets.map { check.leaders()[$0] ?? 0 }) <= 1)
    }

    @Test(arguments: seeds)
    func budgetsAreRespected(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: 3, topics: 8, maxPartitions: 40, rf: 3, emptyBrokers: 3)
        let full = try Planner.plan(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
        let maxMoves = full.summary.replicasMoved / 3
        let maxBytes = full.summary.bytesMoved / 4
        let targets = Set(s.brokers.map(\.id))
        let (byMoves, _) = try checkCommon(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9]), maxMoves: maxMoves), targets: targets)
        #expect(byMoves.summary.replicasMoved <= maxMoves)
        #expect(byMoves.summary.replicasMoved > 0)
        let (byBytes, check) = try checkCommon(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9]), maxBytes: maxBytes), targets: targets)
        #expect(byBytes.summary.bytesMoved <= maxBytes)
        #expect(check.rackViolations(s, targets: targets) == 0)
    }

    /// A move budget buys the best count balance there is: every move goes from a broker above
    /// its goal to one below, so each lowers the residual lower bound by one, and the budget is
    /// used up. No plan of `M` moves can end closer to balance.
    @Test(arguments: seeds)
    func moveBudgetBuysOneUnitOfBalancePerMove(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: 0, topics: 8, maxPartitions: 40, rf: 3, emptyBrokers: 3)
        let targets = Set(s.brokers.map(\.id))
        func residual(_ counts: [BrokerID: Int]) -> Int {
            let values = targets.map { counts[$0] ?? 0 }.sorted(by: >)
            let total = values.reduce(0, +), q = total / values.count, r = total % values.count
            return values.enumerated().reduce(0) { $0 + max(0, $1.element - (q + ($1.offset < r ? 1 : 0))) }
        }
        let full = try Planner.plan(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
        let lb = full.summary.replicasMoved
        for budget in [lb / 5, lb / 2, lb - 1] {
            let (result, check) = try checkCommon(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9]), maxMoves: budget), targets: targets)
            #expect(result.summary.replicasMoved == budget, "budget \(budget) of \(lb) not used up")
            #expect(residual(check.counts(check.after)) == lb - budget)
        }
    }

    /// A stepped scale-in plans step 1 with step 2's brokers kept off: nothing lands there, they
    /// keep what they hold, and the moves are still exactly the removed brokers' replicas.
    @Test(arguments: seeds)
    func brokersKeptOffTakeNothingNew(seed: UInt64) throws {
        let racks = Int(seed % 3) == 0 ? 0 : 3
        let s = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 40, rf: 3)
        let request = PlanRequest(kind: .scaleIn(remove: [7], rebalance: false), keepOff: [8, 9])
        let (result, check) = try checkCommon(s, request, targets: Set(s.brokers.map(\.id)).subtracting([7]))
        let before = check.counts(check.before), after = check.counts(check.after)
        #expect(result.summary.replicasMoved == before[7] ?? 0)
        #expect(after[8] == before[8] && after[9] == before[9])
        #expect((after[7] ?? 0) == 0)
        // The same with --rebalance: 8 and 9 neither take nor give.
        let rebalanced = try Planner.plan(s, PlanRequest(kind: .scaleIn(remove: [7], rebalance: true), keepOff: [8, 9]))
        let again = PlanCheck(s, rebalanced.plan).counts(PlanCheck(s, rebalanced.plan).after)
        for b: BrokerID in [8, 9] { #expect((again[b] ?? 0) <= (before[b] ?? 0)) }
    }

    @Test(arguments: seeds)
    func leadersOnlyReordersReplicas(seed: UInt64) throws {
        let s = RandomCluster.make(seed: seed, brokers: 6, racks: 3, topics: 6, maxPartitions: 30, rf: 3)
        let targets = Set(s.brokers.map(\.id))
        let (result, check) = try checkCommon(s, PlanRequest(kind: .leaders), targets: targets)
        #expect(result.summary.replicasMoved == 0)
        for (tp, reps) in check.after { #expect(Set(reps) == Set(check.before[tp] ?? [])) }
        #expect(spread(targets.map { check.leaders()[$0] ?? 0 }) <= 1)
    }

    @Test func excludedTopicsStayPut() throws {
        let s = RandomCluster.make(seed: 5, brokers: 9, racks: 3, topics: 6, maxPartitions: 30, rf: 3, emptyBrokers: 3)
        let result = try Planner.plan(s, PlanRequest(kind: .scaleOut(add: [7, 8, 9]), excludeTopics: "topic-[0-2]"))
        #expect(!result.plan.partitions.isEmpty)
        #expect(result.plan.partitions.allSatisfy { !["topic-0", "topic-1", "topic-2"].contains($0.topic) })
    }
}

/// Keeping every broker of a rack off new replicas leaves that rack's partitions nowhere to go:
/// refused or planned around, never a hang or a crash.
@Suite(.offThePool) struct KeepOffEdgeTests {
    @Test func aWholeRackKeptOffDoesNotHang() throws {
        let s = RandomCluster.make(seed: 3, brokers: 9, racks: 3, topics: 4, maxPartitions: 10, rf: 3)
        // Rack r0 is brokers 1, 4, 7: remove 7, keep 1 and 4 off.
        let result = try? Planner.plan(s, PlanRequest(kind: .scaleIn(remove: [7], rebalance: false), keepOff: [1, 4]))
        if let result {
            let check = PlanCheck(s, result.plan)
            #expect((check.counts(check.after)[7] ?? 0) == 0)
        }
        #expect(throws: InvalidInput.self) { try Planner.plan(s, PlanRequest(kind: .rebalance(brokers: nil), keepOff: [99])) }
    }
}
