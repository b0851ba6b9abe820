import Foundation
import Testing
import KafkaAdmin
import KafkaSim
import KScaleCore
@testable import KScaleExec

/// `kscale cancel` on both modes' controllers (issue 12): KRaft refuses a cancel whose revert
/// would need an unclean leader election (INVALID_REPLICA_ASSIGNMENT); ZooKeeper reassigns back
/// to the original replicas, which completes at once.
struct CancelSemanticsTests {
    let ordinary = TopicPartition("t", 1)
    let stranded = TopicPartition("t", 0)

    /// t-0 [1, 2] -> [3, 4] and t-1 [5, 6] -> [6, 4], throttled, the run killed with both in
    /// flight (40 MB each: byte pacing keeps 100 MB in flight into broker 4 at 10 MB/s). Broker 4 then copies at 1 B/s (its follower rate set by hand), 3 catches up, and
    /// t-0's original replicas 1 and 2 drop out of its ISR (stopped and started again with no
    /// time passing): only 3, a replica being added, is in sync.
    func strandedMove(_ profile: KafkaProfile) async throws -> (EngineCluster, String) {
        let c = try await EngineCluster(brokers: (1...6).map { (BrokerID($0), Optional("r\($0 % 3)")) },
                                        topics: [("t", [[1, 2], [5, 6]], 40_000_000)], profile: profile)
        let plan = ReassignmentPlan(partitions: [
            PartitionAssignment(topic: "t", partition: 0, replicas: [3, 4]),
            PartitionAssignment(topic: "t", partition: 1, replicas: [6, 4]),
        ])
        let dir = temporaryDirectory()
        c.clock.dieAfterSleeps = 1
        await #expect(throws: CancellationError.self) {
            try await ExecutorTests().run(c, plan: plan, options: RunOptions(throttle: 10_000_000, pollInterval: 1), dir: dir)
        }
        c.clock.dieAfterSleeps = nil
        try await c.setBrokerConfig(4, ThrottleKeys.followerRate, "1")
        c.clock.sim.advance(by: 20)
        for broker in [1, 2] as [BrokerID] { try await c.stop(broker) }
        for broker in [1, 2] as [BrokerID] { try await c.start(broker) }
        let isr = try await c.describeTopics(["t"]).first?.partitions.first { $0.partition == 0 }?.isr
        #expect(isr == [3])
        return (c, dir)
    }

    @Test func kraftRefusesACancelNeedingAnUncleanElectionAndTheRestIsCancelledAndUnthrottled() async throws {
        let (c, dir) = try await strandedMove(.newest)
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        let reason = try #require(outcome.failures[stranded])
        #expect(reason.contains("t-0"))
        #expect(reason.contains("INVALID_REPLICA_ASSIGNMENT"))
        #expect(reason.contains("unclean leader election"))
        #expect(reason.contains("unclean.leader.election.enable"), "what the operator can do: \(reason)")
        #expect(outcome.failures[ordinary] == nil)
        #expect(await c.replicas(ordinary) == [5, 6])
        // Kafka applied nothing for t-0: still moving. Every rate and entry of the run is gone.
        #expect(try await c.listReassignments(nil).keys.sorted() == [stranded])
        #expect(try await c.throttleConfigs() == [])
        let state = try RunDirectory.readState(dir)
        #expect(state.ledger.isEmpty)
        #expect(state.partitions[stranded]?.detail?.contains("unclean leader election") == true)
    }

    @Test func zookeeperCancelsTheSameMoveByReassigningBack() async throws {
        let (c, dir) = try await strandedMove(try KafkaProfile(version: "3.3", mode: .zookeeper))
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(Set(outcome.cancelled) == [stranded, ordinary])
        #expect(try await c.listReassignments(nil).isEmpty, "a reassignment back to the originals completes at once")
        #expect(await c.replicas(stranded) == [1, 2])
        #expect(await c.replicas(ordinary) == [5, 6])
        // No original replica was in sync: ZooKeeper leaves it without a leader, and kscale says so.
        #expect(outcome.leaderless == [stranded])
        #expect(try await c.throttleConfigs() == [])
    }
}

