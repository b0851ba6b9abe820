import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTime
@testable import KScaleExec

/// The executor's clock on the engine's manual clock: each sleep advances simulated time by
/// exactly that much and returns at once, so hours of copying take milliseconds. After
/// `dieAfterSleeps` sleeps it throws: the process killed in the middle of a run.
final class StepClock: KScaleClock, @unchecked Sendable {
    let sim: ManualClock
    /// The executor's epoch: far from zero, as wall time is.
    let origin: Double = 1_000_000
    private let lock = NSLock()
    private var sleeps = 0
    private var dieAfter: Int?
    private var beforeSleep: (@Sendable () async -> Void)?

    init(sim: ManualClock = ManualClock()) { self.sim = sim }

    /// Runs `action` at the start of every sleep, in the sleeping task: a test acts at an exact
    /// point of a run (between two polls) instead of racing it.
    func onEachSleep(_ action: @escaping @Sendable () async -> Void) { lock.withLock { beforeSleep = action } }

    var dieAfterSleeps: Int? {
        get { lock.withLock { dieAfter } }
        set { lock.withLock { dieAfter = newValue; sleeps = 0 } }
    }

    func now() -> Double { origin + sim.now() }

    func sleep(seconds: Double) async throws {
        let die = lock.withLock { () -> Bool in
            sleeps += 1
            return dieAfter.map { sleeps >= $0 } ?? false
        }
        if die { throw CancellationError() }
        if let action = lock.withLock({ beforeSleep }) { await action() }
        try Task.checkCancellation()
        sim.advance(by: seconds)
        await Task.yield()
    }
}

