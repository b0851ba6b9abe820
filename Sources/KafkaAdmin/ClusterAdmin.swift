import KScaleCore

/// The one admin API the commands, the executor and the lifecycle flows use, whatever transport
/// answers: `KafkaAdminClient` (KafkaClient) speaks kscale's own wire protocol, `DryRunAdmin` is the
/// dry-run gate in front of it, and tests run against KafkaSim or `KScaleTestSupport`'s fake.
///
/// Calls that act on many partitions or resources return the per-item failures rather than
/// throwing on the first, because Kafka answers per item and a caller must know which ones failed.
///
/// Error contract, kept by every conformer (callers rely on it to tell "this broker is down" from
/// "this request is wrong"):
/// - a broker's error answer for the whole call is thrown as `KafkaAPIError`;
/// - failing to reach, authenticate to or understand a broker is thrown as an error conforming to
///   `AdminTransportFailure`, which names the broker;
/// - nothing else is thrown except `CancellationError`.
public protocol ClusterAdmin: Sendable {
    // MARK: reads
    /// Brokers (id, host, port, rack, fenced), the controller and the cluster id.
    func describeCluster() async throws -> ClusterDescription
    /// Partitions with replicas, ISR, leader and offline replicas. `nil` means every topic.
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription]
    /// DescribeLogDirs on each broker (all brokers when `nil`).
    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs]
    /// Reassignments in flight (ListPartitionReassignments), all when `nil`.
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment]
    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]]
    /// Consumer groups the cluster knows (ListGroups on every broker), by group id.
    func listConsumerGroups() async throws -> [String]
    /// Committed offsets against end offsets per partition for a consumer group.
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag]
    /// DescribeQuorum (KIP-595) through any broker, which forwards it to the active controller: the
    /// KRaft quorum's leader, voters and observers. nil when the brokers do not serve the API
    /// (ZooKeeper mode).
    func describeQuorum() async throws -> QuorumDescription?
    /// The finalized feature levels a broker reports in ApiVersions (v3+, KIP-584), such as
    /// `metadata.version`; empty when it reports none (ZooKeeper mode, KRaft before 3.3).
    func finalizedFeatures() async throws -> [String: Int16]
    /// ListOffsets to each partition's leader: its earliest (log start) or latest (log end)
    /// offset. A partition without a leader, or that its leader answered with an error, is in
    /// `failed`, not thrown: one offline partition must not hide the others.
    func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers
    /// OffsetFetch from the group's coordinator: every partition the group has committed.
    func committedOffsets(group: String) async throws -> [TopicPartition: Int64]

    // MARK: mutations (every caller goes through `DryRunAdmin`, the one dry-run gate)
    /// AlterPartitionReassignments: a target replica list per partition, or `nil` to cancel.
    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError]
    /// IncrementalAlterConfigs. Never AlterConfigs, which wipes every dynamic config it is not given.
    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError]
    /// CreatePartitions to `totalCount`, with explicit replica lists for the new partitions when given.
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws
    /// Preferred leader election; `nil` elects for every partition.
    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError]
    /// UnregisterBroker (KIP-631, KRaft only): the controller forgets a broker that is gone for
    /// good. Throws the broker's refusal (BROKER_ID_NOT_REGISTERED) as `KafkaAPIError`. Through the
    /// gate only (`DryRunAdmin.unregisterBroker`, which refuses ZooKeeper clusters and brokers that
    /// still hold replicas).
    func unregisterBroker(_ id: BrokerID) async throws

    // MARK: records of a tool's own topic (kscale's run record: KScaleExec's `RunRegistry`)
    /// CreateTopics for `topic`; false when it exists already. The dry-run gate never creates it.
    func createToolTopic(_ topic: ToolTopic) async throws -> Bool
    /// Produce with acks=-1 to `tp`'s leader, one uncompressed v2 record batch; the base offset
    /// the leader assigned. The dry-run gate never writes.
    func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64
    /// Fetch from `tp`'s leader from `offset` (its log start when nil), at most `maxBytes` but at
    /// least one whole batch (KIP-74); nil when the topic does not exist (answered at once, not retried).
    func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead?
}

public struct BrokerInfo: Sendable, Hashable {
    public var id: BrokerID
    public var host: String
    public var port: Int32
    public var rack: String?
    public var fenced: Bool
    public init(id: BrokerID, host: String, port: Int32, rack: String? = nil, fenced: Bool = false) {
        self.id = id
        self.host = host
        self.port = port
        self.rack = rack
        self.fenced = fenced
    }
    public var address: String { "\(host):\(port)" }
}

public struct ClusterDescription: Sendable, Hashable {
    public var clusterID: String?
    public var controllerID: BrokerID?
    public var brokers: [BrokerInfo]
    public init(clusterID: String?, controllerID: BrokerID?, brokers: [BrokerInfo]) {
        self.clusterID = clusterID
        self.controllerID = controllerID
        self.brokers = brokers
    }
}

public struct PartitionDescription: Sendable, Hashable {
    public var partition: Int32
    public var leader: BrokerID?
    public var leaderEpoch: Int32
    public var replicas: [BrokerID]
    public var isr: [BrokerID]
    public var offlineReplicas: [BrokerID]
    public init(partition: Int32, leader: BrokerID?, leaderEpoch: Int32 = 0, replicas: [BrokerID], isr: [BrokerID], offlineReplicas: [BrokerID] = []) {
        self.partition = partition
        self.leader = leader
        self.leaderEpoch = leaderEpoch
        self.replicas = replicas
        self.isr = isr
        self.offlineReplicas = offlineReplicas
    }
}

