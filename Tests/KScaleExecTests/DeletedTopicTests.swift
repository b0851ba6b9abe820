import Foundation
import Testing
import KafkaAdmin
import KafkaSim
import KScaleCore
@testable import KScaleExec

/// Issue 12 finding 2: a topic deleted during a run. Its partitions end as `gone` (a terminal
/// outcome of their own: the rest of the run goes on), and every rate the run set is restored,
/// by the run itself and by `cancel`, `verify` and `throttle clear` after it.
struct DeletedTopicTests {
    let fixture = ExecutorTests()

    func journaledPhases(_ dir: String, topic: String) throws -> Set<PartitionPhase> {
        Set(try RunDirectory.readState(dir).partitions.filter { $0.key.topic == topic }.map(\.value.phase))
    }

    /// KRaft deletes a topic under reassignment at once. "orders" (the largest, started first)
    /// goes right after the first submission: some of its partitions in flight, some pending.
    @Test func aTopicDeletedMidRunEndsGoneAndTheRunRestoresEveryThrottle() async throws {
        let c = try await fixture.cluster()
        let plan = try await fixture.scaleOut(c)
        await c.deleteTopic("orders", afterAlterRequest: 1)
        let dir = temporaryDirectory()
        let events = ExecEventLog()
        let journal = try Journal(path: dir + "/journal.jsonl")
        let exec = try ReassignmentExecutor(admin: c, journal: journal, clock: c.clock, emit: { events.add($0) })
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let summary = try await exec.execute(inspection, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1),
                                             bootstrap: nil, commandConfig: nil)
        let orders = plan.partitions.map(\.topicPartition).filter { $0.topic == "orders" }
        #expect(summary.gone == orders.sorted())
        #expect(summary.failed.isEmpty)
        #expect(summary.done == plan.partitions.count - orders.count)
        for line in plan.partitions where line.topic == "events" {
            #expect(await c.replicas(line.topicPartition) == line.replicas, "\(line.topicPartition)")
        }
        let state = try RunDirectory.readState(dir)
        #expect(try journaledPhases(dir, topic: "orders") == [.gone])
        #expect(state.ended == "completed")
        #expect(state.ledger.isEmpty, "\(state.ledger)")
        // No broker rate, no throttled-replicas entry left anywhere.
        #expect(try await c.throttleConfigs() == [])
        #expect(events.all.contains { if case .partitionGone = $0 { true } else { false } })
    }

    /// ZooKeeper mode: deletion waits for the moves in flight (queued, not deleted) and the topic
    /// goes when its last move ends; the run ends with every partition gone, none failed, and no
    /// throttle left.
    @Test func onZooKeeperTheDeletionWaitsForTheMovesInFlight() async throws {
        let profile = try KafkaProfile(version: "3.3", mode: .zookeeper)
        let orders: [[BrokerID]] = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 1], [6, 1, 2]]
        let c = try await EngineCluster(brokers: (1...9).map { (BrokerID($0), Optional("r\($0 % 3)")) }, topics: [("orders", orders, 50_000_000)], profile: profile)
        let plan = try await fixture.scaleOut(c)
        await c.deleteTopic("orders", afterAlterRequest: 1)
        let dir = temporaryDirectory()
        let summary = try await fixture.run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        let state = try RunDirectory.readState(dir)
        #expect(await c.deletions == [.queued], "the moves in flight held the deletion back")
        #expect(summary.gone.count == plan.partitions.count)
        #expect(summary.failed.isEmpty)
        #expect(try await c.describeTopics(nil).allSatisfy { $0.name != "orders" }, "deleted once its moves ended")
        #expect(state.ledger.isEmpty)
        #expect(try await c.throttleConfigs() == [])
    }

    /// A run killed with throttles set, then its topic "orders" deleted (KRaft: moves and all).
    func killedRunThenDeleted(_ c: EngineCluster) async throws -> (plan: ReassignmentPlan, dir: String) {
        let (plan, dir) = try await fixture.killedScaleOut(c, afterSleeps: 3)
        #expect(try await !c.throttleConfigs().isEmpty)
        try await c.deleteTopic("orders")
        return (plan, dir)
    }

    @Test func cancelAfterATopicWasDeletedSkipsItAndRestoresRates() async throws {
        let c = try await fixture.cluster()
        let (_, dir) = try await killedRunThenDeleted(c)
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        #expect(!outcome.gone.isEmpty)
        #expect(outcome.gone.keys.allSatisfy { $0.topic == "orders" })
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(try await c.throttleConfigs() == [])
        let state = try RunDirectory.readState(dir)
        #expect(state.ledger.isEmpty)
        #expect(state.ended == "cancelled")
        #expect(try journaledPhases(dir, topic: "orders").isSubset(of: [.gone, .done]))
    }

    @Test func verifyAfterATopicWasDeletedJudgesTheRestAndRestoresRates() async throws {
        let c = try await fixture.cluster()
        let (plan, dir) = try await killedRunThenDeleted(c)
        // The rest of the plan finishes without the process (it was submitted or is submitted now).
        let left = plan.partitions.filter { $0.topic != "orders" }
        _ = try await c.alterReassignments(Dictionary(uniqueKeysWithValues: left.map { ($0.topicPartition, Optional($0.replicas)) }))
        await c.completeMoves()
        let verification = try await Verification.run(plan: plan, runIn: dir, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        #expect(verification.report.gone.count == plan.partitions.count - left.count)
        #expect(verification.report.complete)
        guard case .throttlesRemoved = verification.ending else {
            Issue.record("the run should have ended with its throttles removed, got \(verification.ending)")
            return
        }
        #expect(try await c.throttleConfigs() == [])
        #expect(try RunDirectory.readState(dir).ledger.isEmpty)
    }

    @Test func throttleClearAfterATopicWasDeletedRestoresRates() async throws {
        let c = try await fixture.cluster()
        let (_, dir) = try await killedRunThenDeleted(c)
        let report = try await ThrottleClear.run(admin: DryRunAdmin(c, execute: true), runs: [dir], includeUnknown: false, clock: c.clock)
        #expect(report.runs.count == 1)
        #expect(report.runs.first?.deletedTopics == ["orders"])
        #expect(try await c.throttleConfigs() == [])
        #expect(try RunDirectory.readState(dir).ledger.isEmpty)
    }

    /// A topic deleted while no process drove the run: `resume` ends its partitions gone and
    /// drives the rest to the end.
    @Test func resumeAfterATopicWasDeletedDrivesTheRest() async throws {
        let c = try await fixture.cluster()
        let (plan, dir) = try await killedRunThenDeleted(c)
        let summary = try await ReassignmentExecutor(admin: c, journal: try Journal(path: dir + "/journal.jsonl"), clock: c.clock).resume()
        #expect(Set(summary.gone.map(\.topic)) == ["orders"])
        for line in plan.partitions where line.topic == "events" {
            #expect(await c.replicas(line.topicPartition) == line.replicas, "\(line.topicPartition)")
        }
        #expect(try await c.throttleConfigs() == [])
    }
}

extension ExecutorTests {
    /// The scale-out run killed after `sleeps` polls, throttled, one move per broker at a time:
    /// moves in flight, others pending, throttles set.
    func killedScaleOut(_ c: EngineCluster, afterSleeps sleeps: Int) async throws -> (plan: ReassignmentPlan, dir: String) {
        let plan = try await scaleOut(c)
        let dir = temporaryDirectory()
        c.clock.dieAfterSleeps = sleeps
        await #expect(throws: CancellationError.self) {
            try await run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        }
        c.clock.dieAfterSleeps = nil
        return (plan, dir)
    }
}
