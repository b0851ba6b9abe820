import Foundation
import KafkaAdmin
import KScaleCore
import Testing
@testable import KScaleExec

/// The check's byte rule and the planner's goals are one definition (`BalanceGoal`): a scale-out
/// that meets the planner's goals ends with a post-flight check that does not warn about bytes,
/// and an imbalance whole replicas do not explain still warns.
@Suite("Balance: the check judges by the planner's goals", .timeLimit(.minutes(1)))
struct BalanceGoalTests {
    typealias F = LifecycleFixture

    @Test func oneReplicaMoreIsEvenAndMoreIsNot() {
        // Equal replicas: 4 against 3 is what a count spread of 1 leaves (ratio 1.33).
        #expect(BalanceGoal.bytesEven(heaviest: 40, lightest: 30, largestReplica: 10, ratio: 1.25))
        #expect(!BalanceGoal.bytesEven(heaviest: 50, lightest: 30, largestReplica: 10, ratio: 1.25))
        #expect(BalanceGoal.bytesEven(heaviest: 120, lightest: 100, largestReplica: 1, ratio: 1.25))
        #expect(!BalanceGoal.bytesEven(heaviest: 10, lightest: 0, largestReplica: 10, ratio: 1.25), "an empty broker is never even")
    }

    @Test func aCountGoalGapOfOneReplicaDoesNotWarn() {
        // Brokers 1-3 hold 4, 3, 3 replicas of equal size: counts as even as they go.
        let parts: [(String, Int32, [BrokerID])] = (0..<10).map { ("t", Int32($0), [BrokerID($0 % 3 + 1)]) }
        let r = HealthCheck.evaluate(F.observation(brokers: 3, partitions: parts))
        #expect(!r.findings.contains { $0.check == "byte-balance" }, "\(r.findings)")
    }

    @Test func aHandBuiltImbalanceStillWarns() {
        // Broker 1 holds 6 replicas, brokers 2 and 3 two each: three replicas apart.
        let parts: [(String, Int32, [BrokerID])] = (0..<6).map { ("t", Int32($0), [1]) } + (6..<10).map { ("t", Int32($0), [BrokerID($0 % 2 + 2)]) }
        let r = HealthCheck.evaluate(F.observation(brokers: 3, partitions: parts))
        #expect(r.findings.contains { $0.check == "byte-balance" }, "\(r.findings)")
    }

    /// Ten partitions of RF 3 over racks a, b, c onto 9 brokers: each rack's 10 replicas land 4, 3,
    /// 3 (the planner's count goal), 1.33x in bytes. Before one definition, the post-flight check
    /// of kscale's own scale-out warned about it.
    @Test func aScaleOutOnKafkaSimEndsWithoutAByteWarning() async throws {
        let c = try await LifecycleFlowTests.sixBrokers(spares: [7, 8, 9], partitions: 10)
        let report = try await LifecycleFlowTests.flows(c, execute: true).scaleOut(adding: [7, 8, 9])
        #expect(report.executed && report.failure == nil)
        let loads = try #require(report.postflight?.brokers)
        let bytes = loads.compactMap { $0.bytes }
        #expect((bytes.max() ?? 0) * 4 > (bytes.min() ?? 0) * 5, "the layout is past the 1.25 ratio: \(bytes)")
        #expect(report.postflight?.findings.contains { $0.check == "byte-balance" } == false, "\(report.postflight?.findings ?? [])")
        #expect(report.postflight?.status == .ok, "\(report.postflight?.findings ?? [])")
    }
}
