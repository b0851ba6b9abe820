import KScaleCore

// The facts every rule shares, each computed here once from a `ClusterObservation`. A rule that
// needs "is this partition under-replicated" or "what does this broker hold" asks here; it never
// recomputes it by a rule of its own.

extension ClusterObservation {
    /// Every partition in a stable order (topic name, then partition).
    public var partitions: [(TopicPartition, PartitionDescription)] {
        topics.sorted { $0.name < $1.name }.flatMap { topic in
            topic.partitions.sorted { $0.partition < $1.partition }.map { (TopicPartition(topic.name, $0.partition), $0) }
        }
    }

    public func partition(_ tp: TopicPartition) -> PartitionDescription? { partitionIndex[tp] }

    /// Names of the topics read.
    public var topicNames: Set<String> { Set(topics.map(\.name)) }

    // MARK: brokers

    /// Registered broker ids (fenced included).
    public var registeredBrokers: Set<BrokerID> { Set(cluster.brokers.map(\.id)) }

    /// Registered, unfenced brokers: the ones that serve and replicate.
    public var aliveBrokers: Set<BrokerID> { Set(cluster.brokers.filter { !$0.fenced }.map(\.id)) }

    /// Brokers that partitions name as replicas but that are not registered: they are down.
    public var offlineBrokers: Set<BrokerID> {
        var referenced = Set<BrokerID>()
        for topic in topics { for partition in topic.partitions { referenced.formUnion(partition.replicas) } }
        return referenced.subtracting(registeredBrokers)
    }

    /// Registered brokers plus any broker named in a replica list (known but maybe offline).
    public var knownBrokers: Set<BrokerID> { registeredBrokers.union(offlineBrokers) }

    public func rack(of broker: BrokerID) -> String? { cluster.brokers.first { $0.id == broker }?.rack }

    /// What the reading could not see, one line each, for every command to print.
    public var warnings: [String] { gaps.map(\.description) }

    // MARK: reassignments

    /// The replicas a partition had before its reassignment began (KIP-455: replicas minus adding).
    public func originalReplicas(_ tp: TopicPartition) -> [BrokerID]? {
        guard let described = partitionIndex[tp] else { return nil }
        guard let moving = reassignments[tp] else { return described.replicas }
        return moving.replicas.filter { !moving.adding.contains($0) }
    }

    /// The target of a reassignment in flight (KIP-455: replicas minus removing).
    public func inFlightTarget(_ tp: TopicPartition) -> [BrokerID]? {
        reassignments[tp].map { moving in moving.replicas.filter { !moving.removing.contains($0) } }
    }

    // MARK: partition health

    /// Under-replicated: fewer replicas in sync than the partition is meant to have. During a
    /// reassignment the replica list includes the adding replicas, which are not in sync yet by
    /// design, so a moving partition is judged against its target's size, not the transient list
    /// (Kafka's own UnderReplicatedPartitions metric counts the transient list; kscale would then
    /// report every move as a problem).
    public func isUnderReplicated(_ tp: TopicPartition) -> Bool {
        partitionIndex[tp].map { isUnderReplicated(tp, $0) } ?? false
    }

    /// `isUnderReplicated` of a partition whose description the caller holds (no lookup by name).
    public func isUnderReplicated(_ tp: TopicPartition, _ described: PartitionDescription) -> Bool {
        let expected = (reassignments.isEmpty ? nil : inFlightTarget(tp))?.count ?? described.replicas.count
        return described.isr.count < expected
    }

    /// No leader: nobody can produce to or consume from it, and nothing can copy from it.
    public func isOffline(_ tp: TopicPartition) -> Bool {
        partitionIndex[tp].map(Self.isOffline) ?? false
    }

    /// `isOffline` of a description the caller holds.
    public static func isOffline(_ described: PartitionDescription) -> Bool {
        described.leader == nil || described.leader == -1
    }

    /// The topic's effective min.insync.replicas, or `.unknown` when its configs were not read or
    /// do not carry it: never silently Kafka's default of 1.
    public func minInSyncReplicas(of topic: String) -> MinInSyncReplicas {
        guard let value = topicConfigs[topic]?.first(where: { $0.name == "min.insync.replicas" })?.value, let count = Int(value) else {
            return .unknown
        }
        return .known(count)
    }

    /// Below min.insync.replicas: producers with acks=all are refused. `nil` when min ISR is unknown.
    public func isUnderMinISR(_ tp: TopicPartition) -> Bool? {
        guard let described = partitionIndex[tp] else { return false }
        return Self.isUnderMinISR(described, minInSyncReplicas(of: tp.topic))
    }

    /// `isUnderMinISR` of a description the caller holds, its topic's `minInSyncReplicas` read once.
    public static func isUnderMinISR(_ described: PartitionDescription, _ min: MinInSyncReplicas) -> Bool? {
        guard case .known(let min) = min else { return nil }
        return described.isr.count < min
    }