/// Issue 12 (finding 5's fix): a run ends by SUBTRACTing every entry of its own from the topics'
/// throttled-replicas lists, also when the broker that answers shows nothing but its entries. A
/// KRaft broker applies config changes late: an entry someone else appended that it does not show
/// yet survives a SUBTRACT (the controller applies it to the value it holds), where a DELETE
/// would take it too.
struct OwnEntriesSubtractedTests {
    @Test func theRemovalIsASubtractOfOursWhateverTheBrokerShows() {
        let key = ThrottleKeys.leaderReplicas
        let onlyOurs = ThrottleController.removal(key: key, have: ["0:1", "0:2"], ours: ["0:1", "0:2"])
        #expect(onlyOurs == [ConfigChange(key, .subtract, "0:1,0:2")])
        let someShown = ThrottleController.removal(key: key, have: ["0:1", "5:6"], ours: ["0:1", "0:2"])
        #expect(someShown == [ConfigChange(key, .subtract, "0:1,0:2")])
        // Unset on the broker that answers: ours may be at the controller and not applied there yet
        // (metadata lag), and a SUBTRACT onto an unset key fails on 2.4-2.5: a DELETE.
        #expect(ThrottleController.removal(key: key, have: [], ours: ["0:1"]) == [ConfigChange(key, .delete)])
        #expect(ThrottleController.removal(key: key, have: ["0:1"], ours: []).isEmpty)
    }

    @Test func aRunEndingOverAStaleBrokerKeepsAnEntryItDoesNotShowYet() async throws {
        let fixture = ExecutorTests()
        let c = try await fixture.cluster()
        let (_, dir) = try await fixture.killedScaleOut(c, afterSleeps: 2)
        // The broker kscale asks shows the lists as they are now: nothing but the run's entries.
        let stale = StaleTopicConfigs(base: c, frozen: try await c.describeConfigs([.topic("orders"), .topic("events")]))
        let shown = ThrottleKeys.parse(stale.frozen[.topic("orders")]?.first { $0.name == ThrottleKeys.leaderReplicas }?.value)
        let ours = try RunDirectory.readState(dir).ledger.replicaEntries[.init(topic: "orders", key: ThrottleKeys.leaderReplicas)] ?? []
        #expect(!shown.isEmpty && shown == ours, "the broker shows only the run's entries")
        // Someone else appends an entry the stale broker does not show.
        let foreign = "5:9"
        _ = try await c.incrementalAlterConfigs([.topic("orders"): [ConfigChange(ThrottleKeys.leaderReplicas, .append, foreign)]], validateOnly: false)
        let before = await c.configCalls.count
        _ = try await ThrottleClear.run(admin: DryRunAdmin(stale, execute: true), runs: [dir], includeUnknown: false, clock: c.clock)
        let ops = await c.configCalls.dropFirst(before).flatMap { $0[.topic("orders")] ?? [] }.filter { $0.name == ThrottleKeys.leaderReplicas }
        #expect(ops == [ConfigChange(ThrottleKeys.leaderReplicas, .subtract, ours.sorted().joined(separator: ","))])
        let now = try await c.describeConfigs([.topic("orders")])[.topic("orders")]?.first { $0.name == ThrottleKeys.leaderReplicas }?.value
        #expect(ThrottleKeys.parse(now) == [foreign])
        #expect(try RunDirectory.readState(dir).ledger.isEmpty)
    }
}

/// The engine behind a broker that answers its first DescribeConfigs for topics from an old copy
/// (`frozen`), as a KRaft broker that has not applied the latest config records yet, and catches
/// up after that; everything else, and every change, goes to the engine.
struct StaleTopicConfigs: ClusterAdmin {
    let base: EngineCluster
    let frozen: [ConfigResource: [ConfigEntry]]
    /// DescribeConfigs calls answered so far: only the first is stale.
    private let answered = Answered()

    init(base: EngineCluster, frozen: [ConfigResource: [ConfigEntry]]) {
        self.base = base
        self.frozen = frozen
    }

    actor Answered {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        guard await answered.next() == 1 else { return try await base.describeConfigs(resources) }
        var out = try await base.describeConfigs(resources.filter { frozen[$0] == nil })
        for resource in resources { if let old = frozen[resource] { out[resource] = old } }
        return out
    }
    func describeCluster() async throws -> ClusterDescription { try await base.describeCluster() }
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] { try await base.describeTopics(names) }
    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] { try await base.logDirs(brokers: brokers) }
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        try await base.listReassignments(partitions)
    }
    func listConsumerGroups() async throws -> [String] { try await base.listConsumerGroups() }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { try await base.consumerLag(group: group) }
    func describeQuorum() async throws -> QuorumDescription? { try await base.describeQuorum() }
    func finalizedFeatures() async throws -> [String: Int16] { try await base.finalizedFeatures() }
    func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers { try await base.listOffsets(partitions, spec) }
    func committedOffsets(group: String) async throws -> [TopicPartition: Int64] { try await base.committedOffsets(group: group) }
    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        try await base.alterReassignments(targets)
    }
    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        try await base.incrementalAlterConfigs(changes, validateOnly: validateOnly)
    }
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        try await base.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }
    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        try await base.electPreferredLeaders(partitions)
    }
    func createToolTopic(_ topic: ToolTopic) async throws -> Bool { try await base.createToolTopic(topic) }
    func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 { try await base.appendRecords(records, to: tp) }
    func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        try await base.readRecords(tp, from: offset, maxBytes: maxBytes)
    }
}