public struct TopicDescription: Sendable, Hashable {
    public var name: String
    public var isInternal: Bool
    public var partitions: [PartitionDescription]
    public init(name: String, isInternal: Bool = false, partitions: [PartitionDescription]) {
        self.name = name
        self.isInternal = isInternal
        self.partitions = partitions
    }
}

/// One replica as a broker's DescribeLogDirs reports it.
public struct ReplicaLogInfo: Sendable, Hashable {
    public var topicPartition: TopicPartition
    public var size: Int64
    public var offsetLag: Int64
    /// A future replica: an intra-broker move to another log dir in progress.
    public var isFuture: Bool
    public init(topicPartition: TopicPartition, size: Int64, offsetLag: Int64, isFuture: Bool) {
        self.topicPartition = topicPartition
        self.size = size
        self.offsetLag = offsetLag
        self.isFuture = isFuture
    }
}

public struct LogDirInfo: Sendable, Hashable {
    public var path: String
    public var error: KafkaAPIError?
    /// Reported by brokers from Kafka 3.3 (DescribeLogDirs v4); nil before.
    public var totalBytes: Int64?
    public var usableBytes: Int64?
    public var replicas: [ReplicaLogInfo]
    public init(path: String, error: KafkaAPIError? = nil, totalBytes: Int64? = nil, usableBytes: Int64? = nil, replicas: [ReplicaLogInfo]) {
        self.path = path
        self.error = error
        self.totalBytes = totalBytes
        self.usableBytes = usableBytes
        self.replicas = replicas
    }
}

public struct BrokerLogDirs: Sendable, Hashable {
    public var broker: BrokerID
    public var dirs: [LogDirInfo]
    public init(broker: BrokerID, dirs: [LogDirInfo]) {
        self.broker = broker
        self.dirs = dirs
    }
}

/// A reassignment in flight as ListPartitionReassignments reports it (KIP-455).
public struct OngoingReassignment: Sendable, Hashable {
    /// The full current replica set: the target plus the replicas being removed.
    public var replicas: [BrokerID]
    public var adding: [BrokerID]
    public var removing: [BrokerID]
    public init(replicas: [BrokerID], adding: [BrokerID], removing: [BrokerID]) {
        self.replicas = replicas
        self.adding = adding
        self.removing = removing
    }
}

public struct ConfigResource: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Int8, Sendable, Hashable {
        case topic = 2
        case broker = 4
        case brokerLogger = 8
    }
    public var kind: Kind
    /// The topic name, or the broker id as a string ("" for the cluster-wide broker default).
    public var name: String
    public init(_ kind: Kind, _ name: String) {
        self.kind = kind
        self.name = name
    }
    public static func topic(_ name: String) -> ConfigResource { ConfigResource(.topic, name) }
    public static func broker(_ id: BrokerID) -> ConfigResource { ConfigResource(.broker, String(id)) }
    public var description: String {
        switch kind {
        case .topic: "topic \(name)"
        case .broker: name.isEmpty ? "broker defaults" : "broker \(name)"
        case .brokerLogger: "broker logger \(name)"
        }
    }
}

/// One IncrementalAlterConfigs operation (KIP-339).
public struct ConfigChange: Sendable, Hashable {
    public enum Operation: Int8, Sendable, Hashable {
        case set = 0
        case delete = 1
        /// Adds to a list config (e.g. `leader.replication.throttled.replicas`) without touching other entries.
        case append = 2
        case subtract = 3
    }
    public var name: String
    public var operation: Operation
    public var value: String?
    public init(_ name: String, _ operation: Operation, _ value: String? = nil) {
        self.name = name
        self.operation = operation
        self.value = value
    }
}

public struct ConfigEntry: Sendable, Hashable {
    public enum Source: Int8, Sendable, Hashable {
        case unknown = 0
        case dynamicTopic = 1
        case dynamicBroker = 2
        case dynamicDefaultBroker = 3
        case staticBroker = 4
        case defaultConfig = 5
        case dynamicBrokerLogger = 6
        case clientMetrics = 7
        case group = 8
    }
    public var name: String
    public var value: String?
    public var source: Source
    public var isSensitive: Bool
    public var isReadOnly: Bool
    public init(name: String, value: String?, source: Source, isSensitive: Bool = false, isReadOnly: Bool = false) {
        self.name = name
        self.value = value
        self.source = source
        self.isSensitive = isSensitive
        self.isReadOnly = isReadOnly
    }
    public var isDefault: Bool { source == .defaultConfig }
}

public struct ConsumerLag: Sendable, Hashable {
    public var committedOffset: Int64?
    public var endOffset: Int64
    public var lag: Int64? { committedOffset.map { max(0, endOffset - $0) } }
    public init(committedOffset: Int64?, endOffset: Int64) {
        self.committedOffset = committedOffset
        self.endOffset = endOffset
    }
}

/// Which offset ListOffsets asks for (its special timestamps).
public enum OffsetSpec: Int64, Sendable, Hashable {
    /// The log start offset (timestamp -2).
    case earliest = -2
    /// The log end offset (timestamp -1).
    case latest = -1
}

/// ListOffsets answers per partition: the offsets, and the partitions that got none.
public struct OffsetAnswers: Sendable, Hashable {
    public var offsets: [TopicPartition: Int64]
    public var failed: [TopicPartition: KafkaAPIError]
    public init(offsets: [TopicPartition: Int64] = [:], failed: [TopicPartition: KafkaAPIError] = [:]) {
        self.offsets = offsets
        self.failed = failed
    }
}

extension ClusterAdmin {
    /// Admins that cannot unregister (test fakes) refuse; `KafkaAdminClient`, `SimAdmin` and the
    /// gate implement it.
    public func unregisterBroker(_ id: BrokerID) async throws {
        throw Refusal("this admin cannot send UnregisterBroker (broker \(id))")
    }
}
