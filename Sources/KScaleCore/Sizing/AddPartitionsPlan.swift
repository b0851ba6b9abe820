/// Adding partitions to one topic: the checks that make it safe to do, and where the new replicas go.
///
/// Adding partitions cannot be undone (Kafka never removes a partition) and changes which partition
/// a key hashes to, so records with a key land on a different partition than before the change and
/// per-key ordering breaks across it. Compacted topics are refused outright: their consumers rebuild
/// state per key, and after the change a key's old and new values live in two partitions that
/// compaction never merges.
public struct AddPartitionsPlan: Sendable, Hashable, Codable {
    public static let keyRemapWarning = """
        warning: adding partitions changes which partition each key maps to. Records with a key will go to \
        a different partition than before, so per-key ordering breaks across the change, and consumers that \
        keep per-key state see one key in two partitions. Kafka cannot remove partitions: this cannot be undone.
        """

    public var topic: String
    public var currentCount: Int
    public var targetCount: Int
    public var replicationFactor: Int
    public var rackAware: Bool
    /// Replicas of each new partition, for partitions `currentCount..<targetCount` in order; the
    /// first replica is the preferred leader.
    public var assignments: [[BrokerID]]

    /// `snapshot` must list the brokers new replicas may go to (with racks when known) and every
    /// topic (placement balances against all replicas), with `configs["cleanup.policy"]` for `topic`.
    public init(snapshot: ClusterSnapshot, topic: String, targetCount: Int, acceptKeyRemap: Bool) throws {
        guard let existing = snapshot.topics.first(where: { $0.name == topic }) else {
            throw InvalidInput("topic \(topic) does not exist")
        }
        let current = existing.partitions.count
        guard targetCount > current else {
            if targetCount < current {
                throw InvalidInput("\(topic) has \(current) partitions; refusing to go to \(targetCount): Kafka cannot remove partitions")
            }
            throw InvalidInput("\(topic) already has \(current) partitions; nothing to add")
        }
        guard targetCount <= 1_000_000 else {
            throw InvalidInput("\(targetCount) partitions for \(topic) is far beyond what a cluster can hold")
        }
        if let policy = existing.configs?["cleanup.policy"], policy.lowercased().contains("compact") {
            throw Refusal("\(topic) is compacted (cleanup.policy=\(policy)); refusing to add partitions: each key's "
                + "history would be split across two partitions that compaction never merges")
        }
        guard acceptKeyRemap else {
            throw Refusal("adding partitions to \(topic) sends keyed records to different partitions and breaks "
                + "per-key ordering across the change; pass --accept-key-remap to confirm")
        }
        // The topic's replication factor: what most of its partitions have.
        let counts = Dictionary(grouping: existing.partitions.map(\.replicas.count), by: { $0 }).mapValues(\.count)
        let rf = counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }?.key ?? 1
        let rackAware = !snapshot.brokers.isEmpty && snapshot.brokers.allSatisfy { $0.rack != nil }
        self.topic = topic
        currentCount = current
        self.targetCount = targetCount
        replicationFactor = rf
        self.rackAware = rackAware
        assignments = try ReplicaPlacement.placeNewPartitions(
            in: snapshot, topic: topic, count: targetCount - current, replicationFactor: rf, rackAware: rackAware)
    }

    /// One line per new partition, `orders-12: 3,1,5 (racks c,a,b)`.
    public func assignmentLines(racks: [BrokerID: String]) -> [String] {
        assignments.enumerated().map { i, replicas in
            var line = "\(topic)-\(currentCount + i): \(replicas.map(String.init).joined(separator: ","))"
            if rackAware { line += " (racks \(replicas.map { racks[$0] ?? "?" }.joined(separator: ",")))" }
            return line
        }
    }

    enum CodingKeys: String, CodingKey {
        case topic, assignments
        case currentCount = "current_partitions"
        case targetCount = "target_partitions"
        case replicationFactor = "replication_factor"
        case rackAware = "rack_aware"
    }
}
