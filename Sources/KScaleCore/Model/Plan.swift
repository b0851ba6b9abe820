/// One line of a reassignment: a partition and the ordered replicas it should end with.
public struct PartitionAssignment: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var replicas: [BrokerID]
    /// Kafka's `log_dirs`: an absolute path per replica, or "any". nil when the file had none.
    public var logDirs: [String]?

    public init(topic: String, partition: Int32, replicas: [BrokerID], logDirs: [String]? = nil) {
        self.topic = topic
        self.partition = partition
        self.replicas = replicas
        self.logDirs = logDirs
    }

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
}

/// Kafka's reassignment JSON, the contract between plan, execute and verify:
/// `{"version":1,"partitions":[{"topic":"t","partition":0,"replicas":[1,2,3],"log_dirs":["any","any","any"]}]}`.
/// A rollback is the same format holding the current assignment of the same partitions.
public struct ReassignmentPlan: Sendable, Hashable {
    public var version: Int
    public var partitions: [PartitionAssignment]

    public init(version: Int = 1, partitions: [PartitionAssignment]) {
        self.version = version
        self.partitions = partitions
    }
}
