/// One topic as a split sees it: its traffic from the snapshot, its partitions after any increase
/// the per-partition limits force, and what it stores.
public struct SplitTopic: Sendable, Hashable {
    public var name: String
    public var write: Int64
    public var read: Int64
    /// Partitions in the target: the snapshot's count, or the sizing formula's when that is more.
    public var partitions: Int
    /// Bytes of one copy of the topic (the replicas' `size`), for the storage a target needs.
    public var storedBytes: Int64
    public var replicationFactor: Int

    public var load: SplitLoad { SplitLoad(write: write, read: read, partitions: partitions) }
}

/// A topic whose partitions pass a per-partition limit, and the count the sizing formula gives it
/// (`max(ceil(rate / per-partition limit), consumers)`, `PartitionSizing`). More partitions remap
/// keys: records with a key go to a different partition once the count changes.
public struct PartitionIncrease: Sendable, Hashable, Codable {
    public var topic: String
    public var partitionsBefore: Int
    public var partitionsAfter: Int
    /// Which rate set the count: "write", "read", or "consumers" when the current count already suffices.
    public var decidedBy: String
    /// The busiest partition's rates, which passed the limit.
    public var busiestWrite: Int64
    public var busiestRead: Int64
    /// True when the count grows; false for a topic whose rates fit its partitions but for one hot partition.
    public var remapsKeys: Bool
    /// Set when the count does not grow: the topic fits, one partition is hot, and more partitions do not help.
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case topic, note
        case partitionsBefore = "partitions_before"
        case partitionsAfter = "partitions_after"
        case decidedBy = "decided_by"
        case busiestWrite = "busiest_partition_write_bytes_per_sec"
        case busiestRead = "busiest_partition_read_bytes_per_sec"
        case remapsKeys = "remaps_keys"
    }
}

/// The snapshot's topics for a split: internal topics (`__` names) stay behind; every other topic
/// gets its load and, where a partition passes a per-partition limit, the sizing formula's count.
public struct SplitTopics: Sendable {
    public var topics: [SplitTopic]
    public var stayBehind: [String]
    public var increases: [PartitionIncrease]

    /// Kafka's and tools' own topics (`__consumer_offsets`, `__transaction_state`, `__kscale_runs`):
    /// they belong to the cluster they are on and never move.
    public static func isInternal(_ topic: String) -> Bool { topic.hasPrefix("__") }

    public init(_ snapshot: ClusterSnapshot, limits: SplitLimits) throws {
        var topics: [SplitTopic] = []
        var stayBehind: [String] = []
        var increases: [PartitionIncrease] = []
        var sawTraffic = false
        for topic in snapshot.topics.sorted(by: { $0.name < $1.name }) {
            if Self.isInternal(topic.name) {
                stayBehind.append(topic.name)
                continue
            }
            var write: Int64 = 0, read: Int64 = 0, busiestWrite: Int64 = 0, busiestRead: Int64 = 0, stored: Int64 = 0
            var replicationFactor = 0
            for p in topic.partitions {
                if p.bytesInPerSec != nil || p.bytesOutPerSec != nil { sawTraffic = true }
                let pin = p.bytesInPerSec ?? 0, pout = p.bytesOutPerSec ?? 0
                write += pin
                read += pout
                busiestWrite = max(busiestWrite, pin)
                busiestRead = max(busiestRead, pout)
                stored += p.size ?? 0
                replicationFactor = max(replicationFactor, p.replicas.count)
            }
            var split = SplitTopic(name: topic.name, write: write, read: read, partitions: topic.partitions.count,
                                   storedBytes: stored, replicationFactor: replicationFactor)
            let overWrite = limits.partitionWrite.map { busiestWrite > $0 } ?? false
            let overRead = limits.partitionRead.map { busiestRead > $0 } ?? false
            if overWrite || overRead {
                let increase = try Self.increase(split, busiestWrite: busiestWrite, busiestRead: busiestRead, limits: limits)
                split.partitions = increase.partitionsAfter
                increases.append(increase)
            }
            topics.append(split)
        }
        guard sawTraffic || topics.isEmpty else {
            throw InvalidInput("the snapshot records no traffic (bytes_in_per_sec, bytes_out_per_sec): take a sampled snapshot with kscale snapshot --sample")
        }
        self.topics = topics
        self.stayBehind = stayBehind
        self.increases = increases
    }

    /// The sizing formula for each limited rate, with the current count standing in for the
    /// consumers term (the snapshot does not record group members; a group keeps at most that many
    /// busy today, and Kafka never lowers a count).
    static func increase(_ topic: SplitTopic, busiestWrite: Int64, busiestRead: Int64, limits: SplitLimits) throws -> PartitionIncrease {
        var count = topic.partitions
        var decidedBy = "consumers"
        for (rate, limit, name) in [(topic.write, limits.partitionWrite, "write"), (topic.read, limits.partitionRead, "read")] {
            guard let limit, rate > 0 else { continue }
            let sizing = try PartitionSizing(targetThroughput: rate, perPartitionThroughput: limit, maxConsumers: topic.partitions)
            if Int(sizing.partitions) > count {
                count = Int(sizing.partitions)
                decidedBy = name
            }
        }
        return PartitionIncrease(
            topic: topic.name, partitionsBefore: topic.partitions, partitionsAfter: count, decidedBy: decidedBy,
            busiestWrite: busiestWrite, busiestRead: busiestRead, remapsKeys: count > topic.partitions,
            note: count == topic.partitions
                ? "the topic's rates fit its \(count) partitions, but one partition carries more than its share (skewed keys or producers): more partitions do not fix a hot key"
                : nil)
    }
}
