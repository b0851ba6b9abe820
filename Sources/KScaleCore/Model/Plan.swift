/// One line of a reassignment: a partition and the ordered replicas it should end with.
public struct PartitionAssignment: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    public var replicas: [BrokerID]
    /// Kafka's `log_dirs`: an absolute path per replica, or "any". nil when the file had none.
    public var logDirs: [String]?
    /// The partition's replicas, in order, when the plan was made (`original_replicas` in the
    /// file): what `execute` checks the cluster against before moving it (`PlanDrift`), and the
    /// line of the plan's rollback. nil in plans that do not record it (Kafka's `--generate`,
    /// kscale before it recorded them, a rollback). Not part of what the line asks for.
    public var originalReplicas: [BrokerID]?

    public init(topic: String, partition: Int32, replicas: [BrokerID], logDirs: [String]? = nil, originalReplicas: [BrokerID]? = nil) {
        self.topic = topic
        self.partition = partition
        self.replicas = replicas
        self.logDirs = logDirs
        self.originalReplicas = originalReplicas
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

extension PartitionAssignment {
    /// Kafka's `log_dirs` entry for "wherever the broker puts it", the default.
    public static let anyLogDir = "any"

    /// The log dirs this line names: nil when it names none, every replica going to "any" (what a
    /// line without `log_dirs` means too).
    public var namedLogDirs: [String]? {
        guard let logDirs, logDirs.contains(where: { $0 != Self.anyLogDir }) else { return nil }
        return logDirs
    }

    /// Whether two lines ask for the same thing: the same partition, the same replicas in the same
    /// order (the first is the preferred leader) and the same log dirs, "any" being the default.
    /// What the line was planned from (`originalReplicas`) is not part of the ask.
    public func asksForTheSame(as other: PartitionAssignment) -> Bool {
        topic == other.topic && partition == other.partition && replicas == other.replicas && namedLogDirs == other.namedLogDirs
    }
}

extension ReassignmentPlan {
    /// Whether two plans ask for the same thing: the same partitions, line by line the same
    /// (`PartitionAssignment.asksForTheSame`). The order the partitions are listed in is not part
    /// of a plan: the run id ignores it (`encoded()` sorts) and the executor paces by `--order`.
    /// Nor are the recorded original replicas: the same targets planned from two snapshots are
    /// one plan (one run id), whose drift `execute` judges against each file's own record.
    public func asksForTheSame(as other: ReassignmentPlan) -> Bool {
        guard version == other.version, partitions.count == other.partitions.count else { return false }
        var theirs: [TopicPartition: PartitionAssignment] = [:]
        for line in other.partitions { theirs[line.topicPartition] = line }
        guard theirs.count == other.partitions.count else { return false }
        var seen = Set<TopicPartition>()
        for line in partitions {
            guard seen.insert(line.topicPartition).inserted, let their = theirs[line.topicPartition], line.asksForTheSame(as: their) else { return false }
        }
        return true
    }
}

extension ClusterSnapshot {
    /// The snapshot as it will be once `plan` is done: each listed partition gets its target
    /// replicas, all in sync, the preferred (first) one leading; partitions the plan does not name
    /// keep theirs.
    public func applying(_ plan: ReassignmentPlan) -> ClusterSnapshot {
        var targets: [TopicPartition: [BrokerID]] = [:]
        for line in plan.partitions { targets[line.topicPartition] = line.replicas }
        guard !targets.isEmpty else { return self }
        var after = self
        for topicIndex in after.topics.indices {
            let name = after.topics[topicIndex].name
            for partitionIndex in after.topics[topicIndex].partitions.indices {
                let number = after.topics[topicIndex].partitions[partitionIndex].partition
                guard let replicas = targets[TopicPartition(name, number)] else { continue }
                after.topics[topicIndex].partitions[partitionIndex].replicas = replicas
                after.topics[topicIndex].partitions[partitionIndex].isr = replicas
                after.topics[topicIndex].partitions[partitionIndex].leader = replicas.first
            }
        }
        return after
    }
}
