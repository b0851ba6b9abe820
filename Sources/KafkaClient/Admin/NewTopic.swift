import KScaleCore

/// A topic for `KafkaAdminClient.createTopics`: test support and tooling, not on the `ClusterAdmin` seam
/// (no kscale command creates or deletes topics).
public struct NewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int16
    /// Explicit assignment (partition index -> replicas); when set, partitions/RF must be -1.
    public var assignments: [[BrokerID]]?
    public var configs: [String: String]
    public init(name: String, partitions: Int32, replicationFactor: Int16, assignments: [[BrokerID]]? = nil, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.assignments = assignments
        self.configs = configs
    }
}

