import Foundation
import KafkaClient
import KScaleCore
import Testing
@testable import KScaleExec

@Suite("Lifecycle: the check evaluation")
struct LifecycleHealthCheckTests {
    typealias F = LifecycleFixture

    /// A drained broker stays cordoned until it is stopped: empty, it is no imbalance and an OK
    /// line says it is safe to stop; holding replicas, stopping it loses them (a warning).
    @Test func aCordonedBrokerHoldingReplicasWarnsAndAnEmptyOneIsNoImbalance() {
        let cordon = [ConfigEntry(name: ClusterObservation.cordonKey, value: "*", source: .dynamicBroker)]
        var o = F.observation(brokers: 4, partitions: F.roundRobin("orders", count: 6, rf: 2, brokers: 3))   // broker 4 empty
        #expect(HealthCheck.evaluate(o).findings.contains { $0.check == "replica-balance" })
        o.brokerConfigs = [4: cordon]
        var r = HealthCheck.evaluate(o)
        #expect(r.status == .ok)
        #expect(r.brokers.map(\.cordoned) == [false, false, false, true])
        #expect(!r.findings.contains { $0.check == "replica-balance" })
        #expect(r.findings.contains { $0.check == "cordoned" && $0.severity == .ok && $0.brokers == [4] })

        o.brokerConfigs[2] = cordon
        r = HealthCheck.evaluate(o)
        #expect(r.status == .warn)
        let finding = r.findings.first { $0.check == "cordoned-holds-replicas" }
        #expect(finding?.severity == .warn)
        #expect(finding?.brokers == [2])
        #expect(finding?.message.contains("broker 2 is cordoned") == true)
        #expect(finding?.message.contains("holds 4 replicas") == true)
    }

    @Test func aBalancedHealthyClusterIsOK() {
        let o = F.observation(brokers: 3, partitions: F.roundRobin("orders", count: 6, rf: 3, brokers: 3))
        let r = HealthCheck.evaluate(o)
        #expect(r.status == .ok)
        #expect(r.status.exitCode == 0)
        #expect(r.counts.partitions == 6)
        #expect(r.brokers.map(\.replicas) == [6, 6, 6])
        #expect(r.brokers.map(\.leaders) == [2, 2, 2])
    }

    @Test func offlineAndUnderMinISRAreCriticalUnderReplicatedIsWarn() {
        var o = F.observation(brokers: 3, partitions: F.roundRobin("orders", count: 3, rf: 3, brokers: 3), minISR: 2)
        F.mutatePartition(&o, TopicPartition("orders", 0)) { $0.isr = [1, 2] }        // under-replicated only
        var r = HealthCheck.evaluate(o)
        #expect(r.status == .warn)
        #expect(r.counts.underReplicated == 1 && r.counts.underMinISR == 0)
        #expect(r.findings.contains { $0.check == "under-replicated" && $0.message.contains("orders-0") })

        F.mutatePartition(&o, TopicPartition("orders", 1)) { $0.isr = [2] }           // below min ISR 2
        F.mutatePartition(&o, TopicPartition("orders", 2)) { $0.leader = nil; $0.isr = [] }
        r = HealthCheck.evaluate(o)
        #expect(r.status == .critical)
        #expect(r.status.exitCode == 2)
        #expect(r.counts.offline == 1)
        #expect(r.counts.underMinISR == 2)
        #expect(r.findings.contains { $0.check == "offline-partitions" && $0.severity == .critical && $0.message.contains("orders-2") })
        #expect(r.findings.contains { $0.check == "under-min-isr" && $0.message.contains("orders-1") })
    }

    @Test func addingReplicasOfAMoveDoNotCountAsUnderReplicated() {
        var o = F.observation(brokers: 4, partitions: [("t", 0, [1, 2, 3])])
        F.mutatePartition(&o, TopicPartition("t", 0)) { $0.replicas = [1, 2, 4, 3]; $0.isr = [1, 2, 3] }
        o.reassignments = [TopicPartition("t", 0): OngoingReassignment(replicas: [1, 2, 4, 3], adding: [4], removing: [3])]
        let r = HealthCheck.evaluate(o)
        #expect(r.counts.underReplicated == 0)
        #expect(r.counts.reassignmentsInFlight == 1)
        #expect(r.findings.contains { $0.check == "reassignments-in-flight" && $0.severity == .warn })
    }

    @Test func offlineAndFencedBrokersAreCritical() {
        var o = F.observation(brokers: 4, partitions: F.roundRobin("t", count: 4, rf: 2, brokers: 4))
        o.cluster.brokers.removeAll { $0.id == 4 }          // down: still named by replicas
        o.cluster.brokers[0].fenced = true
        let r = HealthCheck.evaluate(o)
        #expect(r.status == .critical)
        #expect(r.findings.contains { $0.check == "brokers-offline" && $0.message.contains("4") })
        #expect(r.findings.contains { $0.check == "brokers-fenced" && $0.message.contains("1") })
        #expect(r.brokers.first { $0.id == 4 }?.state == .offline)
        #expect(r.brokers.first { $0.id == 1 }?.state == .fenced)
    }

