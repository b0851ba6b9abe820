import Foundation
import KafkaSim
import KScaleCore
import KScaleTestSupport
import Testing

/// A scenario written once against a `ScenarioCluster`, by name, for the profile matrix.
struct NamedScenario: Sendable, CustomTestStringConvertible {
    let name: String
    /// The cluster's topics (the 24-partition `orders` unless the scenario needs others).
    var topics: [TopicState] = [SimScenarioCluster.orders]
    let body: @Sendable (any ScenarioCluster) async throws -> Void

    var testDescription: String { name }

    static let lifecycle: [NamedScenario] = [
        NamedScenario(name: "scale-out then scale-in", body: LifecycleScenarios.scaleOutThenScaleIn),
        NamedScenario(name: "registration timeout", body: LifecycleScenarios.registrationTimeout),
        NamedScenario(name: "refusals", body: LifecycleScenarios.refusals),
        NamedScenario(name: "topic created mid-drain", body: LifecycleScenarios.topicCreatedMidDrain),
        NamedScenario(name: "broker failing mid-drain", body: LifecycleScenarios.brokerFailingMidDrain),
        NamedScenario(name: "check sees a stopped broker", body: LifecycleScenarios.checkSeesAStoppedBroker),
        NamedScenario(name: "cordon keeps new topics off", body: LifecycleScenarios.cordonKeepsNewTopicsOff),
    ]

    static let execution: [NamedScenario] = [
        NamedScenario(name: "resume after kill", body: ExecutionScenarios.resumeAfterKill),
        NamedScenario(name: "cancel with rollback", body: ExecutionScenarios.cancelWithRollback),
        NamedScenario(name: "add partitions", body: ExecutionScenarios.addPartitions),
    ]

    static let throttledReadByKafkaPython = NamedScenario(name: "throttled scale-out read by kafka-python",
                                                          body: ExecutionScenarios.throttledScaleOutReadByKafkaPython)

    /// On the KRaft profiles only: the cap is KRaft's.
    static let recordCap = NamedScenario(name: "scale-in of 12,000 partitions", topics: [ExecutionScenarios.big],
                                         body: ExecutionScenarios.scaleInOverTheRecordCap)
}

/// Where a scenario fails on a profile for a finding another branch of issue 12 fixes (the
/// lead removes the entry when that branch is merged): the case still runs, and its failure is
/// reported as that known issue. A listed case that passes fails, so a stale entry is noticed.
enum KnownIssues {
    static let byCase: [String: String] = [:]

    static func key(_ scenario: NamedScenario, _ profile: KafkaProfile) -> String { "\(scenario.name) on \(profile)" }
}

/// Runs `scenario` on a fresh KafkaSim cluster behaving as `profile`, as a known issue when
/// `KnownIssues` lists the case.
func runScenario(_ scenario: NamedScenario, on profile: KafkaProfile) async throws {
    guard let finding = KnownIssues.byCase[KnownIssues.key(scenario, profile)] else {
        return try await onKafkaSim(profile, topics: scenario.topics, scenario.body)
    }
    await withKnownIssue(Comment(rawValue: finding)) {
        try await onKafkaSim(profile, topics: scenario.topics, scenario.body)
    }
}

/// Every executor and lifecycle scenario on every profile (`TestProfiles.all`), each case on a
/// cluster of its own. One case at a time: the scenarios run on simulated time scaled from the
/// wall clock (as against real Kafka), which a hundred clusters at once on two cores would starve.
@Suite("Integration: every scenario on every KafkaSim profile", .serialized)
struct ScenariosOnEveryProfile {
    @Test(.timeLimit(.minutes(5)), arguments: NamedScenario.lifecycle, TestProfiles.all)
    func lifecycle(_ scenario: NamedScenario, _ profile: KafkaProfile) async throws { try await runScenario(scenario, on: profile) }

    @Test(.timeLimit(.minutes(5)), arguments: NamedScenario.execution, TestProfiles.all)
    func execution(_ scenario: NamedScenario, _ profile: KafkaProfile) async throws { try await runScenario(scenario, on: profile) }

    @Test(.timeLimit(.minutes(5)), arguments: TestProfiles.all)
    func throttledReadByKafkaPython(_ profile: KafkaProfile) async throws { try await runScenario(NamedScenario.throttledReadByKafkaPython, on: profile) }

    /// 12,000 partitions over the wire take about three minutes a profile on two idle cores.
    @Test(.timeLimit(.minutes(10)), arguments: TestProfiles.kraft)
    func recordCap(_ profile: KafkaProfile) async throws { try await runScenario(NamedScenario.recordCap, on: profile) }
}
