import Foundation
import KafkaAdmin
import KScaleCore
import Testing
@testable import KScaleExec

/// The plan you reviewed is the plan that runs (issue 13 item 6): the drift rule on hand-built
/// readings, and execute on KafkaSim's engine refusing a plan whose partition moved since it was
/// made, unless `--allow-drift`.
@Suite struct PlanDriftRuleTests {
    static let tp0 = TopicPartition("t", 0)
    static let tp1 = TopicPartition("t", 1)

    static func line(_ partition: Int32, to replicas: [BrokerID], from original: [BrokerID]?) -> PartitionAssignment {
        PartitionAssignment(topic: "t", partition: partition, replicas: replicas, originalReplicas: original)
    }

    @Test func aPartitionWhereThePlanFoundItHasNotDrifted() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [1, 2, 3]), ("t", 1, [2, 3, 1])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3]), Self.line(1, to: [2, 3, 4], from: [2, 3, 1])])
        #expect(PlanDrift.judge(plan, against: view) == PlanDrift())
    }

    @Test func aPartitionMovedElsewhereDriftedAndIsNamedWithBothLists() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [4, 2, 3]), ("t", 1, [2, 3, 1])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [1, 2, 4], from: [1, 2, 3]), Self.line(1, to: [2, 3, 4], from: [2, 3, 1])])
        let drift = PlanDrift.judge(plan, against: view)
        #expect(drift.drifted == [DriftedPartition(partition: Self.tp0, recorded: [1, 2, 3], now: [4, 2, 3])])
        let refusal = try? #require(drift.refusal)
        #expect(refusal?.kind == .refused)
        #expect(refusal?.message.contains("t-0: planned from [1, 2, 3], now [4, 2, 3]") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.message.contains("--allow-drift") == true)
        #expect(refusal?.message.contains("t-1") == false)
    }

    /// Replicas are ordered (the first is the preferred leader): a reorder is drift.
    @Test func aReorderedReplicaListDrifted() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [2, 1, 3])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3])])
        #expect(PlanDrift.judge(plan, against: view).drifted.map(\.now) == [[2, 1, 3]])
    }

    @Test func aPartitionAlreadyAtThePlansTargetHasNotDrifted() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [4, 2, 3])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3])])
        #expect(PlanDrift.judge(plan, against: view).drifted.isEmpty)
    }

    @Test func aPlannedPartitionThatNoLongerExistsDrifted() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [1, 2, 3])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3]), Self.line(1, to: [4, 3, 1], from: [2, 3, 1])])
        let drift = PlanDrift.judge(plan, against: view)
        #expect(drift.drifted == [DriftedPartition(partition: Self.tp1, recorded: [2, 3, 1], now: nil)])
        #expect(drift.refusal?.message.contains("t-1: planned from [2, 3, 1], no longer exists") == true)
    }

    /// A move in flight: judged by the replicas it started from (KIP-455: replicas minus adding),
    /// and a move already heading to the plan's target is the plan being carried out.
    @Test func aPartitionInFlightIsJudgedByWhereItStartedAndWhereItGoes() {
        var view = LifecycleFixture.observation(brokers: 5, partitions: [("t", 0, [1, 2, 3, 4]), ("t", 1, [1, 2, 3, 5])])
        view.reassignments = [Self.tp0: OngoingReassignment(replicas: [1, 2, 3, 4], adding: [4], removing: [1]),
                              Self.tp1: OngoingReassignment(replicas: [1, 2, 3, 5], adding: [5], removing: [1])]
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3]), Self.line(1, to: [2, 3, 4], from: [3, 2, 1])])
        let drift = PlanDrift.judge(plan, against: view)
        // t-0 moves to the plan's target; t-1 started from [1, 2, 3], not the recorded [3, 2, 1].
        #expect(drift.drifted == [DriftedPartition(partition: Self.tp1, recorded: [3, 2, 1], now: [1, 2, 3])])
    }

    /// This run's own moves are not drift, and a plan without the record (Kafka's --generate, an
    /// older kscale plan) says its drift could not be checked.
    @Test func ownMovesAreNotJudgedAndUnrecordedLinesAreNoted() {
        let view = LifecycleFixture.observation(brokers: 4, partitions: [("t", 0, [4, 2, 1]), ("t", 1, [2, 3, 1])])
        let plan = ReassignmentPlan(partitions: [Self.line(0, to: [4, 2, 3], from: [1, 2, 3]), Self.line(1, to: [2, 3, 4], from: nil)])
        let drift = PlanDrift.judge(plan, against: view, ours: [Self.tp0])
        #expect(drift.drifted.isEmpty)
        #expect(drift.unrecorded == [Self.tp1])
        #expect(drift.refusal == nil)
        #expect(drift.notes.count == 1)
        #expect(drift.notes.first?.contains("drift not checked for 1 partitions") == true)
    }
}