    @Test func diskThresholdsAre70And85Percent() {
        let parts = F.roundRobin("t", count: 3, rf: 1, brokers: 3)
        func status(usedOnBroker1 used: Int64) -> (Severity, [Finding]) {
            var o = F.observation(brokers: 3, partitions: parts, size: 1, diskTotal: 1_000)
            o.logDirs[0].dirs[0].usableBytes = 1_000 - used
            let r = HealthCheck.evaluate(o)
            return (r.findings.filter { $0.check == "disk" }.map(\.severity).max() ?? .ok, r.findings)
        }
        #expect(status(usedOnBroker1: 700).0 == .ok)
        #expect(status(usedOnBroker1: 701).0 == .warn)
        #expect(status(usedOnBroker1: 850).0 == .warn)
        let (sev, findings) = status(usedOnBroker1: 851)
        #expect(sev == .critical)
        #expect(findings.contains { $0.message.contains("broker 1 disk 85.1% used") })
    }

    @Test func unknownCapacityIsNotJudged() {
        let o = F.observation(brokers: 2, partitions: [("t", 0, [1, 2])], diskTotal: nil)
        let r = HealthCheck.evaluate(o)
        #expect(r.brokers.allSatisfy { $0.diskUsedPercent == nil })
        #expect(!r.findings.contains { $0.check == "disk" })
    }

    @Test func moreThan4000ReplicasOnABrokerWarns() {
        let o = F.observation(brokers: 2, partitions: F.roundRobin("big", count: 4_001, rf: 2, brokers: 2), diskTotal: nil)
        let r = HealthCheck.evaluate(o)
        #expect(r.findings.filter { $0.check == "partitions-per-broker" }.count == 2)
        #expect(r.status == .warn)
        let o2 = F.observation(brokers: 2, partitions: F.roundRobin("big", count: 4_000, rf: 2, brokers: 2), diskTotal: nil)
        #expect(!HealthCheck.evaluate(o2).findings.contains { $0.check == "partitions-per-broker" })
    }

    @Test func emptyNewBrokersShowAsImbalance() {
        // Brokers 4 and 5 registered after a scale-out, holding nothing yet.
        let o = F.observation(brokers: 5, partitions: F.roundRobin("t", count: 30, rf: 3, brokers: 3))
        let r = HealthCheck.evaluate(o)
        #expect(r.status == .warn)
        let checks = Set(r.findings.map(\.check))
        #expect(checks.isSuperset(of: ["replica-balance", "leader-balance", "byte-balance"]))
        #expect(r.findings.contains { $0.check == "replica-balance" && $0.message.contains("from 0 (broker 4,5) to 30") })
    }

    @Test func retiringBrokersAreLeftOutOfTheBalanceRules() {
        // Broker 4 was just drained: empty on purpose.
        let o = F.observation(brokers: 4, partitions: F.roundRobin("t", count: 30, rf: 3, brokers: 3))
        #expect(HealthCheck.evaluate(o).findings.contains { $0.check == "replica-balance" })
        let r = HealthCheck.evaluate(o, retiring: [4])
        #expect(r.status == .ok)
        #expect(r.brokers.count == 4)
    }

    @Test func balanceIsJudgedWithinRacksWhenRacksDifferInSize() {
        // Rack r0 has brokers 1,3; rack r1 has broker 2: with RF 2 over 2 racks broker 2 holds
        // every partition and brokers 1 and 3 half each. That is as balanced as racks allow.
        let parts: [(String, Int32, [BrokerID])] = (0..<8).map { p in ("t", Int32(p), p % 2 == 0 ? [1, 2] : [3, 2]) }
        let o = F.observation(brokers: 3, racks: 2, partitions: parts)
        let r = HealthCheck.evaluate(o)
        #expect(!r.findings.contains { $0.check == "replica-balance" || $0.check == "byte-balance" })
    }

    @Test func leftoverThrottlesWarnButNotWhileAMoveIsInFlight() {
        var o = F.observation(brokers: 3, partitions: F.roundRobin("t", count: 3, rf: 3, brokers: 3))
        o.brokerConfigs[2] = [ConfigEntry(name: "leader.replication.throttled.rate", value: "50000000", source: .dynamicBroker),
                              ConfigEntry(name: "follower.replication.throttled.rate", value: nil, source: .defaultConfig)]
        o.topicConfigs["t", default: []].append(ConfigEntry(name: "follower.replication.throttled.replicas", value: "0:3", source: .dynamicTopic))
        o.topicConfigs["t", default: []].append(ConfigEntry(name: "leader.replication.throttled.replicas", value: "", source: .defaultConfig))
        var r = HealthCheck.evaluate(o)
        let leftover = r.findings.first { $0.check == "leftover-throttles" }
        #expect(leftover?.severity == .warn)
        #expect(leftover?.message.contains("broker 2 leader.replication.throttled.rate=50000000") == true)
        #expect(leftover?.message.contains("topic t follower.replication.throttled.replicas=0:3") == true)
        #expect(leftover?.message.contains("2 replication throttles") == true)

        o.reassignments[TopicPartition("t", 0)] = OngoingReassignment(replicas: [1, 2, 3], adding: [], removing: [])
        r = HealthCheck.evaluate(o)
        #expect(!r.findings.contains { $0.check == "leftover-throttles" })
    }

