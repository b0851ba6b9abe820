import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Each replica phase on its own, on small hand-built layouts, through the same `MoverState` the
/// planner uses: what one phase promises is checked without the phases after it.
@Suite(.offThePool) struct PlannerPhaseTests {
    static func layout(_ snapshot: ClusterSnapshot, _ kind: PlanKind) throws -> Layout {
        try LayoutBuilder.build(snapshot, PlanRequest(kind: kind))
    }

    static func broker(_ id: BrokerID, in layout: Layout) -> BrokerIndex {
        BrokerIndex(layout.brokerIDs.values.firstIndex(of: id) ?? -1)
    }

    /// Slots not where the snapshot had them: the plan's moves.
    static func movedSlots(_ state: MoverState) -> Int {
        state.layout.slots.filter { !state.isHome($0) }.count
    }

    /// Counts and bytes recomputed from the assignment, to check the state's own bookkeeping.
    static func recount(_ layout: Layout) -> (replicas: [Int], bytes: [Int64]) {
        var replicas = [Int](repeating: 0, count: layout.brokerCount)
        var bytes = [Int64](repeating: 0, count: layout.brokerCount)
        for slot in layout.slots {
            replicas[layout.replicas[slot].position] += 1
            bytes[layout.replicas[slot].position] += layout.size(ofSlot: slot)
        }
        return (replicas, bytes)
    }

    static func expectConsistent(_ state: MoverState) {
        let (replicas, bytes) = recount(state.layout)
        #expect(state.replicasOn.values == replicas, "replica counts out of step with the assignment")
        #expect(state.bytesOn.values == bytes, "byte counts out of step with the assignment")
    }

    /// Sum over topics and group members of the squared distance outside the fair share.
    static func topicImbalance(_ state: MoverState) -> Int {
        var total = 0
        for g in state.groups.indices {
            for t in state.topics.topics where !state.topics.isExcluded(t) {
                let (floor, ceiling) = state.topics.bounds(t, group: g)
                for b in state.groups.members[g] {
                    total += TopicSpread.squaredExcess(state.topics.onBroker(t, b), floor, ceiling)
                }
            }
        }
        return total
    }

    /// Bytes max - min inside each group, summed over groups.
    static func byteGap(_ state: MoverState) -> Int64 {
        state.groups.members.values.reduce(Int64(0)) { sum, members in
            let bytes = members.map { state.bytesOn[$0] }
            return sum + ((bytes.max() ?? 0) - (bytes.min() ?? 0))
        }
    }

    /// 3 full brokers and an empty one, no racks: 2 topics x 6 partitions x RF 2, sizes apart.
    static func scaleOutCluster() -> ClusterSnapshot {
        let brokers = (1...4).map { Broker(id: BrokerID($0), rack: nil) }
        var topics: [TopicState] = []
        for topic in 0..<2 {
            var partitions: [PartitionState] = []
            for partition in 0..<6 {
                let first = (partition + topic) % 3, size = Int64((topic + 1) * 10 + partition) << 20
                let replicas = [BrokerID(first + 1), BrokerID((first + 1) % 3 + 1)]
                partitions.append(PartitionState(partition: Int32(partition), replicas: replicas, size: size))
            }
            topics.append(TopicState(name: "t\(topic)", partitions: partitions))
        }
        return ClusterSnapshot(brokers: brokers, topics: topics)
    }

    // MARK: count goals and shedding

    @Test func countGoalsGiveTheLargerSharesToTheFullestBrokers() throws {
        let state = MoverState(try Self.layout(Self.scaleOutCluster(), .scaleOut(add: [4])))
        // 24 replicas over 4 brokers: 6 each; brokers 1-3 hold 8.
        let goals = CountGoals(state, mode: .balance)
        #expect(goals.forced.isEmpty)
        #expect(goals.surplus.values == [2, 2, 2, 0])
        #expect(goals.need.values == [0, 0, 0, 6])
        #expect(CountGoals.lowerBoundMoves(state) == 6)
        // 10 over 4 brokers holding 4, 1, 3, 2: the two fullest keep the q + 1 = 3 shares.
        let counts = PerBroker([4, 1, 3, 2])
        let members = (0..<4).map { BrokerIndex($0) }
        #expect(CountGoals.balanced(members, total: 10, replicasOn: counts) == [3, 2, 3, 2])
    }

    @Test func plainScaleInWaterFillsTheEmptiestFirst() throws {
        // Broker 4 leaves; brokers 1-3 hold 8, 8, 8 and take its replicas evenly.
        var snapshot = Self.scaleOutCluster()
        snapshot.topics.append(TopicState(name: "u", partitions: (0..<3).map {
            PartitionState(partition: Int32($0), replicas: [4, BrokerID($0 + 1)], size: 1 << 20)
        }))
        let state = MoverState(try Self.layout(snapshot, .scaleIn(remove: [4], rebalance: false)))
        let goals = CountGoals(state, mode: .fillOnly)
        #expect(goals.forced.count == 3)
        #expect(goals.surplus.values.allSatisfy { $0 == 0 }, "plain scale-in sheds nothing")
        #expect(goals.need.values == [1, 1, 1, 0])
    }

