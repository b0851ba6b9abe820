import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
@testable import KScaleExec

/// Issue 12 finding 1: a throttled run on the releases whose list configs differ. On ZooKeeper
/// 2.4-2.5 an APPEND onto an unset list is a broker NullPointerException; on 2.6-3.3 it stores
/// ",0:1", which the brokers cannot parse, so nothing is throttled. kscale SETs an unset list and
/// only APPENDs onto a non-empty one, so on every profile the copies are held to the throttle,
/// the stored lists have no empty item (read back with kafka-python too) and nothing is left.
@Suite(.serialized) struct ThrottleProfileTests {
    static let throttle: Int64 = 10_000_000
    static let partitionBytes: Int64 = 200_000_000

    static func profile(_ version: String) throws -> KafkaProfile {
        version == "4.3" ? .newest : try KafkaProfile(version: version, mode: .zookeeper)
    }

    static let snapshot = ClusterSnapshot(
        brokers: (1...4).map { Broker(id: BrokerID($0), rack: "r\($0)") },
        topics: [TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2], size: partitionBytes),
            PartitionState(partition: 1, replicas: [2, 1], size: partitionBytes),
        ])])

    static let plan = ReassignmentPlan(partitions: [
        PartitionAssignment(topic: "orders", partition: 0, replicas: [1, 3]),
        PartitionAssignment(topic: "orders", partition: 1, replicas: [2, 4]),
    ])

    @Test(arguments: ["2.5", "3.3", "4.3"])
    func throttledRunIsHeldToTheRateAndLeavesNoEmptyItemNorThrottle(version: String) async throws {
        let h = try await SimHarness.start(snapshot: Self.snapshot, profile: try Self.profile(version))
        let clock = try #require(h.clock)
        let dir = temporaryDirectory()
        let start = clock.now()
        // The run dies after a few polls, in the middle of its copies, with its throttles set.
        let dying = DyingClock(inner: h.execClock, counter: .init(), limit: 4)
        let exec = try ReassignmentExecutor(admin: h.admin, journal: Journal(path: dir + "/journal.jsonl"), clock: dying)
        let inspection = try await Preflight.inspect(plan: Self.plan, admin: h.admin, additional: false)
        await #expect(throws: CancellationError.self) {
            try await exec.execute(inspection, options: RunOptions(throttle: Self.throttle, pollInterval: 2), bootstrap: nil, commandConfig: nil)
        }
        let elapsed = clock.now() - start
        let state = await h.sim.state()
        // Each leader serves one throttled copy and each new replica takes one: 10 MB/s each.
        #expect(state.moves.count == 2, "\(version): the copies ran unthrottled (\(elapsed) s)")
        for move in state.moves {
            let copied = move.copiedBytes.values.reduce(0, +)
            #expect(Double(copied) <= Double(Self.throttle) * elapsed + 1_000_000, "\(version): \(copied) bytes in \(elapsed) s")
        }
        let stored = try await KafkaPython.topicConfigs(h.sim.bootstrapServers, topic: "orders")
        let leader = KafkaPython.items(stored[ThrottleKeys.leaderReplicas])
        let follower = KafkaPython.items(stored[ThrottleKeys.followerReplicas])
        #expect(Set(leader) == ["0:1", "0:2", "1:2", "1:1"], "\(version): \(stored)")
        #expect(Set(follower) == ["0:3", "1:4"], "\(version): \(stored)")
        #expect(!leader.contains("") && !follower.contains(""), "\(version): \(stored)")

        let resumed = try ReassignmentExecutor(admin: h.admin, journal: Journal(path: dir + "/journal.jsonl"), clock: h.execClock)
        let summary = try await resumed.resume()
        #expect(summary.failed.isEmpty, "\(version)")
        #expect(await h.offTarget(Self.plan, original: Self.snapshot) == [], "\(version)")
        #expect(try await h.throttlesLeft() == [], "\(version)")
        // Not even an empty value: the keys are gone.
        let after = try await KafkaPython.topicConfigs(h.sim.bootstrapServers, topic: "orders")
        #expect(after[ThrottleKeys.leaderReplicas] == nil && after[ThrottleKeys.followerReplicas] == nil, "\(version): \(after)")
        await h.stop()
    }

    /// A list an earlier tool left with an empty item (",9:9" on 2.6-3.3) is SET clean, with ours
    /// added; APPEND onto it would keep the item the brokers cannot parse.
    @Test func aListWithAnEmptyItemIsSetCleanNotAppendedTo() {
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: nil, new: ["0:1"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .set, "0:1"))
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: "", new: ["0:1"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .set, "0:1"))
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: ",9:9", new: ["0:1"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .set, "9:9,0:1"))
        #expect(ThrottleController.addition(key: ThrottleKeys.leaderReplicas, stored: "9:9", new: ["0:1", "0:2"]) ==
                ConfigChange(ThrottleKeys.leaderReplicas, .append, "0:1,0:2"))
    }
}