    /// The number of replicas a partition is meant to have: its target's while it moves.
    public func replicationFactor(of tp: TopicPartition) -> Int {
        inFlightTarget(tp)?.count ?? partitionIndex[tp]?.replicas.count ?? 0
    }

    /// `replicationFactor(of:)` of a partition whose description the caller holds.
    public func replicationFactor(of tp: TopicPartition, _ described: PartitionDescription) -> Int {
        (reassignments.isEmpty ? nil : inFlightTarget(tp))?.count ?? described.replicas.count
    }

    /// Partitions whose replication factor is below the rest of their topic's (a plan or a hand
    /// edit dropped a copy), or at or below min.insync.replicas (one lost replica stops acks=all
    /// producers), with the reason.
    public var weakReplicationFactors: [(TopicPartition, String)] {
        var out: [(TopicPartition, String)] = []
        for topic in topics.sorted(by: { $0.name < $1.name }) {
            let factors = topic.partitions.map { replicationFactor(of: TopicPartition(topic.name, $0.partition), $0) }
            let topicFactor = factors.max() ?? 0
            let minISR = minInSyncReplicas(of: topic.name)
            for partition in topic.partitions.sorted(by: { $0.partition < $1.partition }) {
                let tp = TopicPartition(topic.name, partition.partition)
                let factor = replicationFactor(of: tp, partition)
                if factor < topicFactor {
                    out.append((tp, "RF \(factor), below the topic's \(topicFactor)"))
                } else if case .known(let min) = minISR, factor <= min, factor > 1 || min > 1 {
                    out.append((tp, "RF \(factor), not above min.insync.replicas \(min)"))
                }
            }
        }
        return out
    }

    /// Topics whose min.insync.replicas could not be read, sorted.
    public var topicsWithUnknownMinISR: [String] {
        topics.map(\.name).filter { minInSyncReplicas(of: $0) == .unknown }.sorted()
    }

    // MARK: bytes and disk (rules in LogDirFacts.swift)

    /// Bytes of the largest copy of each partition.
    public var partitionSizes: [TopicPartition: Int64] { logDirs.largestReplicaSizes }

    /// Bytes each broker holds on disk, by its own log dirs; a broker absent here was not read.
    public var bytesByBroker: [BrokerID: Int64] {
        var bytes: [BrokerID: Int64] = [:]
        for broker in logDirs { bytes[broker.broker, default: 0] += broker.bytesHeld }
        return bytes
    }

    /// Total and usable bytes of a broker's disk; nil when it does not report capacity (before 3.3).
    public func diskCapacity(of broker: BrokerID) -> (total: Int64, usable: Int64)? {
        logDirs.first { $0.broker == broker }?.diskCapacity
    }

    // MARK: cordons (KIP-1066)

    /// The broker config KIP-1066 cordons log dirs with: `*` (every dir) or a list of dirs.
    public static let cordonKey = "cordoned.log.dirs"

    /// Every broker whose effective `cordoned.log.dirs` is not empty, by broker id. Needs
    /// `.brokerConfigs`: a broker whose configs were not read is absent (its gap says so).
    public var cordons: [BrokerCordon] {
        brokerConfigs.keys.sorted().compactMap { broker in
            guard let entry = brokerConfigs[broker]?.first(where: { $0.name == Self.cordonKey }) else { return nil }
            let dirs = ThrottleKeys.parse(entry.value)
            guard !dirs.isEmpty, let value = entry.value else { return nil }
            // A list covering every dir the broker reports cordons the broker; a list whose dirs
            // were not read is taken as covering them all (kept off rather than filled).
            let reported = logDirs.first { $0.broker == broker }.map { Set($0.dirs.map(\.path)) }
            let whole = dirs.contains("*") || reported.map { $0.isSubset(of: dirs) } ?? true
            return BrokerCordon(broker: broker, value: value, source: entry.source, coversEveryLogDir: whole)
        }
    }

    /// Brokers whose every log dir is cordoned: Kafka places no new partition on them and no
    /// kscale plan puts a new replica there (a plan may still move replicas off them).
    public var cordonedBrokers: Set<BrokerID> { Set(cordons.filter(\.coversEveryLogDir).map(\.broker)) }

    /// Live brokers that report `cordoned.log.dirs` at all (Kafka 4.3+ at a metadata version that
    /// supports KIP-1066): the ones that can be cordoned.
    public var brokersSupportingCordon: Set<BrokerID> {
        Set(brokerConfigs.filter { _, entries in entries.contains { $0.name == Self.cordonKey } }.keys)
    }

    // MARK: per-broker load

