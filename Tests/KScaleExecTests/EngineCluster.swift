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

    init(sim: ManualClock = ManualClock()) { self.sim = sim }

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
        sim.advance(by: seconds)
        await Task.yield()
    }
}

/// KafkaSim's engine in process (`SimAdmin`: the same KIP-455, config and replication model the
/// wire handlers use) with what executor tests look at: every IncrementalAlterConfigs call and the
/// most moves in flight per broker and in total. It only records; every answer is the engine's.
actor EngineCluster: ClusterAdmin {
    let admin: SimAdmin
    let clock: StepClock
    private(set) var configCalls: [[ConfigResource: [ConfigChange]]] = []
    private(set) var peakPerBroker = 0
    private(set) var peakTotal = 0

    /// Brokers `brokers` over `racks` racks (broker b on rack "r\(b % racks)"), topics added with `addTopic`.
    init(brokers: [BrokerID], racks: Int = 3, topics: [(String, [[BrokerID]], Int64)], copyRate: Int64 = 125_000_000) throws {
        let snapshot = ClusterSnapshot(
            brokers: brokers.map { Broker(id: $0, rack: "r\(Int($0) % racks)") },
            topics: topics.map { name, assignment, size in
                TopicState(name: name, partitions: assignment.enumerated().map { PartitionState(partition: Int32($0.offset), replicas: $0.element, size: size) })
            })
        clock = StepClock()
        admin = try SimAdmin(snapshot: snapshot, clock: clock.sim, brokerNetworkBytesPerSec: copyRate)
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

    func stop(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.stopBroker(broker, at: t) } }
    func start(_ broker: BrokerID) async throws { try await admin.engine.withModel { m, t in try m.startBroker(broker, at: t) } }

    func replicas(_ tp: TopicPartition) async -> [BrokerID]? {
        await admin.engine.withModel { m, _ in m.partitionView(tp.topic, tp.partition)?.replicas }
    }

    func inFlightCount() async throws -> Int { try await admin.listReassignments(nil).count }

    /// Every replication throttle left anywhere (dynamic values only), for "no throttle left" checks.
    func throttleConfigs() async throws -> [String] {
        var out: [String] = []
        let brokers = try await admin.describeCluster().brokers.map(\.id)
        let topics = try await admin.describeTopics(nil).map(\.name)
        let configs = try await admin.describeConfigs(brokers.map { .broker($0) } + topics.map { .topic($0) })
        for (resource, entries) in configs {
            for entry in entries where entry.name.contains("throttled") && !entry.isDefault && !(entry.value ?? "").isEmpty {
                guard entry.source == .dynamicTopic || entry.source == .dynamicBroker else { continue }
                out.append("\(resource) \(entry.name)=\(entry.value ?? "")")
            }
        }
        return out.sorted()
    }

    // MARK: ClusterAdmin, forwarded

    func describeCluster() async throws -> ClusterDescription { try await admin.describeCluster() }
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] { try await admin.describeTopics(names) }
    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] { try await admin.logDirs(brokers: brokers) }
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        try await admin.listReassignments(partitions)
    }
    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] { try await admin.describeConfigs(resources) }
    func listConsumerGroups() async throws -> [String] { try await admin.listConsumerGroups() }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { try await admin.consumerLag(group: group) }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        let failed = try await admin.alterReassignments(targets)
        var perBroker: [BrokerID: Int] = [:]
        let moving = try await admin.listReassignments(nil)
        for move in moving.values { for broker in Set(move.adding + move.removing) { perBroker[broker, default: 0] += 1 } }
        peakPerBroker = max(peakPerBroker, perBroker.values.max() ?? 0)
        peakTotal = max(peakTotal, moving.count)
        return failed
    }

    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        configCalls.append(changes)
        return try await admin.incrementalAlterConfigs(changes, validateOnly: validateOnly)
    }

    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        try await admin.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }

    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        try await admin.electPreferredLeaders(partitions)
    }
}
