import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
@testable import KScaleExec

/// Issue 12 finding 5: KRaft brokers answer Metadata and DescribeConfigs from their metadata
/// cache, applied after the controller commits, so a finished move looks unfinished (or never
/// started) for a while, and configs kscale has just written do not show yet. On a KafkaSim with a
/// metadata lag longer than the poll interval, a scale-out counts every move done once (no
/// resubmission, none failed) and leaves no throttle.
@Suite(.serialized) struct MetadataLagExecutorTests {
    static let lag = MetadataLag(seconds: 5)

    @Test func aScaleOutUnderMetadataLagCountsEveryMoveDoneOnceAndLeavesNoThrottle() async throws {
        let h = try await SimHarness.start(metadataLag: Self.lag)
        let clock = try #require(h.clock)
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        #expect(plan.partitions.count > 5)
        let log = ExecEventLog()
        let dir = temporaryDirectory()
        let summary = try await h.run(plan, options: RunOptions(throttle: 50_000_000, maxMovesPerBroker: 3, maxMoves: 20, pollInterval: 2),
                                      dir: dir, emit: { log.add($0) })
        #expect(summary.failed.isEmpty, "\(summary.failed)")
        #expect(summary.done == plan.partitions.count)
        let started = log.all.compactMap { if case .partitionStarted(let tp, _, _, _) = $0 { return tp } else { return nil } }
        #expect(started.count == plan.partitions.count, "resubmitted: \(Dictionary(grouping: started, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted())")
        let journal = try Journal.read(path: dir + "/journal.jsonl")
        let resubmitted = journal.filter { ($0.detail ?? "").contains("resubmitting") }
        #expect(resubmitted.isEmpty, "\(resubmitted.compactMap(\.detail))")
        #expect(await h.offTarget(plan, original: original) == [])
        // Once every broker has applied what the controller holds, nothing of the run is left.
        clock.advance(by: Self.lag.largest + 1)
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }

    /// A move the AlterPartitionReassignments refuses has its throttle entries removed right after
    /// they were added, before the answering broker shows them: the removal is still sent (a
    /// DELETE of the list the broker shows unset) and none is left behind.
    @Test func entriesRemovedRightAfterTheyWereAddedAreNotLeftBehind() async throws {
        let h = try await SimHarness.start(metadataLag: Self.lag)
        let clock = try #require(h.clock)
        let dir = temporaryDirectory()
        let controller = ThrottleController(admin: h.admin, journal: try Journal(path: dir + "/journal.jsonl"), clock: clock)
        var ledger = ThrottleLedger()
        let tp = TopicPartition("orders", 0)
        let before = try #require(await h.sim.state().partition(tp)?.replicas)
        let move = Move(tp: tp, from: before, to: [7, 8, 9], bytes: 1)
        try await controller.throttle([move], rate: 10_000_000, alive: Set((1...9).map { BrokerID($0) }), ledger: &ledger)
        try await controller.release([tp], ledger: &ledger)
        #expect(ledger.replicas[tp]?.values.allSatisfy(\.isEmpty) ?? true)
        try await controller.restoreAll(ledger: &ledger)
        clock.advance(by: Self.lag.largest + 1)
        #expect(try await h.throttlesLeft() == [])
        await h.stop()
    }