    @Test func sheddingThenPlacementReachesTheCountGoals() throws {
        var state = MoverState(try Self.layout(Self.scaleOutCluster(), .scaleOut(add: [4])))
        let snapshotAssignment = state.layout.replicas
        var goals = CountGoals(state, mode: .balance)
        var shedding = Shedding(state, goals)
        let shed = shedding.shedAll(state, goals)
        // Each over-full broker sheds exactly its surplus, of replicas it held, none twice.
        #expect(Set(shed).count == shed.count)
        for b in state.layout.brokers {
            #expect(shed.filter { state.layout.replicas[$0] == b }.count == goals.surplus[b], "broker \(b)")
        }
        #expect(shed.allSatisfy { state.homeSlots[state.layout.replicas[$0]].contains($0) })
        // Shedding only chooses; the state is untouched until placement.
        #expect(state.layout.replicas == snapshotAssignment)

        state.place(shed.map { Leaver(slot: $0, forcedInto: nil) }, need: &goals.need, byteMean: goals.byteMean, relay: true)
        #expect(goals.need.values.allSatisfy { $0 == 0 })
        #expect(state.replicasOn.values == [6, 6, 6, 6])
        #expect(Self.movedSlots(state) == 6, "the lower bound: nothing but the surplus moves")
        Self.expectConsistent(state)
    }

