import Foundation
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Phase 7 (`TopicGuard.swift`) on hand-built states: a topic left less even than the snapshot had
/// it is mended by exchanges that change no count, add no move and keep bytes in range.
@Suite(.offThePool) struct TopicGuardTests {
    /// Four brokers, no racks; topics `a`, `b` and `c` with two RF-1 partitions on every broker.
    static func state(sizeA: Int64 = 100, sizeB: Int64 = 100, sizeC: Int64 = 100) throws -> MoverState {
        let brokers = (1...4).map { Broker(id: BrokerID($0)) }
        let topics = [("a", sizeA), ("b", sizeB), ("c", sizeC)].map { name, size in
            TopicState(name: name, partitions: (0..<8).map { PartitionState(partition: Int32($0), replicas: [BrokerID($0 / 2 + 1)], size: size) })
        }
        return MoverState(try PlannerPhaseTests.layout(ClusterSnapshot(brokers: brokers, topics: topics), .rebalance(brokers: nil)))
    }

    static func slot(_ topic: String, _ partition: Int32, in state: MoverState) -> SlotIndex {
        let layout = state.layout
        let index = layout.partitions.first { layout.names[$0].topic == topic && layout.names[$0].partition == partition }
        return layout.slots(of: index ?? PartitionIndex(0)).lowerBound
    }

    static func topicIndex(_ name: String, in state: MoverState) -> TopicIndex { state.topicOf(slot(name, 0, in: state)) }

    static func spread(_ topic: String, _ state: MoverState) -> Int32 {
        state.spread(of: topicIndex(topic, in: state), among: state.groups.members[GroupIndex(0)])
    }

    static func broker(_ id: BrokerID, _ state: MoverState) -> BrokerIndex { PlannerPhaseTests.broker(id, in: state.layout) }

    /// Topic `a`'s two replicas on broker 1 go to broker 3 (a: 0, 2, 4, 2) and `b`'s two on broker 3
    /// go to broker 1 (b: 4, 2, 0, 2): every count as before, both topics at spread 4, above 3.
    static func crowd(_ state: inout MoverState) {
        for partition: Int32 in [0, 1] { state.apply(slot("a", partition, in: state), to: broker(3, state)) }
        for partition: Int32 in [4, 5] { state.apply(slot("b", partition, in: state), to: broker(1, state)) }
    }

    @Test func movedReplicasTradeDestinationsUntilNoTopicIsWorseThanBefore() throws {
        var state = try Self.state()
        let before = state.topicSpreads()
        Self.crowd(&state)
        #expect(Self.spread("a", state) == 4 && Self.spread("b", state) == 4)
        let counts = state.replicasOn, moves = PlannerPhaseTests.movedSlots(state)

        state.guardTopicSpread(in: GroupIndex(0), before: before)

        #expect(Self.spread("a", state) <= MoverState.topicSpreadAllowed)
        #expect(Self.spread("b", state) <= MoverState.topicSpreadAllowed)
        #expect(state.replicasOn == counts, "no broker's count changes")
        #expect(PlannerPhaseTests.movedSlots(state) < moves, "replicas that trade back to their snapshot broker stop moving")
        PlannerPhaseTests.expectConsistent(state)
    }

