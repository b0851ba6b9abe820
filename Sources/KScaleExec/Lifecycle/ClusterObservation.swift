import KScaleCore
import KafkaClient

/// Everything the checks and the scale-in safety rules look at, read once from a cluster.
///
/// Fetching and judging are split so that every rule is a pure function of this value: the
/// rules are tested with constructed inputs, and the live path differs only in where the value
/// came from.
public struct ClusterObservation: Sendable, Hashable {
    public var cluster: ClusterDescription
    public var topics: [TopicDescription]
    public var logDirs: [BrokerLogDirs]
    public var reassignments: [TopicPartition: OngoingReassignment]
    /// Effective configs per broker (only the entries the rules use are required).
    public var brokerConfigs: [BrokerID: [ConfigEntry]]
    /// Effective configs per topic, as DescribeConfigs reports them (defaults included).
    public var topicConfigs: [String: [ConfigEntry]]

    public init(
        cluster: ClusterDescription,
        topics: [TopicDescription],
        logDirs: [BrokerLogDirs] = [],
        reassignments: [TopicPartition: OngoingReassignment] = [:],
        brokerConfigs: [BrokerID: [ConfigEntry]] = [:],
        topicConfigs: [String: [ConfigEntry]] = [:]
    ) {
        self.cluster = cluster
        self.topics = topics
        self.logDirs = logDirs
        self.reassignments = reassignments
        self.brokerConfigs = brokerConfigs
        self.topicConfigs = topicConfigs
    }

    /// Reads the cluster through the admin seam, with the client's `ClusterReader` (one broker
    /// down does not stop the reading; its absence is itself a finding), plus every broker's and
    /// topic's config entries, which the throttle and min-ISR rules need in full.
    public static func fetch(from admin: any ClusterAdmin) async throws -> ClusterObservation {
        let state = try await ClusterReader(admin: admin).read(withConfigs: false)
        let cluster = state.description
        let topics = state.topics
        var topicConfigs: [String: [ConfigEntry]] = [:]
        if !topics.isEmpty {
            for (resource, entries) in try await admin.describeConfigs(topics.map { .topic($0.name) }) {
                topicConfigs[resource.name] = entries
            }
        }
        // A broker's configs are answered by that broker: ask each live one on its own, so one
        // that stops answering costs its throttle entries only, not the whole check.
        var brokerConfigs: [BrokerID: [ConfigEntry]] = [:]
        for b in cluster.brokers where !b.fenced {
            if let entries = try? await admin.describeConfigs([.broker(b.id)]).first?.value { brokerConfigs[b.id] = entries }
        }
        return ClusterObservation(cluster: cluster, topics: topics, logDirs: state.logDirs, reassignments: state.reassignments,
                                  brokerConfigs: brokerConfigs, topicConfigs: topicConfigs)
    }

    // MARK: - Derived views the rules share

    /// Every partition in a stable order.
    public var partitions: [(TopicPartition, PartitionDescription)] {
        topics.sorted { $0.name < $1.name }.flatMap { t in
            t.partitions.sorted { $0.partition < $1.partition }.map { (TopicPartition(t.name, $0.partition), $0) }
        }
    }

    /// Registered broker ids (fenced included).
    public var registeredBrokers: Set<BrokerID> { Set(cluster.brokers.map(\.id)) }

    /// Brokers that partitions name as replicas but that are not registered: they are down.
    public var offlineBrokers: Set<BrokerID> {
        var referenced = Set<BrokerID>()
        for t in topics { for p in t.partitions { referenced.formUnion(p.replicas) } }
        return referenced.subtracting(registeredBrokers)
    }

    /// Bytes of the largest copy of each partition, from the log dirs (the leader's copy is the
    /// one a move copies; a lagging follower's is smaller).
    public var partitionSizes: [TopicPartition: Int64] { logDirs.largestReplicaSizes }

    /// Bytes each broker holds on disk, by its own log dirs.
    public var bytesByBroker: [BrokerID: Int64] {
        var bytes: [BrokerID: Int64] = [:]
        for b in logDirs {
            bytes[b.broker, default: 0] += b.dirs.filter { $0.error == nil }.flatMap(\.replicas).reduce(0) { $0 + $1.size }
        }
        return bytes
    }

    /// Total and usable bytes per broker, summed over its healthy log dirs; nil when a broker
    /// does not report capacity (Kafka before 3.3).
    public func diskCapacity(of broker: BrokerID) -> (total: Int64, usable: Int64)? {
        logDirs.first { $0.broker == broker }?.diskCapacity
    }

    /// The topic's effective min.insync.replicas (1, Kafka's default, when unknown).
    public func minInSyncReplicas(of topic: String) -> Int {
        topicConfigs[topic]?.first(where: { $0.name == "min.insync.replicas" })?.value.flatMap { Int($0) } ?? 1
    }

    public func rack(of broker: BrokerID) -> String? { cluster.brokers.first { $0.id == broker }?.rack }
}