    @Test func reportRoundTripsThroughJSONWithStableNames() throws {
        var o = F.observation(brokers: 3, partitions: F.roundRobin("t", count: 3, rf: 3, brokers: 3), minISR: 2)
        F.mutatePartition(&o, TopicPartition("t", 1)) { $0.isr = [2] }
        let r = HealthCheck.evaluate(o)
        let data = try JSONEncoder().encode(r)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("\"status\":\"critical\""))
        #expect(text.contains("\"under_min_isr\":1"))
        #expect(try JSONDecoder().decode(HealthReport.self, from: data) == r)
    }
}

@Suite("Lifecycle: the pre-flight gate")
struct LifecyclePreflightTests {
    typealias F = LifecycleFixture

    @Test func criticalFindingsAndMovesInFlightBlockWarningsDoNot() {
        var o = F.observation(brokers: 5, partitions: F.roundRobin("t", count: 6, rf: 3, brokers: 3), minISR: 2)
        var r = HealthCheck.evaluate(o)
        #expect(r.status == .warn)                       // imbalanced: brokers 4, 5 empty
        #expect(HealthCheck.blocking(r, in: o).isEmpty)

        o.reassignments[TopicPartition("t", 0)] = OngoingReassignment(replicas: [1, 2, 3], adding: [], removing: [])
        r = HealthCheck.evaluate(o)
        #expect(HealthCheck.blocking(r, in: o).map(\.check) == ["reassignments-in-flight"])

        o.reassignments = [:]
        F.mutatePartition(&o, TopicPartition("t", 1)) { $0.isr = [2] }
        r = HealthCheck.evaluate(o)
        #expect(HealthCheck.blocking(r, in: o).map(\.check) == ["under-min-isr"])
    }

    @Test func aScaleInOfADeadBrokerIsNotBlockedByItsOwnAbsence() {
        // Broker 3 died: it is unregistered, its partitions lost it from the ISR.
        var o = F.observation(brokers: 4, partitions: F.roundRobin("t", count: 4, rf: 3, brokers: 4), minISR: 3)
        o.cluster.brokers.removeAll { $0.id == 3 }
        o.logDirs.removeAll { $0.broker == 3 }
        for (tp, p) in o.partitions where p.replicas.contains(3) {
            F.mutatePartition(&o, tp) { $0.isr.removeAll { $0 == 3 } }
        }
        let r = HealthCheck.evaluate(o)
        #expect(Set(HealthCheck.blocking(r, in: o).map(\.check)) == ["brokers-offline", "under-min-isr"])
        #expect(HealthCheck.blocking(r, in: o, removing: [3]).isEmpty)
        // Removing a different broker does not excuse broker 3's absence.
        #expect(HealthCheck.blocking(r, in: o, removing: [4]).map(\.check).contains("brokers-offline"))
    }

    @Test func offlinePartitionsAlwaysBlock() {
        var o = F.observation(brokers: 3, partitions: [("t", 0, [3])])
        o.cluster.brokers.removeAll { $0.id == 3 }
        F.mutatePartition(&o, TopicPartition("t", 0)) { $0.leader = nil; $0.isr = [] }
        let r = HealthCheck.evaluate(o)
        #expect(HealthCheck.blocking(r, in: o, removing: [3]).map(\.check) == ["offline-partitions"])
    }
}

/// A partition with fewer copies than its topic's others, or no more than min ISR, is flagged
/// (issue 13 item 5).
@Suite struct ReplicationFactorCheckTests {
    @Test func aPartitionBelowItsTopicAndOneAtMinISRAreFlagged() {
        var o = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [1, 2, 3]), ("t", 1, [2, 3]), ("u", 0, [1, 2])], minISR: 2)
        let report = HealthCheck.evaluate(o)
        let finding = report.findings.first { $0.check == "replication-factor" }
        #expect(finding?.partitions == ["t-1", "u-0"], "\(report.findings)")
        #expect(finding?.message.contains("t-1 (RF 2, below the topic's 3)") == true)
        #expect(finding?.message.contains("u-0 (RF 2, not above min.insync.replicas 2)") == true)
        o = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [1, 2, 3]), ("t", 1, [2, 3, 4])], minISR: 2)
        #expect(!HealthCheck.evaluate(o).findings.contains { $0.check == "replication-factor" })
    }
}