    @Test func anExchangeThatWouldWidenTheByteRangeIsNotMade() throws {
        // `a` (100 bytes a replica) two per broker; `c` two per broker, 500 on broker 1, 1,000 on
        // broker 3, 100 elsewhere; a filler replica of 2,600 on brokers 2-4. Once `a`'s two go
        // from broker 1 to 3 and `c`'s two from 3 to 1, every broker holds 3,000 bytes. Each
        // exchange that would even `a` again (a moved `c` of 1,000, or a `c` of 500 that broker 1
        // sheds instead) shifts bytes off 3,000, outside the range: none is made.
        let brokers = (1...4).map { Broker(id: BrokerID($0)) }
        let a = TopicState(name: "a", partitions: (0..<8).map { PartitionState(partition: Int32($0), replicas: [BrokerID($0 / 2 + 1)], size: 100) })
        let cSizes: [Int64] = [500, 100, 1_000, 100]
        let c = TopicState(name: "c", partitions: (0..<8).map { PartitionState(partition: Int32($0), replicas: [BrokerID($0 / 2 + 1)], size: cSizes[$0 / 2]) })
        let filler = TopicState(name: "f", partitions: (0..<3).map { PartitionState(partition: Int32($0), replicas: [BrokerID($0 + 2)], size: 2_600) })
        var state = MoverState(try PlannerPhaseTests.layout(ClusterSnapshot(brokers: brokers, topics: [a, c, filler]), .rebalance(brokers: nil)))
        let before = state.topicSpreads()
        for partition: Int32 in [0, 1] { state.apply(Self.slot("a", partition, in: state), to: Self.broker(3, state)) }
        for partition: Int32 in [4, 5] { state.apply(Self.slot("c", partition, in: state), to: Self.broker(1, state)) }
        let bytes = state.bytesOn
        #expect(bytes.values == [3_000, 3_000, 3_000, 3_000])
        #expect(Self.spread("a", state) == 4)
        state.guardTopicSpread(in: GroupIndex(0), before: before)
        #expect(Self.spread("a", state) == 4, "no exchange keeps bytes within range, so the spread stays")
        #expect(state.bytesOn == bytes)

        PlannerPhaseTests.expectConsistent(state)
    }

    @Test func aBrokerShedsAnotherTopicInsteadWhenNoMovedPartnerExists() throws {
        // Broker 1's `a` replicas went to broker 3 and nothing moved onto broker 1: broker 1 keeps
        // its `a` and sheds a `c` of the same size instead. Same number of moves, `a` even again.
        var state = try Self.state()
        let before = state.topicSpreads()
        for partition: Int32 in [0, 1] { state.apply(Self.slot("a", partition, in: state), to: Self.broker(3, state)) }
        // Broker 3 gives two `c` to broker 1 so counts are even again, and these are moved
        // partners; take them off the table by sending them on to broker 2 and 2's `c` to 1.
        for partition: Int32 in [4, 5] { state.apply(Self.slot("c", partition, in: state), to: Self.broker(2, state)) }
        for partition: Int32 in [2, 3] { state.apply(Self.slot("c", partition, in: state), to: Self.broker(1, state)) }
        let counts = state.replicasOn, moves = PlannerPhaseTests.movedSlots(state)
        #expect(Self.spread("a", state) == 4)

        state.guardTopicSpread(in: GroupIndex(0), before: before)

        #expect(Self.spread("a", state) <= MoverState.topicSpreadAllowed)
        #expect(state.replicasOn == counts)
        #expect(PlannerPhaseTests.movedSlots(state) <= moves, "never a move more")
        PlannerPhaseTests.expectConsistent(state)
    }

    @Test func aTopicAlreadyUnevenInTheSnapshotIsHeldToWhereItWas() throws {
        // `a` starts at spread 6 (all on brokers 1-3 except none on 4): the guard's limit is 6, and
        // a plan that leaves it at 6 is left alone.
        let brokers = (1...4).map { Broker(id: BrokerID($0)) }
        let a = TopicState(name: "a", partitions: (0..<6).map { PartitionState(partition: Int32($0), replicas: [1], size: 100) })
        let b = TopicState(name: "b", partitions: (0..<6).map { PartitionState(partition: Int32($0), replicas: [BrokerID($0 % 3 + 2)], size: 100) })
        var state = MoverState(try PlannerPhaseTests.layout(ClusterSnapshot(brokers: brokers, topics: [a, b]), .rebalance(brokers: nil)))
        let before = state.topicSpreads()
        #expect(before[Self.topicIndex("a", in: state), GroupIndex(0)] == 6)
        #expect(MoverState.topicSpreadLimit(before: 6) == 6 && MoverState.topicSpreadLimit(before: 1) == MoverState.topicSpreadAllowed)
        let assignment = state.layout.replicas
        state.guardTopicSpread(in: GroupIndex(0), before: before)
        #expect(state.layout.replicas == assignment, "nothing moves: no replica moved, so there is no free exchange")
    }
}