    /// Entries the run added in an earlier poll, which the answering broker does not show yet, are
    /// not SET over: the next batch on the same topic waits until they show, then APPENDs.
    @Test func aLaterBatchOnTheSameTopicKeepsTheEntriesAnEarlierOneAdded() async throws {
        let h = try await SimHarness.start(metadataLag: Self.lag)
        let clock = try #require(h.clock)
        let controller = ThrottleController(admin: h.admin, journal: try Journal(path: temporaryDirectory() + "/journal.jsonl"), clock: clock)
        var ledger = ThrottleLedger()
        let state = await h.sim.state()
        func move(_ p: Int32, to: [BrokerID]) throws -> Move {
            Move(tp: TopicPartition("orders", p), from: try #require(state.partition(TopicPartition("orders", p))?.replicas), to: to, bytes: 1)
        }
        let alive = Set((1...9).map { BrokerID($0) })
        try await controller.throttle([try move(0, to: [7, 8, 9])], rate: 10_000_000, alive: alive, ledger: &ledger)
        try await controller.throttle([try move(1, to: [7, 8, 9])], rate: 10_000_000, alive: alive, ledger: &ledger)
        clock.advance(by: Self.lag.largest + 1)
        let stored = await h.sim.state().topics.first { $0.name == "orders" }?.configs?[ThrottleKeys.followerReplicas]
        #expect(ThrottleKeys.parse(stored) == ["0:7", "0:8", "0:9", "1:7", "1:8", "1:9"], "\(stored ?? "unset")")
        await h.stop()
    }
}

/// KafkaSim refuses a config key given twice in one IncrementalAlterConfigs resource
/// (INVALID_REQUEST, as ConfigAdminManager does): kscale never sends one, on any of its paths.
struct NoDuplicateConfigKeysTests {
    @Test func noRequestOfARunAndItsClearNamesAKeyTwice() async throws {
        var assignment: [[BrokerID]] = []
        var lines: [PartitionAssignment] = []
        for p in 0..<8 {
            let first = BrokerID(p % 3 + 1)
            assignment.append([first, first + 1])
            lines.append(PartitionAssignment(topic: "orders", partition: Int32(p), replicas: [BrokerID(p % 2 + 4), 6]))
        }
        let brokers: [(BrokerID, String?)] = (1...6).map { (BrokerID($0), "r\($0 % 3)") }
        let c = try await EngineCluster(brokers: brokers, topics: [("orders", assignment, 20_000_000)])
        // Someone else's throttles, so the run appends to lists and clear has unknown ones to remove.
        try await c.setTopicConfig("orders", ThrottleKeys.leaderReplicas, "7:1")
        try await c.setBrokerConfig(1, ThrottleKeys.leaderRate, "1000")
        let plan = ReassignmentPlan(partitions: lines)
        let dir = temporaryDirectory()
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: dir + "/journal.jsonl"), clock: c.clock)
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let summary = try await exec.execute(inspection, options: RunOptions(maxMovesPerBroker: 8, maxMoves: 8, autoThrottleMin: 5_000_000,
                                                                             autoThrottleMax: 50_000_000, pollInterval: 2),
                                             bootstrap: nil, commandConfig: nil)
        #expect(summary.failed.isEmpty)
        _ = try await ThrottleClear.run(admin: DryRunAdmin(c, execute: true), runs: [dir], includeUnknown: true, clock: c.clock)
        let sent = await c.configCalls
        let validated = await c.validatedConfigCalls
        let calls = sent + validated
        #expect(calls.count > 3)
        for call in calls {
            for (resource, ops) in call {
                let names = ops.map { $0.name }
                #expect(Set(names).count == names.count, "\(resource): \(ops)")
            }
        }
    }
}

/// Kafka never trims a list item: "0:1, 0:2" keeps " 0:2", which SUBTRACT "0:2" does not remove
/// and the broker it names cannot parse (none of the topic's throttle applies there). kscale reads
/// such a list as the entries meant, SETs it clean with its own added (never APPENDs onto it, and
/// never writes a space), and leaves the others' entries when it ends.
struct UntrimmedListTests {
    @Test func aListWithSpacesIsSetCleanAndTheOthersEntriesStay() async throws {
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: "0:1, 0:2", new: ["1:2"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .set, "0:1,0:2,1:2"))
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: "0:1,0:2", new: ["1:2"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .append, "1:2"))
        #expect(ThrottleKeys.isCleanList("*") && !ThrottleKeys.isCleanList("0:1,0:2 ") && !ThrottleKeys.isCleanList(",0:1"))
        let c = try await EngineCluster(brokers: (1...4).map { (BrokerID($0), "r\($0)") }, topics: [("orders", [[1, 2], [2, 1]], 20_000_000)])
        try await c.setTopicConfig("orders", ThrottleKeys.followerReplicas, "9:1, 9:3")
        let dir = temporaryDirectory()
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: dir + "/journal.jsonl"), clock: c.clock)
        let inspection = try await Preflight.inspect(plan: ThrottleProfileTests.plan, admin: c, additional: false)
        let summary = try await exec.execute(inspection, options: RunOptions(throttle: 10_000_000, pollInterval: 2), bootstrap: nil, commandConfig: nil)
        #expect(summary.failed.isEmpty)
        let written = await c.configCalls.flatMap { $0.values.flatMap { $0 } }.compactMap(\.value)
        #expect(!written.contains { $0.contains(" ") }, "\(written)")
        let after = try await c.describeConfigs([.topic("orders")])[.topic("orders")]?.first { $0.name == ThrottleKeys.followerReplicas }?.value
        #expect(after == "9:1,9:3")
    }
}
