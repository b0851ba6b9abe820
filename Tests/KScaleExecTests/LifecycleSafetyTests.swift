import Foundation
import KafkaClient
import KScaleCore
import Testing
@testable import KScaleExec

@Suite("Lifecycle: scale-in refusals, verdicts and leadership moves")
struct LifecycleSafetyTests {
    typealias F = LifecycleFixture

    @Test func removingOneOfSixIsAllowed() {
        let o = F.observation(brokers: 6, racks: 3, partitions: F.roundRobin("t", count: 12, rf: 3, brokers: 6))
        #expect(ScaleInSafety.refusals(removing: [6], in: o).isEmpty)
    }

    @Test func refusedWhenTooFewBrokersRemainForTheRF() {
        let o = F.observation(brokers: 4, partitions: F.roundRobin("orders", count: 4, rf: 3, brokers: 4) + [("small", 0, [1, 2])])
        let r = ScaleInSafety.refusals(removing: [3, 4], in: o)
        #expect(r.map(\.kind) == [.replicationFactor])
        #expect(r.first?.message.contains("only 2 brokers would remain") == true)
        #expect(r.first?.message.contains("orders-0") == true)
        #expect(r.first?.message.contains("small-0") == false)
    }

    @Test func fencedBrokersDoNotCountAsRemaining() {
        var o = F.observation(brokers: 4, partitions: F.roundRobin("t", count: 4, rf: 3, brokers: 4))
        o.cluster.brokers[0].fenced = true
        #expect(ScaleInSafety.refusals(removing: [4], in: o).map(\.kind) == [.replicationFactor])
    }

    @Test func refusedWhenItEmptiesARackThatPartitionsNeed() {
        // Racks: r0 = {1,4}, r1 = {2,5}, r2 = {3,6}. Removing 3 and 6 empties r2.
        let rf3 = F.observation(brokers: 6, racks: 3, partitions: [("t", 0, [1, 2, 3]), ("t", 1, [4, 5, 6])])
        let r = ScaleInSafety.refusals(removing: [3, 6], in: rf3)
        #expect(r.map(\.kind) == [.rack])
        #expect(r.first?.message.contains("empties rack r2") == true)
        #expect(r.first?.message.contains("t-0, t-1") == true)
        // RF 2 partitions only need two racks: emptying one of three is fine.
        let rf2 = F.observation(brokers: 6, racks: 3, partitions: [("t", 0, [1, 2]), ("t", 1, [4, 5]), ("t", 2, [3, 1])])
        #expect(ScaleInSafety.refusals(removing: [3, 6], in: rf2).isEmpty)
        // Removing one broker of r2 keeps the rack.
        #expect(ScaleInSafety.refusals(removing: [6], in: rf3).isEmpty)
    }

    @Test func refusedWhenRemainingDisksLackRoom() {
        // Each broker: 10 replicas of 1,000 bytes on a 12,000-byte disk, 2,000 usable.
        let parts = F.roundRobin("t", count: 20, rf: 2, brokers: 4)
        let o = F.observation(brokers: 4, partitions: parts, size: 1_000, diskTotal: 12_000)
        let r = ScaleInSafety.refusals(removing: [4], in: o)
        #expect(r.map(\.kind) == [.disk])
        #expect(r.first?.message.contains("10.0 KB must move off brokers 4") == true)
        #expect(r.first?.message.contains("only 6.00 KB usable") == true)
        let roomy = F.observation(brokers: 4, partitions: parts, size: 1_000, diskTotal: 100_000)
        #expect(ScaleInSafety.refusals(removing: [4], in: roomy).isEmpty)
    }

    @Test func unknownBrokersAreRefused() {
        let o = F.observation(brokers: 3, partitions: [("t", 0, [1])])
        let r = ScaleInSafety.refusals(removing: [9], in: o)
        #expect(r.map(\.kind) == [.unknownBroker])
        #expect(r.first?.message == "brokers 9 are not in the cluster (known: 1, 2, 3)")
    }

