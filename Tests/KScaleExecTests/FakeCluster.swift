import Foundation
import KafkaClient
import KScaleCore
@testable import KScaleExec

/// A clock whose sleeps return at once after advancing time, so hours of copying take milliseconds.
final class StepClock: ExecClock, @unchecked Sendable {
    private let lock = NSLock()
    private var t: Double
    /// Throws from `sleep` after this many sleeps: a process dying mid-run.
    var dieAfterSleeps: Int?
    private var sleeps = 0

    init(start: Double = 1_000_000) { t = start }
    func now() -> Double { lock.lock(); defer { lock.unlock() }; return t }
    func advance(_ s: Double) { lock.lock(); t += s; lock.unlock() }
    private func tick(_ seconds: Double) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        sleeps += 1
        t += seconds
        return dieAfterSleeps.map { sleeps >= $0 } ?? false
    }
    func sleep(seconds: Double) async throws {
        let die = tick(seconds)
        if die { throw CancellationError() }
        await Task.yield()
    }
}

/// A small in-memory cluster behind `ClusterAdmin`: replicas, ISR, configs with Kafka's
/// incremental semantics, and reassignments that copy at `copyRate` bytes per second of `clock`.
actor FakeCluster: ClusterAdmin {
    struct Part { var replicas: [BrokerID]; var isr: [BrokerID]; var leader: BrokerID?; var size: Int64 }
    struct Moving { var original: [BrokerID]; var target: [BrokerID]; var started: Double; var copied: [BrokerID: Double] }

    let clock: StepClock
    var copyRate: Double
    var brokers: [BrokerID: String?]
    var down: Set<BrokerID> = []
    var parts: [TopicPartition: Part] = [:]
    var topicConfigs: [String: [String: String]] = [:]
    var brokerConfigs: [BrokerID: [String: String]] = [:]
    var moving: [TopicPartition: Moving] = [:]
    var lastAdvance: Double
    /// Highest number of moves in flight per broker (sending or receiving) and in total.
    var peakPerBroker = 0
    var peakTotal = 0
    var configCalls: [[ConfigResource: [ConfigChange]]] = []
    /// IncrementalAlterConfigs sent with validate_only: checked, never applied.
    var validatedConfigCalls: [[ConfigResource: [ConfigChange]]] = []
    /// Partitions whose copies never finish (a target that does not join the ISR).
    var stuck: Set<TopicPartition> = []

    init(clock: StepClock, brokers: [BrokerID], racks: Int = 3, copyRate: Double = 10_000_000) {
        self.clock = clock
        self.copyRate = copyRate
        self.brokers = Dictionary(uniqueKeysWithValues: brokers.map { ($0, "r\(Int($0) % racks)") })
        self.lastAdvance = clock.now()
    }

    func addTopic(_ name: String, _ assignment: [[BrokerID]], size: Int64) {
        for (i, r) in assignment.enumerated() {
            parts[TopicPartition(name, Int32(i))] = Part(replicas: r, isr: r, leader: r.first, size: size)
        }
        topicConfigs[name] = topicConfigs[name] ?? [:]
    }

    func setTopicConfig(_ topic: String, _ key: String, _ value: String?) { topicConfigs[topic, default: [:]][key] = value }
    func setBrokerConfig(_ b: BrokerID, _ key: String, _ value: String?) { brokerConfigs[b, default: [:]][key] = value }
    func stop(_ b: BrokerID) {
        advance()
        down.insert(b)
        for (tp, p) in parts {
            var q = p
            q.isr = p.isr.filter { $0 != b }
            if p.leader == b { q.leader = q.isr.first }
            parts[tp] = q
        }
    }
    func start(_ b: BrokerID) { advance(); down.remove(b); for (tp, p) in parts where p.replicas.contains(b) && moving[tp] == nil { parts[tp]?.isr = p.replicas.filter { !down.contains($0) } } }
    func replicas(_ tp: TopicPartition) -> [BrokerID]? { parts[tp]?.replicas }
    func inFlightCount() -> Int { moving.count }
    func setStuck(_ tp: TopicPartition) { stuck.insert(tp) }

    /// Copies bytes for the time passed since the last call and completes finished moves.
    func advance() {
        let now = clock.now()
        let dt = now - lastAdvance
        lastAdvance = now
        for (tp, m) in moving {
            guard var p = parts[tp] else { continue }
            var m = m
            let adding = m.target.filter { !m.original.contains($0) }
            var done = true
            for b in adding {
                if !down.contains(b) && !stuck.contains(tp) { m.copied[b, default: 0] = min(Double(p.size), m.copied[b, default: 0] + copyRate * dt) }
                if m.copied[b, default: 0] < Double(p.size) || down.contains(b) || stuck.contains(tp) { done = false }
            }
            if done {
                p.replicas = m.target
                p.isr = m.target.filter { !down.contains($0) }
                if let l = p.leader, !m.target.contains(l) { p.leader = p.isr.first }
                parts[tp] = p
                moving[tp] = nil
            } else {
                moving[tp] = m
            }
        }
    }

    func describeCluster() async throws -> ClusterDescription {
        advance()
        let live = brokers.keys.sorted().filter { !down.contains($0) }
        return ClusterDescription(clusterID: "fake", controllerID: live.first,
                                  brokers: live.map { BrokerInfo(id: $0, host: "127.0.0.1", port: 9000 + $0, rack: brokers[$0] ?? nil) })
    }

    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] {
        advance()
        let all = Set(parts.keys.map(\.topic))
        return (names.map(Set.init) ?? all).intersection(all).sorted().map { t in
            TopicDescription(name: t, partitions: parts.filter { $0.key.topic == t }.sorted { $0.key < $1.key }.map { tp, p in
                let full = moving[tp].map { m in m.target + m.original.filter { !m.target.contains($0) } } ?? p.replicas
                return PartitionDescription(partition: tp.partition, leader: p.leader, replicas: full, isr: p.isr, offlineReplicas: full.filter { down.contains($0) })
            })
        }
    }

    func logDirs(brokers ids: [BrokerID]?) async throws -> [BrokerLogDirs] {
        advance()
        return (ids ?? brokers.keys.sorted()).filter { !down.contains($0) }.map { b in
            var reps: [ReplicaLogInfo] = []
            for (tp, p) in parts {
                if let m = moving[tp], m.target.contains(b), !m.original.contains(b) {
                    reps.append(ReplicaLogInfo(topicPartition: tp, size: Int64(m.copied[b, default: 0]), offsetLag: 0, isFuture: false))
                } else if p.replicas.contains(b) || (moving[tp]?.original.contains(b) ?? false) {
                    reps.append(ReplicaLogInfo(topicPartition: tp, size: p.size, offsetLag: 0, isFuture: false))
                }
            }
            return BrokerLogDirs(broker: b, dirs: [LogDirInfo(path: "/data", replicas: reps)])
        }
    }

    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        advance()
        var out: [TopicPartition: OngoingReassignment] = [:]
        for (tp, m) in moving where partitions?.contains(tp) ?? true {
            let removing = m.original.filter { !m.target.contains($0) }
            out[tp] = OngoingReassignment(replicas: m.target + removing, adding: m.target.filter { !m.original.contains($0) }, removing: removing)
        }
        return out
    }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        advance()
        var errors: [TopicPartition: KafkaAPIError] = [:]
        for (tp, target) in targets {
            guard let p = parts[tp] else { errors[tp] = KafkaAPIError(code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION"); continue }
            guard let target else {
                if let m = moving[tp] { parts[tp]?.replicas = m.original; moving[tp] = nil }
                else { errors[tp] = KafkaAPIError(code: 85, name: "NO_REASSIGNMENT_IN_PROGRESS") }
                continue
            }
            guard target.allSatisfy({ brokers[$0] != nil }), Set(target).count == target.count else {
                errors[tp] = KafkaAPIError(code: 39, name: "INVALID_REPLICA_ASSIGNMENT"); continue
            }
            if target == p.replicas { continue }
            if Set(target) == Set(p.replicas) { parts[tp]?.replicas = target; continue }
            moving[tp] = Moving(original: moving[tp]?.original ?? p.replicas, target: target, started: clock.now(), copied: [:])
        }
        var load: [BrokerID: Int] = [:]
        for m in moving.values {
            for b in Set(m.target).symmetricDifference(m.original) { load[b, default: 0] += 1 }
        }
        peakPerBroker = max(peakPerBroker, load.values.max() ?? 0)
        peakTotal = max(peakTotal, moving.count)
        return errors
    }

    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        guard !validateOnly else {
            validatedConfigCalls.append(changes)
            return [:]
        }
        configCalls.append(changes)
        for (res, ops) in changes {
            for op in ops {
                func update(_ cur: String?) -> String? {
                    switch op.operation {
                    case .set: return op.value
                    case .delete: return nil
                    case .append:
                        var list = cur.map { $0.split(separator: ",").map(String.init) } ?? []
                        for e in (op.value ?? "").split(separator: ",").map(String.init) where !list.contains(e) { list.append(e) }
                        return list.joined(separator: ",")
                    case .subtract:
                        let drop = Set((op.value ?? "").split(separator: ",").map(String.init))
                        return (cur.map { $0.split(separator: ",").map(String.init) } ?? []).filter { !drop.contains($0) }.joined(separator: ",")
                    }
                }
                switch res.kind {
                case .topic: topicConfigs[res.name, default: [:]][op.name] = update(topicConfigs[res.name]?[op.name])
                case .broker:
                    guard let b = BrokerID(res.name) else { continue }
                    if down.contains(b) { throw KafkaAPIError(code: -1, name: "NETWORK_EXCEPTION", message: "broker \(b) is down") }
                    brokerConfigs[b, default: [:]][op.name] = update(brokerConfigs[b]?[op.name])
                case .brokerLogger: break
                }
            }
        }
        return [:]
    }

    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        var out: [ConfigResource: [ConfigEntry]] = [:]
        for r in resources {
            switch r.kind {
            case .topic: out[r] = (topicConfigs[r.name] ?? [:]).sorted { $0.key < $1.key }.map { ConfigEntry(name: $0.key, value: $0.value, source: .dynamicTopic) }
            case .broker: out[r] = (BrokerID(r.name).flatMap { brokerConfigs[$0] } ?? [:]).sorted { $0.key < $1.key }.map { ConfigEntry(name: $0.key, value: $0.value, source: .dynamicBroker) }
            case .brokerLogger: out[r] = []
            }
        }
        return out
    }

    func createTopics(_ topics: [NewTopic], validateOnly: Bool) async throws -> [String: KafkaAPIError] { [:] }
    func deleteTopics(_ names: [String]) async throws -> [String: KafkaAPIError] { [:] }
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {}
    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] { [:] }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { [:] }
    func listConsumerGroups() async throws -> [String] { [] }

    /// Every throttle config left anywhere, for "no throttle left" checks.
    func throttleConfigs() -> [String] {
        var out: [String] = []
        for (t, c) in topicConfigs { for (k, v) in c where k.contains("throttled") && !v.isEmpty { out.append("topic \(t) \(k)=\(v)") } }
        for (b, c) in brokerConfigs { for (k, v) in c where k.contains("throttled") { out.append("broker \(b) \(k)=\(v)") } }
        return out.sorted()
    }
}
