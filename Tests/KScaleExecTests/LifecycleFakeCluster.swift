import KafkaClient
import KScaleCore
@testable import KScaleExec

/// A small in-memory cluster behind `ClusterAdmin`, for testing the flows' orchestration in
/// isolation: registration, fencing, KIP-455 moves (target plus removing while in flight),
/// metadata-only reorders, preferred elections, log dirs with capacity, broker failures.
/// Moves complete when `completeMoves()` is called (the test runner does), so a test decides
/// what happens in the middle of one. The KafkaSim scenarios in IntegrationTests cover the wire.
actor LifecycleFakeCluster: ClusterAdmin {
    struct Part {
        var replicas: [BrokerID]
        var isr: [BrokerID]
        var leader: BrokerID?
        var size: Int64
        var target: [BrokerID]?
        var origin: [BrokerID] = []
    }

    private(set) var brokers: [BrokerID: BrokerInfo] = [:]
    private(set) var parts: [TopicPartition: Part] = [:]
    var controller: BrokerID?
    var diskTotal: Int64 = 1_000_000_000
    private(set) var electionRequests: [[TopicPartition]] = []
    private(set) var alterRequests = 0

    init(brokers: [(BrokerID, String?)], controller: BrokerID? = nil) {
        for (id, rack) in brokers { self.brokers[id] = BrokerInfo(id: id, host: "fake", port: 9092, rack: rack) }
        self.controller = controller
    }

    // MARK: Test controls

    func addTopic(_ name: String, _ assignment: [[BrokerID]], size: Int64 = 1_000) {
        for (i, r) in assignment.enumerated() {
            let live = r.filter { brokers[$0] != nil }
            parts[TopicPartition(name, Int32(i))] = Part(replicas: r, isr: live, leader: live.first, size: size)
        }
    }

    func register(_ id: BrokerID, rack: String?, fenced: Bool = false) {
        brokers[id] = BrokerInfo(id: id, host: "fake", port: 9092, rack: rack, fenced: fenced)
    }

    func unfence(_ id: BrokerID) { brokers[id]?.fenced = false }

    /// Sets a partition's leader and ISR directly, e.g. after a failover.
    func set(_ tp: TopicPartition, leader: BrokerID?, isr: [BrokerID]) {
        parts[tp]?.leader = leader
        parts[tp]?.isr = isr
    }

    /// The broker stops: unregistered, out of every ISR, leadership fails over.
    func stop(_ id: BrokerID) {
        brokers[id] = nil
        for (tp, var p) in parts where p.isr.contains(id) {
            p.isr.removeAll { $0 == id }
            if p.leader == id { p.leader = p.isr.first }
            parts[tp] = p
        }
    }

    /// Completes every move whose adding replicas are on live brokers; the others stay in flight.
    func completeMoves() {
        for (tp, var p) in parts {
            guard let target = p.target else { continue }
            guard target.allSatisfy({ brokers[$0] != nil }) else { continue }
            p.replicas = target
            p.isr = target
            if let l = p.leader, !target.contains(l) { p.leader = target.first }
            p.target = nil
            parts[tp] = p
        }
    }

    var inFlight: Int { parts.values.filter { $0.target != nil }.count }

    func assignment(_ tp: TopicPartition) -> [BrokerID]? { parts[tp]?.replicas }

    func replicas(on broker: BrokerID) -> [TopicPartition] { parts.filter { $0.value.replicas.contains(broker) }.map(\.key).sorted() }

    // MARK: ClusterAdmin

    func describeCluster() async throws -> ClusterDescription {
        ClusterDescription(clusterID: "fake", controllerID: controller, brokers: brokers.values.sorted { $0.id < $1.id })
    }

    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] {
        let grouped = Dictionary(grouping: parts) { $0.key.topic }
        return grouped.keys.sorted().filter { names?.contains($0) ?? true }.map { t in
            TopicDescription(name: t, partitions: (grouped[t] ?? []).sorted { $0.key < $1.key }.map { tp, p in
                PartitionDescription(partition: tp.partition, leader: p.leader ?? -1, replicas: p.replicas, isr: p.isr,
                                     offlineReplicas: p.replicas.filter { brokers[$0] == nil })
            })
        }
    }

    func logDirs(brokers ids: [BrokerID]?) async throws -> [BrokerLogDirs] {
        (ids ?? brokers.keys.sorted()).filter { brokers[$0] != nil }.map { id in
            let held = parts.filter { $0.value.replicas.contains(id) }.sorted { $0.key < $1.key }.map {
                ReplicaLogInfo(topicPartition: $0.key, size: $0.value.size, offsetLag: 0, isFuture: false)
            }
            let used = held.reduce(0) { $0 + $1.size }
            return BrokerLogDirs(broker: id, dirs: [LogDirInfo(path: "/data", totalBytes: diskTotal, usableBytes: diskTotal - used, replicas: held)])
        }
    }

    func listReassignments(_ list: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        if completeOnPoll { completeMoves() }
        var out: [TopicPartition: OngoingReassignment] = [:]
        for (tp, p) in parts where p.target != nil && (list?.contains(tp) ?? true) {
            let target = p.target ?? []
            out[tp] = OngoingReassignment(replicas: p.replicas, adding: target.filter { !p.origin.contains($0) },
                                          removing: p.origin.filter { !target.contains($0) })
        }
        return out
    }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        alterRequests += 1
        var errors: [TopicPartition: KafkaAPIError] = [:]
        for (tp, target) in targets {
            guard var p = parts[tp] else {
                errors[tp] = KafkaAPIError(code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION"); continue
            }
            guard let target else {
                if p.target == nil { errors[tp] = KafkaAPIError(code: 85, name: "NO_REASSIGNMENT_IN_PROGRESS"); continue }
                p.replicas = p.origin
                p.target = nil
                parts[tp] = p
                continue
            }
            guard Set(target).count == target.count, target.allSatisfy({ brokers[$0] != nil }) else {
                errors[tp] = KafkaAPIError(code: 39, name: "INVALID_REPLICA_ASSIGNMENT"); continue
            }
            if Set(target) == Set(p.replicas) {
                p.replicas = target                  // a reorder: metadata only, done at once
            } else {
                p.origin = p.replicas
                p.replicas = target + p.replicas.filter { !target.contains($0) }
                p.target = target
            }
            parts[tp] = p
        }
        return errors
    }

    /// Dynamic configs as IncrementalAlterConfigs leaves them (list values comma-separated).
    private(set) var configs: [ConfigResource: [String: String]] = [:]
    private(set) var configWrites = 0
    /// When set, every ListPartitionReassignments first completes what can complete: moves finish
    /// between two polls of the executor.
    var completeOnPoll = false
    func setCompleteOnPoll(_ on: Bool) { completeOnPoll = on }

    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        guard !validateOnly else { return [:] }
        configWrites += 1
        for (r, list) in changes {
            var current = configs[r] ?? [:]
            for c in list {
                let items = (current[c.name] ?? "").split(separator: ",").map(String.init)
                let given = (c.value ?? "").split(separator: ",").map(String.init)
                switch c.operation {
                case .set: current[c.name] = c.value
                case .delete: current[c.name] = nil
                case .append: current[c.name] = (items + given.filter { !items.contains($0) }).joined(separator: ",")
                case .subtract:
                    let left = items.filter { !given.contains($0) }
                    current[c.name] = left.isEmpty ? nil : left.joined(separator: ",")
                }
            }
            configs[r] = current
        }
        return [:]
    }

    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        var out: [ConfigResource: [ConfigEntry]] = [:]
        for r in resources {
            var entries = (configs[r] ?? [:]).sorted { $0.key < $1.key }.map {
                ConfigEntry(name: $0.key, value: $0.value, source: r.kind == .topic ? .dynamicTopic : .dynamicBroker)
            }
            if r.kind == .topic, configs[r]?["min.insync.replicas"] == nil {
                entries.append(ConfigEntry(name: "min.insync.replicas", value: "1", source: .defaultConfig))
            }
            out[r] = entries
        }
        return out
    }

    func createTopics(_ topics: [NewTopic], validateOnly: Bool) async throws -> [String: KafkaAPIError] {
        for t in topics { if let a = t.assignments, !validateOnly { addTopic(t.name, a) } }
        return [:]
    }

    func deleteTopics(_ names: [String]) async throws -> [String: KafkaAPIError] {
        parts = parts.filter { !names.contains($0.key.topic) }
        return [:]
    }

    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {}

    func electPreferredLeaders(_ list: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        let chosen = list ?? parts.keys.sorted()
        electionRequests.append(chosen)
        var errors: [TopicPartition: KafkaAPIError] = [:]
        for tp in chosen {
            guard var p = parts[tp], let first = p.replicas.first else { continue }
            if p.leader == first { errors[tp] = KafkaAPIError(code: 84, name: "ELECTION_NOT_NEEDED"); continue }
            guard p.isr.contains(first) else { errors[tp] = KafkaAPIError(code: 80, name: "PREFERRED_LEADER_NOT_AVAILABLE"); continue }
            p.leader = first
            parts[tp] = p
        }
        return errors
    }

    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { [:] }
    func listConsumerGroups() async throws -> [String] { [] }
}

/// Stands in for the executor in orchestration tests: submits the plan, runs an optional hook
/// while the moves are in flight (a topic appears, a broker fails), completes them, and fails
/// like a stalled run when a move cannot finish.
struct LifecycleFakeRunner: LifecycleRunning {
    let cluster: LifecycleFakeCluster
    var duringRun: @Sendable (LifecycleFakeCluster, Int) async -> Void = { _, _ in }
    let runs = RunCounter()

    actor RunCounter {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    func run(_ plan: LifecyclePlan, label: String) async throws {
        let n = await runs.next()
        var targets: [TopicPartition: [BrokerID]?] = [:]
        for p in plan.plan.partitions { targets[p.topicPartition] = p.replicas }
        let errors = try await cluster.alterReassignments(targets)
        if let (tp, e) = errors.first { throw InvalidInput("reassignment of \(tp) rejected: \(e)") }
        await duringRun(cluster, n)
        await cluster.completeMoves()
        let left = await cluster.inFlight
        if left > 0 { throw InvalidInput("\(left) partitions stalled: a target broker is offline") }
    }
}