    @Test func forcedReplicasLandInTheRackTheirPartitionLacks() throws {
        // 6 brokers on racks r0 r1 r2 r0 r1 r2; broker 6 (r2) leaves; its replicas must go to broker 3.
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: "r\(($0 - 1) % 3)") }
        var parts: [PartitionState] = []
        for partition in 0..<6 {
            let even = partition % 2 == 0
            let replicas: [BrokerID] = [even ? 1 : 4, even ? 2 : 5, partition < 3 ? 6 : 3]
            parts.append(PartitionState(partition: Int32(partition), replicas: replicas, size: Int64(partition + 1) << 20))
        }
        var state = MoverState(try Self.layout(ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: parts)]),
                                               .scaleIn(remove: [6], rebalance: true)))
        var goals = CountGoals(state, mode: .balance)
        #expect(goals.forced.count == 3)
        let rackR2 = state.groups.groupOf[Self.broker(3, in: state.layout)]
        #expect(goals.forced.allSatisfy { $0.forcedInto == rackR2 })
        state.place(goals.forced, need: &goals.need, byteMean: goals.byteMean, relay: true)
        #expect(state.replicasOn[Self.broker(6, in: state.layout)] == 0)
        #expect(state.replicasOn[Self.broker(3, in: state.layout)] == 6)
        #expect(state.layout.partitions.allSatisfy { state.layout.rackViolation($0) == 0 })
        Self.expectConsistent(state)
    }

    // MARK: rack repair

    @Test func rackRepairFixesAViolatingPartitionAndKeepsItsLeader() throws {
        // 6 brokers on racks r0 r1 r2 r0 r1 r2; partition 3 has two replicas in r0 (brokers 1 and 4).
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: "r\(($0 - 1) % 3)") }
        var parts = (0..<3).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((p + $0) % 6 + 1) }, size: 1 << 30)
        }
        parts.append(PartitionState(partition: 3, replicas: [1, 4, 2], size: 1 << 30))
        var state = MoverState(try Self.layout(ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: parts)]),
                                               .rebalance(brokers: nil)))
        let broken = PartitionIndex(3)
        #expect(state.layout.rackViolation(broken) > 0)
        let before = state.layout.replicas
        #expect(state.repairRackPlacement() == 1)
        #expect(state.layout.rackViolation(broken) == 0)
        let slots = Array(state.layout.slots(of: broken))
        let changed = slots.filter { state.layout.replicas[$0] != before[$0] }
        #expect(changed == [slots[1]], "only the crowded rack's last replica moves")
        #expect(state.layout.rack[state.layout.replicas[slots[1]]] == 2, "to the rack the partition lacked")
        #expect(state.layout.replicas[slots[0]] == before[slots[0]], "the preferred leader stays")
        // Rack-correct partitions are not touched.
        for p in 0..<3 {
            for slot in state.layout.slots(of: PartitionIndex(p)) { #expect(state.layout.replicas[slot] == before[slot]) }
        }
        Self.expectConsistent(state)
        #expect(state.repairRackPlacement() == 0, "nothing left to repair")
    }

    // MARK: topic evening

    /// Brokers 1 and 2 hold topics a and b (4 partitions each, RF 1, equal sizes); brokers 3 and 4
    /// are new. Placement sent a0, a1 to broker 3 and b0, b1 to broker 4: each new broker holds
    /// two of one topic where its fair share is one of each.
    static func unevenTopics() throws -> MoverState {
        let topics = [("a", BrokerID(1)), ("b", BrokerID(2))].map { name, home in
            TopicState(name: name, partitions: (0..<4).map { PartitionState(partition: Int32($0), replicas: [home], size: 1 << 30) })
        }
        // Partitions a0 a1 a2 a3 b0 b1 b2 b3: one slot each.
        return try placedOntoNewBrokers(topics, moves: [(0, 3), (1, 3), (4, 4), (5, 4)])
    }

    /// Brokers 1-4 without racks holding `topics` (RF 1), scaled out onto 3 and 4, with `moves`
    /// (slot, broker id) applied as if placement had made them.
    static func placedOntoNewBrokers(_ topics: [TopicState], moves: [(slot: Int, to: BrokerID)]) throws -> MoverState {
        let brokers = (1...4).map { Broker(id: BrokerID($0), rack: nil) }
        var state = MoverState(try layout(ClusterSnapshot(brokers: brokers, topics: topics), .scaleOut(add: [3, 4])))
        for move in moves { state.apply(SlotIndex(move.slot), to: broker(move.to, in: state.layout)) }
        return state
    }

    @Test func topicEveningTradesWithoutChangingCountsOrMoves() throws {
        var state = try Self.unevenTopics()
        let counts = state.replicasOn, moves = Self.movedSlots(state), imbalance = Self.topicImbalance(state)
        #expect(imbalance > 0)
        state.evenTopics(in: GroupIndex(0))
        #expect(state.replicasOn == counts, "topic evening changed replica counts")
        #expect(Self.movedSlots(state) == moves, "topic evening changed the number of moves")
        #expect(Self.topicImbalance(state) < imbalance, "no trade made")
        for b in [Self.broker(3, in: state.layout), Self.broker(4, in: state.layout)] {
            for t in state.topics.topics { #expect(state.topics.onBroker(t, b) == 1, "broker \(b) topic \(t)") }
        }
        Self.expectConsistent(state)
    }

    @Test func topicEveningLeavesEvenTopicsAlone() throws {
        var state = try Self.unevenTopics()
        state.evenTopics(in: GroupIndex(0))
        let settled = state.layout.replicas
        state.evenTopics(in: GroupIndex(0))
        #expect(state.layout.replicas == settled)
    }

    // MARK: byte polish

    /// One topic, RF 1, on brokers 1 and 2; brokers 3 and 4 new. Placement sent broker 1's two
    /// largest partitions to broker 3 and broker 2's two smallest to broker 4: counts balanced,
    /// bytes far apart.
    static func unevenBytes() throws -> MoverState {
        let sizes: [Int64] = [1, 2, 3, 4, 5, 6, 7, 8].map { $0 << 30 }
        let parts = sizes.enumerated().map { partition, size in
            PartitionState(partition: Int32(partition), replicas: [partition < 4 ? 1 : 2], size: size)
        }
        return try placedOntoNewBrokers([TopicState(name: "t", partitions: parts)], moves: [(2, 3), (3, 3), (4, 4), (5, 4)])
    }

    @Test func polishNarrowsTheByteGapAndKeepsCountsAndMoves() throws {
        var state = try Self.unevenBytes()
        let counts = state.replicasOn, moves = Self.movedSlots(state), gap = Self.byteGap(state)
        state.polishBytes(in: GroupIndex(0), extraMoves: 0)
        #expect(state.replicasOn == counts, "polish changed replica counts")
        #expect(Self.movedSlots(state) <= moves, "polish without extra moves added a move")
        #expect(Self.byteGap(state) < gap, "polish did not narrow \(gap)")
        Self.expectConsistent(state)
    }

    /// On random clusters, after every earlier phase: the polish never widens any group's byte
    /// gap, keeps every count, and adds at most the extra moves it is given.
    @Test(arguments: Array(UInt64(1)...8))
    func polishNeverWorsensBytes(seed: UInt64) throws {
        let racks = seed % 2 == 0 ? 0 : 3
        let snapshot = RandomCluster.make(seed: seed, brokers: 9, racks: racks, topics: 8, maxPartitions: 30, rf: 3, emptyBrokers: 3)
        var state = MoverState(try Self.layout(snapshot, .scaleOut(add: [7, 8, 9])))
        var goals = CountGoals(state, mode: .balance)
        var shedding = Shedding(state, goals)
        let shed = shedding.shedAll(state, goals)
        state.place(shed.map { Leaver(slot: $0, forcedInto: nil) }, need: &goals.need, byteMean: goals.byteMean, relay: true)
        for g in state.groups.indices { state.evenTopics(in: g) }
        let counts = state.replicasOn, moves = Self.movedSlots(state)
        let extra = seed % 4 == 0 ? 6 : 0
        for g in state.groups.indices {
            let gapOf = { (s: MoverState) -> Int64 in
                let bytes = s.groups.members[g].map { s.bytesOn[$0] }
                return (bytes.max() ?? 0) - (bytes.min() ?? 0)
            }
            let gap = gapOf(state)
            state.polishBytes(in: g, extraMoves: extra)
            #expect(gapOf(state) <= gap, "group \(g): \(gap) -> \(gapOf(state))")
        }
        #expect(state.replicasOn == counts)
        #expect(Self.movedSlots(state) <= moves + extra * state.groups.count)
        #expect(state.layout.partitions.allSatisfy { state.layout.rackViolation($0) == 0 })
        Self.expectConsistent(state)
    }
}
