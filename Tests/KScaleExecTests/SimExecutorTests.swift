import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
@testable import KScaleExec

/// The required behaviours, end to end: KafkaSim brokers on loopback, reached through
/// KafkaAdminClient, with the executor on the simulator's clock.
@Suite(.serialized) struct SimExecutorTests {
    @Test func fullScaleOutRunsToCompletionWithinCapsAndLeavesNoThrottle() async throws {
        let h = try await SimHarness.start()
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        #expect(plan.partitions.count > 5)
        let log = ExecEventLog()
        let options = RunOptions(throttle: 50_000_000, maxMovesPerBroker: 3, maxMoves: 20, pollInterval: 2)
        let summary = try await h.run(plan, options: options, dir: temporaryDirectory(), emit: { log.add($0) })
        #expect(summary.failed.isEmpty)
        #expect(summary.done == plan.partitions.count)
        #expect(await h.offTarget(plan, original: original) == [])
        #expect(try await h.throttlesLeft() == [])
        // Progress reached the whole total, through DescribeLogDirs of the adding replicas.
        let last = log.all.compactMap { if case .progress(let p) = $0 { return p } else { return nil } }.last
        #expect(last?.bytesTotal ?? 0 > 0)
        let verify = try await VerifyReport.check(plan: plan, admin: h.admin)
        #expect(verify.complete)
        await h.stop()
    }

    @Test func throttleSetBySomeoneElseSurvivesTheRun() async throws {
        let h = try await SimHarness.start()
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        // Someone else's: a topic entry on a moving topic, a rate on a broker the run touches and
        // one on a broker it does not.
        let theirs: [ConfigResource: [ConfigChange]] = [
            .topic("orders"): [ConfigChange(ThrottleKeys.leaderReplicas, .set, "11:6")],
            .broker(1): [ConfigChange(ThrottleKeys.followerRate, .set, "7000000")],
        ]
        _ = try await h.admin.incrementalAlterConfigs(theirs, validateOnly: false)
        let before = try await h.throttlesLeft()
        let summary = try await h.run(plan, options: RunOptions(throttle: 40_000_000, pollInterval: 2), dir: temporaryDirectory())
        #expect(summary.failed.isEmpty)
        #expect(await h.offTarget(plan, original: original) == [])
        #expect(try await h.throttlesLeft() == before)
        #expect(before == ["broker 1 follower.replication.throttled.rate=7000000", "topic orders leader.replication.throttled.replicas=11:6"])
        await h.stop()
    }

    @Test func brokerStoppedMidRunAndStartedAgain() async throws {
        let h = try await SimHarness.start()
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let log = ExecEventLog()
        let options = RunOptions(throttle: 20_000_000, maxMovesPerBroker: 2, stallTimeout: 30, pollInterval: 2)
        let dir = temporaryDirectory()
        let run = Task { try await h.run(plan, options: options, dir: dir, emit: { log.add($0) }) }
        // Stop a new broker once copies to it are under way; start it after its stall is reported.
        try await waitUntil("a copy to broker 8 to start") {
            log.all.contains { if case .partitionStarted(_, _, let to, _) = $0 { return to.contains(8) } else { return false } }
        }
        await h.sim.stopBroker(8)
        try await waitUntil("a stall naming offline broker 8") { log.stalls.contains { $0.reason.contains("broker 8 is offline") } }
        await h.sim.startBroker(8)
        let summary = try await run.value
        #expect(summary.failed.isEmpty)
        #expect(await h.offTarget(plan, original: original) == [])
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }

    @Test func cancelWithRollbackReturnsEveryPartition() async throws {
        let h = try await SimHarness.start()
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let dir = temporaryDirectory()
        let dying = DyingClock(inner: h.execClock, counter: .init(), limit: 12)
        let exec = try ReassignmentExecutor(admin: h.admin, journal: Journal(path: dir + "/journal.jsonl"), clock: dying)
        let inspection = try await Preflight.inspect(plan: plan, admin: h.admin, additional: false)
        await #expect(throws: CancellationError.self) {
            try await exec.execute(inspection, options: RunOptions(throttle: 50_000_000, maxMovesPerBroker: 2, pollInterval: 2), bootstrap: nil, commandConfig: nil)
        }
        let state = RunDirectory.readStateOrEmpty(dir)
        #expect(state.count(.done) > 0)
        #expect(state.count(.submitted) > 0)
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(h.admin, execute: true), clock: h.execClock)
        #expect(!outcome.cancelled.isEmpty)
        #expect(outcome.failures.isEmpty)
        #expect(try await h.admin.listReassignments(nil).isEmpty)
        #expect(try await h.throttlesLeft() == [])
        let rollback = try await h.run(outcome.rollback, options: RunOptions(throttle: 50_000_000, pollInterval: 2), dir: dir + "-rollback")
        #expect(rollback.failed.isEmpty)
        let now = await h.sim.state()
        for (tp, p) in original.allPartitions { #expect(now.partition(tp)?.replicas == p.replicas, "\(tp)") }
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }

    @Test func journalWithATornLastLineResumes() async throws {
        let h = try await SimHarness.start()
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let dir = temporaryDirectory()
        let dying = DyingClock(inner: h.execClock, counter: .init(), limit: 8)
        let exec = try ReassignmentExecutor(admin: h.admin, journal: Journal(path: dir + "/journal.jsonl"), clock: dying)
        let inspection = try await Preflight.inspect(plan: plan, admin: h.admin, additional: false)
        await #expect(throws: CancellationError.self) {
            try await exec.execute(inspection, options: RunOptions(throttle: 50_000_000, maxMovesPerBroker: 2, pollInterval: 2), bootstrap: nil, commandConfig: nil)
        }
        // The process died in the middle of writing a line.
        let h2 = try #require(FileHandle(forWritingAtPath: dir + "/journal.jsonl"))
        h2.seekToEndOfFile()
        h2.write(Data("{\"type\":\"partition\",\"at\":1,\"topic\":\"orders\",\"partition\":3,\"sta".utf8))
        h2.closeFile()
        let resumed = try ReassignmentExecutor(admin: h.admin, journal: Journal(path: dir + "/journal.jsonl"), clock: h.execClock)
        let summary = try await resumed.resume()
        #expect(summary.failed.isEmpty)
        #expect(await h.offTarget(plan, original: original) == [])
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }

    @Test func refusesUnknownAndOfflineBrokersAndForeignReassignments() async throws {
        let h = try await SimHarness.start()
        let bad = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [42, 2, 3])])
        let e1 = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: bad, admin: h.admin, additional: false) }
        #expect(e1?.message.contains("broker 42") == true)
        await h.sim.stopBroker(2)
        let offline = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 5, replicas: [7, 2, 9])])
        let e2 = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: offline, admin: h.admin, additional: false) }
        #expect(e2?.message.contains("broker 2") == true)
        await h.sim.startBroker(2)
        _ = try await h.admin.alterReassignments([TopicPartition("clicks", 0): [7, 8]])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [7, 3, 5])])
        let e3 = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: plan, admin: h.admin, additional: false) }
        #expect(e3?.message.contains("clicks-0") == true)
        _ = try await Preflight.inspect(plan: plan, admin: h.admin, additional: true)
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }
}

extension RunDirectory {
    static func readStateOrEmpty(_ dir: String) -> RunState { (try? readState(dir)) ?? RunState() }
}

@Suite struct ThrottleClearUnknownTests {
    /// `throttle clear --include-unknown`: throttles nobody's ledger knows are removed, entries of
    /// other configs are kept, and nothing changes while a reassignment is in flight.
    @Test func unknownThrottlesAreRemovedOnlyWhenNothingMoves() async throws {
        let h = try await SimHarness.start()
        let theirs: [ConfigResource: [ConfigChange]] = [
            .topic("orders"): [ConfigChange(ThrottleKeys.leaderReplicas, .set, "11:6,3:1"), ConfigChange("retention.ms", .set, "3600000")],
            .broker(1): [ConfigChange(ThrottleKeys.followerRate, .set, "7000000")],
        ]
        _ = try await h.admin.incrementalAlterConfigs(theirs, validateOnly: false)
        let before = try await h.throttlesLeft()
        #expect(before.count == 2)

        // A reassignment in flight: refused, nothing changed.
        let orders0 = try #require(await h.sim.state().snapshot.topics.first { $0.name == "orders" }?.partitions.first)
        let target = [BrokerID(7)] + orders0.replicas.dropFirst()
        #expect(try await h.admin.alterReassignments([TopicPartition("orders", 0): target]).isEmpty)
        await #expect(throws: Refusal.self) { _ = try await ThrottleAudit.clearUnowned(admin: h.admin, runs: []) }
        #expect(try await h.throttlesLeft() == before)

        // Once it is cancelled, the unknown throttles go and the topic's other config stays.
        _ = try await h.admin.alterReassignments([TopicPartition("orders", 0): nil])
        #expect(try await ThrottleAudit.clearUnowned(admin: h.admin, runs: []) == 2)
        #expect(try await h.throttlesLeft() == [])
        let orders = try await h.admin.describeConfigs([.topic("orders")])[.topic("orders")] ?? []
        #expect(orders.first { $0.name == "retention.ms" }?.value == "3600000")
        await h.stop()
    }
}

@Suite struct StallCauseOnKafkaSimTests {
    /// A throttle below the partition's ingest rate never finishes (KafkaSim keeps the log growing);
    /// the executor must say so rather than report a generic stall.
    @Test func throttleBelowIngestIsNamedAsTheCause() async throws {
        let h = try await SimHarness.start(ingest: 2_000_000)
        let clicks0 = try #require(await h.sim.state().snapshot.topics.first { $0.name == "clicks" }?.partitions.first)
        let target = [BrokerID(7)] + clicks0.replicas.dropFirst()
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "clicks", partition: 0, replicas: target)])
        let log = ExecEventLog()
        let options = RunOptions(throttle: 1_000_000, stallTimeout: 20, pollInterval: 2)
        let run = Task { try await h.run(plan, options: options, dir: temporaryDirectory(), emit: { log.add($0) }) }
        let waited: (any Error)?
        do { try await waitUntil("a stall to be reported") { !log.stalls.isEmpty }; waited = nil } catch { waited = error }
        run.cancel()
        _ = try? await run.value
        if let waited { throw waited }
        let stall = try #require(log.stalls.first)
        #expect(stall.partition == TopicPartition("clicks", 0))
        #expect(stall.reason.contains("below the partition's ingest rate"), "\(stall.reason)")
        _ = try await h.admin.alterReassignments([TopicPartition("clicks", 0): nil])
        await h.stop()
    }
}