/// Issue 12 finding 6: Kafka 2.4-2.5 report a set throttle rate as sensitive, without its value.
/// A run over such a rate must not take it for unset and delete it at the end: it leaves the rate
/// and says so; `check` and `throttle audit` see the rate too.
struct SensitiveRateTests {
    @Test func anUnreadableEarlierRateIsNeverDeletedAndIsReported() async throws {
        let c = try await EngineCluster(brokers: (1...4).map { (BrokerID($0), "r\($0)") },
                                        topics: [("orders", [[1, 2], [2, 1]], 20_000_000)], profile: try KafkaProfile(version: "2.5"))
        try await c.setBrokerConfig(1, ThrottleKeys.leaderRate, "7000000")
        let seen = try await ClusterObservation.read(from: c, parts: [.brokerConfigs, .topicConfigs])
        #expect(seen.replicationThrottles.map(\.value) == [ReplicationThrottle.unreadableValue])
        let dir = temporaryDirectory()
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: dir + "/journal.jsonl"), clock: c.clock)
        let plan = ThrottleProfileTests.plan
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let failure = await #expect(throws: ExecutionError.self) {
            try await exec.execute(inspection, options: RunOptions(throttle: 10_000_000, pollInterval: 2), bootstrap: nil, commandConfig: nil)
        }
        #expect(failure?.message.contains("broker 1 leader.replication.throttled.rate is left at 10000000") == true, "\(failure?.message ?? "")")
        // Still set (at the run's value, unreadable as before); the other rates are gone.
        let after = try await ClusterObservation.read(from: c, parts: [.brokerConfigs, .topicConfigs])
        #expect(after.replicationThrottles.map { "\($0.resource) \($0.key)" } == ["broker 1 \(ThrottleKeys.leaderRate)"])
        // The ledger is settled: a later undo has nothing left to do, and the run has ended (as
        // failed), so nothing stays open to block the next run or be resumed.
        let journaled = try RunDirectory.readState(dir)
        #expect(journaled.ledger.rates.isEmpty)
        #expect(journaled.ended == "failed", "\(journaled.ended ?? "not ended")")
    }

    /// The same through PlanRun, with the run record: the claim ends though the run fails, so the
    /// finished run blocks no overlapping run on another host.
    @Test func aRunThatLeavesAnUnreadableRateEndsItsClaim() async throws {
        let c = try await EngineCluster(brokers: (1...4).map { (BrokerID($0), "r\($0)") },
                                        topics: [("orders", [[1, 2], [2, 1]], 20_000_000)], profile: try KafkaProfile(version: "2.5"))
        try await c.setBrokerConfig(1, ThrottleKeys.leaderRate, "7000000")
        let dir = temporaryDirectory() + "/" + RunDirectory.runID(for: ThrottleProfileTests.plan)
        let run = PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock)
        await #expect(throws: ExecutionError.self) {
            _ = try await run.execute(ThrottleProfileTests.plan, in: dir, options: RunOptions(throttle: 10_000_000, pollInterval: 2))
        }
        let records = try await RunRegistry(admin: c).records()
        let latest = RunOverlap.latest(records).filter { $0.record.runID == RunDirectory.runID(for: ThrottleProfileTests.plan) }
        #expect(latest.map(\.record.state) == [.finished], "\(latest.map(\.record))")
    }
}