@Suite struct PlanDriftExecuteTests {
    /// Three partitions RF 2 over brokers 1-3, broker 4 empty: plans move onto 4.
    static func cluster() async throws -> EngineCluster {
        try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2], [2, 3], [3, 1]], 1_000_000)])
    }

    /// The plan `kscale plan scale-out --add-brokers 4` writes for the cluster as it is now.
    static func plan(of c: EngineCluster) async throws -> ReassignmentPlan {
        let snapshot = try await ClusterObservation.read(from: c).snapshot()
        let plan = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [4]))).plan
        // What kscale writes is what it reads back: the record goes through the file format.
        return try ReassignmentPlan.decode(plan.encoded())
    }

    @Test func executeRefusesAPlanWhosePartitionMovedNamingItAndAllowDriftRunsIt() async throws {
        let c = try await Self.cluster()
        let plan = try await Self.plan(of: c)
        // A partition the plan moves onto broker 4 (not one it only reorders).
        let moved = try #require(plan.partitions.first { $0.replicas.contains(4) })
        let recorded = try #require(moved.originalReplicas)
        // Someone else moves the partition after the plan was made (another reassignment).
        let elsewhere = Array(recorded.reversed())
        _ = try await c.admin.alterReassignments([moved.topicPartition: elsewhere])
        await c.completeMoves()
        #expect(await c.replicas(moved.topicPartition) == elsewhere)
        let requestsBefore = await c.alterRequests
        let options = RunOptions(throttle: 10_000_000, pollInterval: 1)
        let root = temporaryDirectory()
        for execute in [false, true] {
            let refused = await #expect(throws: Refusal.self) {
                _ = try await PlanRun(admin: DryRunAdmin(c, execute: execute), clock: c.clock).execute(plan, in: root + "/run", options: options)
            }
            let message = refused?.message ?? ""
            #expect(message.contains("moved since the plan was made"), "\(message)")
            #expect(message.contains("\(moved.topicPartition): planned from \(recorded), now \(elsewhere)"), "\(message)")
        }
        #expect(await c.alterRequests == requestsBefore, "a refused plan changed nothing")
        #expect(try await c.throttleConfigs().isEmpty)

        guard case let .preview(preview, _) = try await PlanRun(admin: DryRunAdmin(c, execute: false), clock: c.clock)
            .execute(plan, in: root + "/run", options: options, drift: .allow) else {
            Issue.record("a dry run executed")
            return
        }
        #expect(preview.drift?.drifted.map(\.partition) == [moved.topicPartition])

        let events = ExecEventLog()
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock, emit: { events.add($0) })
            .execute(plan, in: root + "/run", options: options, drift: .allow) else {
            Issue.record("--allow-drift did not run")
            return
        }
        #expect(summary.failed.isEmpty)
        for line in plan.partitions { #expect(await c.replicas(line.topicPartition) == line.replicas) }
        #expect(events.messages.contains { $0.hasPrefix("--allow-drift: running the plan over 1 partitions") && $0.contains("\(moved.topicPartition)") })
    }

    /// The same execute again after a crash: its own moves (in flight or done) are not drift.
    @Test func executeAgainAfterACrashDoesNotTripOnItsOwnMoves() async throws {
        let c = try await Self.cluster()
        let plan = try await Self.plan(of: c)
        let dir = temporaryDirectory() + "/run"
        let options = RunOptions(throttle: 100_000, pollInterval: 1)
        c.clock.dieAfterSleeps = 1
        await #expect(throws: CancellationError.self) {
            _ = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(plan, in: dir, options: options)
        }
        c.clock.dieAfterSleeps = nil
        #expect(try await c.inFlightCount() > 0)
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock)
            .execute(plan, in: dir, options: options) else {
            Issue.record("the second execute did not run")
            return
        }
        #expect(summary.failed.isEmpty)
    }

    /// A plan without the record (as Kafka's --generate writes it) still executes, saying its
    /// drift could not be checked.
    @Test func aPlanWithoutTheRecordRunsWithANote() async throws {
        let c = try await Self.cluster()
        var plan = try await Self.plan(of: c)
        for i in plan.partitions.indices { plan.partitions[i].originalReplicas = nil }
        let events = ExecEventLog()
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock, emit: { events.add($0) })
            .execute(plan, in: temporaryDirectory() + "/run", options: RunOptions(throttle: 10_000_000, pollInterval: 1)) else {
            Issue.record("the plan did not run")
            return
        }
        #expect(summary.failed.isEmpty)
        #expect(events.messages.contains { $0.hasPrefix("drift not checked for \(plan.partitions.count) partitions") })
    }
}


@Suite struct PlanRecordIdentityTests {
    /// The run id is the plan's identity (what it asks for): the same targets planned from two
    /// snapshots are one run, and a plan reads the same id as before it recorded its originals.
    @Test func theRunIDIgnoresTheRecord() {
        let bare = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [4, 2, 3])])
        var recorded = bare
        recorded.partitions[0].originalReplicas = [1, 2, 3]
        var other = bare
        other.partitions[0].originalReplicas = [3, 2, 1]
        #expect(RunDirectory.runID(for: recorded) == RunDirectory.runID(for: bare))
        #expect(RunDirectory.runID(for: other) == RunDirectory.runID(for: bare))
        #expect(recorded.asksForTheSame(as: other))
    }
}
