import Foundation
import KafkaClient
import KScaleCore
import KScaleExec
import KScaleTestSupport
import Testing

/// Executor scenarios on the same two targets: a run killed in the middle and resumed, a run
/// cancelled with rollback, and no throttle left behind by either.
enum ExecutionScenarios {
    /// The scale-out plan onto the spares, throttled to 250 KB/s so moves are still in flight when
    /// the scenario interrupts them.
    static func slowScaleOut(_ t: any ScenarioCluster) async throws -> (LifecyclePlan, ExecutorRunner, String) {
        let snapshot = try await ClusterObservation.read(from: t.admin).snapshot()
        let plan = try CorePlanner().plan(.scaleOut(add: Scenario.spares), from: snapshot)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-it-\(UUID().uuidString)").path
        let runner = ExecutorRunner(admin: DryRunAdmin(t.admin, execute: true), options: RunOptions(throttle: 250_000, maxMovesPerBroker: 2, pollInterval: 1),
                                    stateRoot: root, clock: t.clock)
        return (plan, runner, RunDirectory.directory(for: plan.plan, root: root))
    }

    /// Starts `plan` and kills the run (the task, as SIGKILL would the process) once a move is in flight.
    static func startThenKill(_ t: any ScenarioCluster, _ runner: ExecutorRunner, _ plan: LifecyclePlan) async throws {
        let task = Task { try await runner.run(plan, label: "scenario") }
        let waited: (any Error)?
        do {
            try await waitUntil("a move of the scale-out to be in flight on \(t.name)") {
                try await !t.admin.listReassignments(nil).isEmpty
            }
            waited = nil
        } catch { waited = error }
        task.cancel()
        _ = await task.result
        if let waited { throw waited }
    }

    static func assignment(_ t: any ScenarioCluster) async throws -> [String: [BrokerID]] {
        var out: [String: [BrokerID]] = [:]
        for (tp, p) in try await ClusterObservation.read(from: t.admin).partitions { out[tp.description] = p.replicas }
        return out
    }

    static func resumeAfterKill(_ t: any ScenarioCluster) async throws {
        let (plan, runner, dir) = try await slowScaleOut(t)
        try #require(!plan.plan.partitions.isEmpty)
        try await startThenKill(t, runner, plan)
        #expect(try await !t.admin.listReassignments(nil).isEmpty, "the kill left moves in flight")
        // As `kscale resume` does: through PlanRun, which also ends the run's claim on the cluster's
        // run record, so the scale-in below is not refused as overlapping a run still driving.
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(t.admin, execute: true), clock: t.clock).resume(in: dir) else {
            Issue.record("resume did not run"); return
        }
        #expect(summary.failed.isEmpty)
        let verify = try await VerifyReport.check(plan: plan.plan, admin: t.admin)
        #expect(verify.complete, "after resume: \(verify)")
        #expect(try await LifecycleScenarios.throttlesLeft(t).isEmpty)
        // Back to the starting layout for the next scenario.
        _ = try await LifecycleScenarios.flows(t).scaleIn(removing: Scenario.spares)
    }

    static func cancelWithRollback(_ t: any ScenarioCluster) async throws {
        let before = try await assignment(t)
        let (plan, runner, dir) = try await slowScaleOut(t)
        try await startThenKill(t, runner, plan)
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(t.admin, execute: true), clock: t.clock)
        #expect(!outcome.cancelled.isEmpty, "the kill left moves in flight to cancel")
        #expect(outcome.failures.isEmpty)
        if !outcome.rollback.partitions.isEmpty {
            try await runner.run(LifecyclePlan(plan: outcome.rollback, rollback: plan.plan), label: "rollback")
        }
        try await waitUntil("the rollback's moves to finish on \(t.name)") { try await t.admin.listReassignments(nil).isEmpty }
        let after = try await assignment(t)
        for (tp, replicas) in before { #expect(Set(after[tp] ?? []) == Set(replicas), "\(tp)") }
        #expect(try await LifecycleScenarios.throttlesLeft(t).isEmpty)
    }
}

@Suite("Integration: executor scenarios on real Kafka", .serialized, .enabled(if: Scenario.realBootstrap != nil, Scenario.realSkipReason))
struct ExecutionOnRealKafka {
    @Test func resumeAfterKill() async throws { try await onRealKafka(ExecutionScenarios.resumeAfterKill) }
    @Test func cancelWithRollback() async throws { try await onRealKafka(ExecutionScenarios.cancelWithRollback) }
}

extension ExecutionScenarios {
    /// Adding partitions: the new ones are placed rack-aware through CreatePartitions with explicit
    /// assignments; a dry run (validate only) changes nothing; decreasing is refused.
    static func addPartitions(_ t: any ScenarioCluster) async throws {
        let topic = Scenario.topic("grow")
        try await Scenario.create(topic, partitions: 3, on: t.client)
        let snapshot = try await ClusterObservation.read(from: t.admin).snapshot()
        let plan = try AddPartitionsPlan(snapshot: snapshot, topic: topic, targetCount: 9, acceptKeyRemap: true)
        try await t.admin.createPartitions(topic: topic, totalCount: 9, assignments: plan.assignments, validateOnly: true)
        #expect(try await t.admin.describeTopics([topic]).first?.partitions.count == 3)
        try await t.admin.createPartitions(topic: topic, totalCount: 9, assignments: plan.assignments, validateOnly: false)
        var grown: [PartitionDescription] = []
        try await waitUntil("\(topic) to show 9 partitions on \(t.name)", pause: .sleep(.milliseconds(100))) {
            grown = try await t.admin.describeTopics([topic]).first?.partitions ?? []
            return grown.count == 9
        }
        for p in grown where p.partition >= 3 {
            #expect(Set(p.replicas.map(Scenario.rack)).count == 3, "partition \(p.partition) on \(p.replicas)")
        }
        #expect(throws: InvalidInput.self) {
            try AddPartitionsPlan(snapshot: snapshot, topic: topic, targetCount: 2, acceptKeyRemap: true)
        }
        _ = try await t.client.deleteTopics([topic])
    }
}

@Suite("Integration: add partitions")
struct AddPartitionsScenarios {
    @Test(.enabled(if: Scenario.realBootstrap != nil, Scenario.realSkipReason))
    func onRealKafka() async throws { try await IntegrationTests.onRealKafka(ExecutionScenarios.addPartitions) }
}