    /// Replicas, leaders, bytes, disk and moves per broker, for every broker that is registered or
    /// named by a replica: the one per-broker view `check`, `describe` and the flows show.
    public var brokerLoads: [BrokerLoad] {
        var replicas: [BrokerID: Int] = [:], leaders: [BrokerID: Int] = [:], moving: [BrokerID: Int] = [:]
        for topic in topics {
            for partition in topic.partitions {
                for replica in partition.replicas { replicas[replica, default: 0] += 1 }
                if let leader = partition.leader, leader >= 0 { leaders[leader, default: 0] += 1 }
            }
        }
        for reassignment in reassignments.values {
            for broker in Set(reassignment.adding + reassignment.removing) { moving[broker, default: 0] += 1 }
        }
        let bytes = bytesByBroker
        let cordoned = cordonedBrokers
        let marked = markedController
        let dirsByBroker = Dictionary(logDirs.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
        return knownBrokers.sorted().map { id in
            let info = cluster.brokers.first { $0.id == id }
            let state: BrokerLoad.State = info == nil ? .offline : (info?.fenced == true ? .fenced : .online)
            return BrokerLoad(id: id, rack: info?.rack, host: info?.address, state: state, replicas: replicas[id] ?? 0,
                              leaders: leaders[id] ?? 0, bytes: bytes[id], diskUsedPercent: dirsByBroker[id]?.diskUsedPercent,
                              reassignmentsInFlight: moving[id] ?? 0, isController: id == marked,
                              cordoned: cordoned.contains(id))
        }
    }

    // MARK: the planner's input

    /// Dynamic (non-default, non-sensitive) topic configs by topic, as the snapshot records them.
    public var dynamicTopicConfigs: [String: [String: String]] {
        topicConfigs.mapValues { entries in
            var dynamic: [String: String] = [:]
            for entry in entries where entry.source == .dynamicTopic && !entry.isSensitive {
                if let value = entry.value { dynamic[entry.name] = value }
            }
            return dynamic
        }
    }

    /// The planner's input from this observation (`ClusterSnapshot(reading:)`, the one
    /// reading-to-snapshot rule), so the pre-flight check and the plan judge the same state.
    public func snapshot() -> ClusterSnapshot {
        ClusterSnapshot(reading: cluster, topics: topics, logDirs: logDirs, topicConfigs: dynamicTopicConfigs, cordoned: cordonedBrokers)
    }
}

/// A broker's KIP-1066 cordon as its configs report it.
public struct BrokerCordon: Sendable, Hashable {
    public var broker: BrokerID
    /// `*`, or the cordoned log dirs, as set.
    public var value: String
    /// Where it is set: on the broker (dynamic, what `kscale uncordon` deletes), as the
    /// cluster-wide broker default, or in the broker's properties file.
    public var source: ConfigEntry.Source
    /// Every log dir of the broker is cordoned: the broker takes no new partition.
    public var coversEveryLogDir: Bool

    public init(broker: BrokerID, value: String, source: ConfigEntry.Source, coversEveryLogDir: Bool) {
        self.broker = broker
        self.value = value
        self.source = source
        self.coversEveryLogDir = coversEveryLogDir
    }
}

/// A topic's min.insync.replicas as far as kscale knows it.
public enum MinInSyncReplicas: Sendable, Hashable {
    case known(Int)
    /// The topic's configs were not read or lack it.
    case unknown
}

/// One broker as `check`, `describe` and the lifecycle reports show it.
public struct BrokerLoad: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case online, fenced, offline
    }

    public var id: BrokerID
    public var rack: String?
    /// `host:port`, nil for a broker that is not registered.
    public var host: String?
    public var state: State
    public var replicas: Int
    /// Partitions this broker leads now.
    public var leaders: Int
    /// Bytes on its log dirs; nil when they were not read (broker down, or not asked).
    public var bytes: Int64?
    public var diskUsedPercent: Double?
    /// Partitions moving onto or off this broker.
    public var reassignmentsInFlight: Int
    /// The controller in ZooKeeper mode; on KRaft the quorum leader when it is this broker
    /// (combined mode), never the random broker KRaft names in Metadata (`markedController`).
    public var isController: Bool
    /// Every log dir cordoned (`cordoned.log.dirs`, KIP-1066): it takes no new replica.
    public var cordoned: Bool

    public init(id: BrokerID, rack: String? = nil, host: String? = nil, state: State = .online, replicas: Int = 0, leaders: Int = 0,
                bytes: Int64? = nil, diskUsedPercent: Double? = nil, reassignmentsInFlight: Int = 0, isController: Bool = false,
                cordoned: Bool = false) {
        self.id = id
        self.rack = rack
        self.host = host
        self.state = state
        self.replicas = replicas
        self.leaders = leaders
        self.bytes = bytes
        self.diskUsedPercent = diskUsedPercent
        self.reassignmentsInFlight = reassignmentsInFlight
        self.isController = isController
        self.cordoned = cordoned
    }

    enum CodingKeys: String, CodingKey {
        case id, rack, host, state, replicas, leaders, bytes, cordoned
        case diskUsedPercent = "disk_used_percent", reassignmentsInFlight = "reassignments_in_flight", isController = "controller"
    }
}