    @Test func verdictIsSafeOnlyWhenNothingIsLeft() {
        var o = F.observation(brokers: 4, partitions: [("orders", 3, [1, 4]), ("orders", 7, [2, 4]), ("x", 0, [1, 2])], controller: 1)
        var v = BrokerVerdict.judge(4, in: o)
        #expect(!v.isSafe)
        #expect(v.description == "broker 4: NOT SAFE (2 replicas: orders-3, orders-7)")
        #expect(BrokerVerdict.judge(3, in: o).description == "broker 3: SAFE TO STOP (0 replicas, 0 leaders, not the controller)")
        #expect(BrokerVerdict.exitCode([BrokerVerdict.judge(3, in: o)]) == 0)
        #expect(BrokerVerdict.exitCode([BrokerVerdict.judge(3, in: o), v]) == 1)

        // The controller is never safe to stop.
        v = BrokerVerdict.judge(1, in: o)
        #expect(v.description.contains("it is the controller"))
        #expect(v.description.contains("2 leaders: orders-3, x-0"))

        // A replica only the broker's own log dir still reports (e.g. a deleted move's leftover)
        // keeps it unsafe even when metadata no longer names it.
        o.logDirs[2].dirs[0].replicas = [ReplicaLogInfo(topicPartition: TopicPartition("ghost", 0), size: 5, offsetLag: 0, isFuture: false)]
        #expect(BrokerVerdict.judge(3, in: o).description == "broker 3: NOT SAFE (1 replica: ghost-0)")

        // The adding side of a move in flight counts too.
        o.logDirs[2].dirs[0].replicas = []
        o.reassignments[TopicPartition("x", 0)] = OngoingReassignment(replicas: [1, 2, 3], adding: [3], removing: [1])
        #expect(!BrokerVerdict.judge(3, in: o).isSafe)
    }

    @Test func verdictJSONCarriesSafe() throws {
        let o = F.observation(brokers: 2, partitions: [("t", 0, [1])])
        let text = String(decoding: try JSONEncoder().encode(BrokerVerdict.judge(2, in: o)), as: UTF8.self)
        #expect(text.contains("\"safe\":true"))
    }

    @Test func leadershipReordersPutARemainingInSyncReplicaFirst() {
        var o = F.observation(brokers: 4, partitions: [("t", 0, [4, 1, 2]), ("t", 1, [4, 2, 3]), ("t", 2, [1, 4, 3]), ("t", 3, [1, 2, 3])])
        F.mutatePartition(&o, TopicPartition("t", 1)) { $0.isr = [4, 3] }   // 2 is out of sync
        let plan = LeadershipDrain.reorders(removing: [4], in: o)
        let byTP = Dictionary(uniqueKeysWithValues: plan.partitions.map { ($0.topicPartition, $0.replicas) })
        #expect(byTP.count == 2)
        // t-0: 2 has fewer preferred leaderships than 1, so it takes the lead; 4 goes last.
        #expect(byTP[TopicPartition("t", 0)] == [2, 1, 4])
        // t-1: only 3 is in sync among the remaining replicas.
        #expect(byTP[TopicPartition("t", 1)] == [3, 2, 4])
        // Same replica sets: no data moves.
        for p in plan.partitions {
            let before = o.partitions.first { $0.0 == p.topicPartition }?.1.replicas ?? []
            #expect(Set(before) == Set(p.replicas))
        }
    }

    @Test func partitionsNotOnTheirPreferredLeaderAreFound() {
        var o = F.observation(brokers: 3, partitions: [("t", 0, [1, 2]), ("t", 1, [2, 3])])
        F.mutatePartition(&o, TopicPartition("t", 0)) { $0.leader = 2 }
        #expect(LeadershipDrain.notOnPreferredLeader(in: o) == [TopicPartition("t", 0)])
    }
}
