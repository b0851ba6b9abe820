/// A broker id as Kafka numbers them (`broker.id` / `node.id`, an int32 on the wire).
public typealias BrokerID = Int32

/// One broker as the planner sees it: an id and, when the cluster is rack-aware, its rack.
public struct Broker: Sendable, Hashable, Codable {
    public var id: BrokerID
    /// `broker.rack`; nil when the broker has none.
    public var rack: String?
    /// Total and usable log-dir bytes when known (from DescribeLogDirs); used by drain and checks.
    public var diskTotalBytes: Int64?
    public var diskUsableBytes: Int64?
    /// True when the broker is cordoned (every log dir in KIP-1066's `cordoned.log.dirs`): no plan
    /// puts a new replica on it. Absent (nil) in snapshots of uncordoned brokers and in snapshots
    /// written before kscale recorded cordons, so those read and encode as before.
    public var cordoned: Bool?
    /// Network capacity in bytes per second, in and out, as the operator gives it
    /// (`--broker-capacity FILE` or a default); nil when unknown. Kafka does not report it.
    public var networkInCapacity: Int64?
    public var networkOutCapacity: Int64?
    /// `"registered": false` only in a snapshot KafkaSim starts from: a dormant broker, a machine
    /// that exists but whose Kafka has not started, absent from Metadata and DescribeCluster until
    /// the control API's `POST /brokers/{id}/start` (docs/simulator.md). nil (registered) everywhere
    /// else; kscale never writes it.
    public var registered: Bool?

    public init(id: BrokerID, rack: String? = nil, diskTotalBytes: Int64? = nil, diskUsableBytes: Int64? = nil, cordoned: Bool? = nil,
                networkInCapacity: Int64? = nil, networkOutCapacity: Int64? = nil, registered: Bool? = nil) {
        self.id = id
        self.rack = rack
        self.diskTotalBytes = diskTotalBytes
        self.diskUsableBytes = diskUsableBytes
        self.cordoned = cordoned
        self.networkInCapacity = networkInCapacity
        self.networkOutCapacity = networkOutCapacity
        self.registered = registered
    }

    /// Whether the snapshot records the broker as cordoned.
    public var isCordoned: Bool { cordoned == true }

    enum CodingKeys: String, CodingKey {
        case id, rack, cordoned, registered
        case diskTotalBytes = "disk_total_bytes"
        case diskUsableBytes = "disk_usable_bytes"
        case networkInCapacity = "network_in_capacity"
        case networkOutCapacity = "network_out_capacity"
    }
}

/// A topic name and a partition number: the key of everything a reassignment touches.
public struct TopicPartition: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition
    }

    /// Kafka's own spelling, `orders-3`.
    public var description: String { "\(topic)-\(partition)" }
}

/// One partition in a snapshot: its ordered replicas (the first is the preferred leader) and the
/// size of one replica in bytes.
public struct PartitionState: Sendable, Hashable, Codable {
    public var partition: Int32
    public var replicas: [BrokerID]
    /// Bytes of one replica; nil when unknown (counts as 0 for byte goals).
    public var size: Int64?
    /// In-sync replicas and current leader, when the snapshot came from a live cluster.
    public var isr: [BrokerID]?
    public var leader: BrokerID?
    /// Traffic, bytes per second, when the snapshot was sampled (`snapshot --sample`) or generated
    /// with rates: what producers write to the partition's leader, and what consumers read from it
    /// (summed over consumer groups). nil when unknown; old snapshots have neither.
    public var bytesInPerSec: Int64?
    public var bytesOutPerSec: Int64?

    public init(partition: Int32, replicas: [BrokerID], size: Int64? = nil, isr: [BrokerID]? = nil, leader: BrokerID? = nil,
                bytesInPerSec: Int64? = nil, bytesOutPerSec: Int64? = nil) {
        self.partition = partition
        self.replicas = replicas
        self.size = size
        self.isr = isr
        self.leader = leader
        self.bytesInPerSec = bytesInPerSec
        self.bytesOutPerSec = bytesOutPerSec
    }