/// KafkaSim's engine in process (`SimAdmin`: the same KIP-455, config, replication and broker
/// model the wire handlers use) with what tests look at: every IncrementalAlterConfigs call, every
/// AlterPartitionReassignments and ElectLeaders request, the most moves in flight per broker and in
/// total. It only records; every answer is the engine's. The one fake cluster of these tests.
actor EngineCluster: ClusterAdmin {
    let admin: SimAdmin
    /// The executor's view of the engine's time (executor tests).
    let clock: StepClock
    private(set) var configCalls: [[ConfigResource: [ConfigChange]]] = []
    /// IncrementalAlterConfigs calls with validate_only (a dry run's checks), kept apart.
    private(set) var validatedConfigCalls: [[ConfigResource: [ConfigChange]]] = []
    private(set) var alterRequests = 0
    private(set) var electionRequests: [[TopicPartition]] = []
    /// Brokers whose DescribeLogDirs fails (a broker that stops answering it), set by a test.
    private(set) var logDirsRefused: Set<BrokerID> = []
    /// When set, every copy finishes just before a cancel (all-null targets) reaches the engine:
    /// a cancel racing the moves' completion.
    private(set) var finishMovesBeforeCancel = false
    func setFinishMovesBeforeCancel(_ on: Bool) { finishMovesBeforeCancel = on }
    /// A topic deleted right after the given AlterPartitionReassignments request (counted from
    /// 1): an operator deleting it in the middle of a run.
    private var deletion: (topic: String, afterRequest: Int)?
    func deleteTopic(_ topic: String, afterAlterRequest count: Int) { deletion = (topic, count) }
    /// What each of those deletions did (deleted at once, or queued in ZooKeeper mode).
    private(set) var deletions: [SimTopicDeletion] = []
    /// What the cluster was asked, in order: `record <rate>` for each run-record append (the
    /// record's rate), `rates <value>` for each IncrementalAlterConfigs that sets a throttle rate.
    private(set) var timeline: [String] = []
    private(set) var peakPerBroker = 0
    private(set) var peakTotal = 0

    /// Brokers with racks, topics as (name, assignment, bytes per partition); `controller` the
    /// controller's id (the first broker when nil); the engine on `engineClock`.
    init(brokers: [(BrokerID, String?)], topics: [(String, [[BrokerID]], Int64)], controller: BrokerID? = nil,
         engineClock: ManualClock = ManualClock(), copyRate: Int64 = 125_000_000, profile: KafkaProfile = .newest) async throws {
        let snapshot = ClusterSnapshot(
            brokers: brokers.map { Broker(id: $0.0, rack: $0.1) },
            topics: topics.map { name, assignment, size in
                TopicState(name: name, partitions: assignment.enumerated().map { PartitionState(partition: Int32($0.offset), replicas: $0.element, size: size) })
            })
        clock = StepClock(sim: engineClock)
        admin = try SimAdmin(snapshot: snapshot, clock: engineClock, brokerNetworkBytesPerSec: copyRate, profile: profile)
        if let controller { try await admin.engine.withModel { m, t in try m.moveController(to: controller, at: t) } }
    }

    /// Brokers `brokers` over `racks` racks (broker b on rack "r\(b % racks)").
    init(brokers: [BrokerID], racks: Int = 3, topics: [(String, [[BrokerID]], Int64)], copyRate: Int64 = 125_000_000) async throws {
        try await self.init(brokers: brokers.map { ($0, "r\(Int($0) % racks)") }, topics: topics, copyRate: copyRate)
    }

    // MARK: test controls, straight on the engine (not recorded)

    func setTopicConfig(_ topic: String, _ key: String, _ value: String) async throws {
        try await set(.topic(topic), key, value)
    }

    func setBrokerConfig(_ broker: BrokerID, _ key: String, _ value: String) async throws {
        try await set(.broker(broker), key, value)
    }

    private func set(_ resource: ConfigResource, _ key: String, _ value: String) async throws {
        let failed = try await admin.incrementalAlterConfigs([resource: [ConfigChange(key, .set, value)]], validateOnly: false)
        if let error = failed[resource] { throw error }
    }

    /// The broker process stops: fenced, out of every ISR it is not the last of, leaderships fail over.
    func stop(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.stopBroker(broker, at: t) } }
    /// The broker process starts: registered and unfenced, its replicas catch up.
    func start(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.startBroker(broker, at: t) } }
    /// The broker has never started (or was unregistered): absent from all metadata.
    func unregister(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.unregisterBroker(broker, at: t) } }
    /// The broker registers but stays fenced (not caught up with the metadata) until `start`.
    func registerFenced(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.registerBroker(broker, at: t) } }

    /// DeleteTopics, as the profile's controller answers it (KRaft at once; ZooKeeper queues a
    /// topic being reassigned).
    @discardableResult
    func deleteTopic(_ topic: String) async throws -> SimTopicDeletion {
        try await admin.engine.withModel { m, t in try m.deleteTopic(topic, at: t) }
    }

    /// A topic created while the test runs, empty.
    func addTopic(_ name: String, _ assignment: [[BrokerID]]) async throws {
        let spec = SimNewTopic(name: name, assignments: Dictionary(uniqueKeysWithValues: assignment.enumerated().map { (Int32($0.offset), $0.element) }))
        _ = try await admin.engine.withModel { m, t in try m.createTopic(spec, validateOnly: false, at: t) }
    }

    /// Lets simulated time pass until every copy that can finish has (a copy to a stopped broker
    /// cannot): the tests' partitions are kilobytes, an hour is ample.
    func completeMoves() {
        clock.sim.advance(by: Self.timeForMovesToFinish)
    }
    static let timeForMovesToFinish = 3_600.0

    func replicas(_ tp: TopicPartition) async -> [BrokerID]? {
        await admin.engine.withModel { m, _ in m.partitionView(tp.topic, tp.partition)?.replicas }
    }

    func replicas(on broker: BrokerID) async throws -> [TopicPartition] {
        try await admin.describeTopics(nil).flatMap { topic in
            topic.partitions.filter { $0.replicas.contains(broker) }.map { TopicPartition(topic.name, $0.partition) }
        }.sorted()
    }

    func inFlightCount() async throws -> Int { try await admin.listReassignments(nil).count }

    /// Every replication throttle left anywhere (dynamic values only), for "no throttle left" checks.
    func throttleConfigs() async throws -> [String] {
        let observation = try await ClusterObservation.read(from: admin, parts: [.topicConfigs, .brokerConfigs])
        return observation.replicationThrottles.filter(\.isDynamic).map { "\($0.resource) \($0.key)=\($0.value)" }.sorted()
    }

    // MARK: ClusterAdmin, forwarded

    func describeCluster() async throws -> ClusterDescription { try await admin.describeCluster() }
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] { try await admin.describeTopics(names) }
    func refuseLogDirs(_ brokers: Set<BrokerID>) { logDirsRefused = brokers }

    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] {
        if let refused = (brokers ?? []).first(where: logDirsRefused.contains) {
            throw KafkaAPIError(code: 8, name: "BROKER_NOT_AVAILABLE", message: "broker \(refused) refuses DescribeLogDirs (test fault)",
                                api: "DescribeLogDirs", broker: "broker \(refused)")
        }
        return try await admin.logDirs(brokers: brokers)
    }
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        try await admin.listReassignments(partitions)
    }
    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] { try await admin.describeConfigs(resources) }
    func listConsumerGroups() async throws -> [String] { try await admin.listConsumerGroups() }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { try await admin.consumerLag(group: group) }
    func describeQuorum() async throws -> QuorumDescription? { try await admin.describeQuorum() }
    func finalizedFeatures() async throws -> [String: Int16] { try await admin.finalizedFeatures() }
    func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers { try await admin.listOffsets(partitions, spec) }
    func committedOffsets(group: String) async throws -> [TopicPartition: Int64] { try await admin.committedOffsets(group: group) }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        alterRequests += 1
        if finishMovesBeforeCancel, targets.values.allSatisfy({ $0 == nil }) { completeMoves() }
        let failed = try await admin.alterReassignments(targets)
        if let deletion, deletion.afterRequest == alterRequests {
            self.deletion = nil
            deletions.append(try await deleteTopic(deletion.topic))
        }
        var perBroker: [BrokerID: Int] = [:]
        let moving = try await admin.listReassignments(nil)
        for move in moving.values { for broker in Set(move.adding + move.removing) { perBroker[broker, default: 0] += 1 } }
        peakPerBroker = max(peakPerBroker, perBroker.values.max() ?? 0)
        peakTotal = max(peakTotal, moving.count)
        return failed
    }

    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        if validateOnly { validatedConfigCalls.append(changes) } else { configCalls.append(changes) }
        let rates = Set(changes.values.flatMap { $0 }.filter { ThrottleKeys.rates.contains($0.name) && $0.operation == .set }.compactMap(\.value))
        if !validateOnly { for rate in rates.sorted() { timeline.append("rates \(rate)") } }
        return try await admin.incrementalAlterConfigs(changes, validateOnly: validateOnly)
    }

    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        try await admin.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }

    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        let all = try await admin.describeTopics(nil).flatMap { topic in topic.partitions.map { TopicPartition(topic.name, $0.partition) } }
        electionRequests.append(partitions ?? all.sorted())
        return try await admin.electPreferredLeaders(partitions)
    }

    func createToolTopic(_ topic: ToolTopic) async throws -> Bool { try await admin.createToolTopic(topic) }
    func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 {
        for record in records {
            if let value = record.value, let run = RunRecord.decode(value) { timeline.append("record \(run.rate.map(String.init) ?? "none")") }
        }
        return try await admin.appendRecords(records, to: tp)
    }
    func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        try await admin.readRecords(tp, from: offset, maxBytes: maxBytes)
    }
}
