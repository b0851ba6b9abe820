import KScaleCore

/// Which partitions each broker holds a replica of (adding and removing replicas of a
/// reassignment in flight included, as in the partition's replica list), so DescribeLogDirs and
/// a broker's stop or start read that broker's partitions in time proportional to them instead of
/// scanning every partition of the cluster.
///
/// `ClusterModel` keeps it with every change of a replica list: the snapshot it starts from,
/// created topics and partitions, deleted topics, and every in-place change of a partition
/// (`withPartition`, through which reassignments start, complete and are cancelled).
/// `ClusterModel.replicaIndexMatchesScan` checks it against a full scan (tests).
struct BrokerReplicaIndex: Sendable {
    private var partitionsOn: [BrokerID: Set<TopicPartition>] = [:]
    /// `partitions(on:)`'s sorted lists, kept until the broker's partitions change: a reading
    /// asks for every broker's list each DescribeLogDirs, and replica lists change far less often.
    private var sortedOn: [BrokerID: [TopicPartition]] = [:]

    mutating func add(_ partition: TopicPartition, on replicas: [BrokerID]) {
        for broker in replicas {
            partitionsOn[broker, default: []].insert(partition)
            sortedOn[broker] = nil
        }
    }

    mutating func remove(_ partition: TopicPartition, from replicas: [BrokerID]) {
        for broker in replicas {
            partitionsOn[broker]?.remove(partition)
            sortedOn[broker] = nil
        }
    }

    /// A partition's replica list changed from `old` to `new`.
    mutating func update(_ partition: TopicPartition, from old: [BrokerID], to new: [BrokerID]) {
        remove(partition, from: old.filter { !new.contains($0) })
        add(partition, on: new.filter { !old.contains($0) })
    }

    /// The partitions with a replica on `broker`, in topic and partition order.
    mutating func partitions(on broker: BrokerID) -> [TopicPartition] {
        if let sorted = sortedOn[broker] { return sorted }
        let sorted = (partitionsOn[broker] ?? []).sorted()
        sortedOn[broker] = sorted
        return sorted
    }

    /// Every broker's partitions, unordered (for the consistency check).
    var all: [BrokerID: Set<TopicPartition>] { partitionsOn.filter { !$0.value.isEmpty } }
}