    enum CodingKeys: String, CodingKey {
        case partition, replicas, size, isr, leader
        case bytesInPerSec = "bytes_in_per_sec"
        case bytesOutPerSec = "bytes_out_per_sec"
    }
}

/// A consumer group as a sampled snapshot records it: its id and the topics it reads (from its
/// committed offsets). Splits keep a group's topics together; the simulator consumes them.
public struct ConsumerGroupState: Sendable, Hashable, Codable {
    public var group: String
    public var topics: [String]

    public init(group: String, topics: [String]) {
        self.group = group
        self.topics = topics
    }
}

public struct TopicState: Sendable, Hashable, Codable {
    public var name: String
    public var partitions: [PartitionState]
    /// Non-default topic configs when known (e.g. cleanup.policy, min.insync.replicas).
    public var configs: [String: String]?

    public init(name: String, partitions: [PartitionState], configs: [String: String]? = nil) {
        self.name = name
        self.partitions = partitions
        self.configs = configs
    }
}

/// A cluster snapshot, the planner's only input: the `kafka-cluster-v1` JSON format.
///
/// Brokers listed with no replicas are registered and empty, as after a scale-out.
public struct ClusterSnapshot: Sendable, Hashable, Codable {
    public static let formatName = "kafka-cluster-v1"

    public var format: String
    public var brokers: [Broker]
    public var topics: [TopicState]
    /// Consumer groups and the topics they read, when the snapshot was sampled; nil otherwise.
    public var consumerGroups: [ConsumerGroupState]?

    public init(brokers: [Broker], topics: [TopicState], consumerGroups: [ConsumerGroupState]? = nil) {
        self.format = Self.formatName
        self.brokers = brokers
        self.topics = topics
        self.consumerGroups = consumerGroups
    }

    enum CodingKeys: String, CodingKey {
        case format, brokers, topics
        case consumerGroups = "consumer_groups"
    }

    /// Every partition in a stable order (topic name, then partition number).
    public var allPartitions: [(TopicPartition, PartitionState)] {
        topics.sorted { $0.name < $1.name }.flatMap { t in
            t.partitions.sorted { $0.partition < $1.partition }.map { (TopicPartition(t.name, $0.partition), $0) }
        }
    }

    public var replicaCount: Int { topics.reduce(0) { $0 + $1.partitions.reduce(0) { $0 + $1.replicas.count } } }

    /// Looks partitions up by topic and number (`partitionFinder`).
    public var partitionFinder: PartitionFinder { PartitionFinder(self) }
}

/// Partitions of a snapshot by topic and number, without a table of every partition: a topic's
/// partitions listed in number order from 0 (as a reading and the generators write them) are
/// found by position, any other topic through a table of its own. A topic listed twice is
/// found at its last listing.
public struct PartitionFinder: Sendable {
    private let topics: [TopicState]
    private let topicPosition: [String: Int]
    /// Positions by partition number, for the topics not in number order.
    private let positions: [Int: [Int32: Int]]

    public init(_ snapshot: ClusterSnapshot) {
        topics = snapshot.topics
        topicPosition = Dictionary(snapshot.topics.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { _, last in last })
        var positions: [Int: [Int32: Int]] = [:]
        for (position, topic) in snapshot.topics.enumerated()
        where !topic.partitions.enumerated().allSatisfy({ Int($1.partition) == $0 }) {
            positions[position] = Dictionary(topic.partitions.enumerated().map { ($1.partition, $0) }, uniquingKeysWith: { _, last in last })
        }
        self.positions = positions
    }

    public subscript(_ partition: TopicPartition) -> PartitionState? {
        guard let topic = topicPosition[partition.topic] else { return nil }
        let listed = topics[topic].partitions
        if let table = positions[topic] { return table[partition.partition].map { listed[$0] } }
        let position = Int(partition.partition)
        return listed.indices.contains(position) ? listed[position] : nil
    }
}
