/// Where traffic flows: the load model of docs/planner.md ("Load"), computed here and nowhere else.
///
/// - A broker's **network in** is the produce rate of every replica it holds: a leader takes the
///   producers' bytes, a follower fetches the same bytes from the leader.
/// - Its **network out** is, for every partition it leads, the produce rate times its followers
///   (replication fetches) plus the consumers' rate (`bytes_out_per_sec`).
/// - Its **disk** is the bytes of the replicas it holds; its **disk share** those bytes over
///   `disk_total_bytes`, when the snapshot has it.
///
/// A partition without rates counts as no traffic; a snapshot without any rates has no load (the
/// planner then balances bytes and counts as before).
public struct BrokerUsage: Sendable, Hashable, Codable {
    public var broker: BrokerID
    /// Bytes per second.
    public var networkIn: Int64
    public var networkOut: Int64
    /// Bytes of the replicas held.
    public var diskBytes: Int64
    /// Capacities from the snapshot (or a capacity file); nil when unknown.
    public var networkInCapacity: Int64?
    public var networkOutCapacity: Int64?
    public var diskCapacity: Int64?

    public init(broker: BrokerID, networkIn: Int64 = 0, networkOut: Int64 = 0, diskBytes: Int64 = 0,
                networkInCapacity: Int64? = nil, networkOutCapacity: Int64? = nil, diskCapacity: Int64? = nil) {
        self.broker = broker
        self.networkIn = networkIn
        self.networkOut = networkOut
        self.diskBytes = diskBytes
        self.networkInCapacity = networkInCapacity
        self.networkOutCapacity = networkOutCapacity
        self.diskCapacity = diskCapacity
    }

    /// A replica held: the partition's produce rate comes in (from producers on the leader, by
    /// replication on a follower) and its bytes sit on disk. Every walk over replicas (snapshot
    /// or planner layout) adds load through here and `lead`, so the model lives in one place.
    public mutating func hold(produced: Int64, size: Int64) {
        networkIn += produced
        diskBytes += size
    }

    /// A leadership: the followers fetch the produce rate, the consumers read theirs.
    public mutating func lead(produced: Int64, consumed: Int64, followers: Int) {
        networkOut += Self.leaderNetworkOut(produced: produced, consumed: consumed, followers: followers)
    }

    /// What leading a partition sends: its produce rate to each follower, plus what consumers read.
    public static func leaderNetworkOut(produced: Int64, consumed: Int64, followers: Int) -> Int64 {
        produced * Int64(max(followers, 0)) + consumed
    }

    /// Network in as a fraction of capacity (0.7 is 70%); nil without a capacity.
    public var networkInShare: Double? { Self.share(networkIn, of: networkInCapacity) }
    public var networkOutShare: Double? { Self.share(networkOut, of: networkOutCapacity) }
    public var diskShare: Double? { Self.share(diskBytes, of: diskCapacity) }

    private static func share(_ used: Int64, of capacity: Int64?) -> Double? {
        guard let capacity, capacity > 0 else { return nil }
        return Double(used) / Double(capacity)
    }

    enum CodingKeys: String, CodingKey {
        case broker
        case networkIn = "network_in"
        case networkOut = "network_out"
        case diskBytes = "disk_bytes"
        case networkInCapacity = "network_in_capacity"
        case networkOutCapacity = "network_out_capacity"
        case diskCapacity = "disk_capacity"
    }

    /// The shares of capacity, written beside the figures for a reader of `--output json` (disk
    /// utilisation, network in and out as fractions: 0.7 is 70%) and ignored when read back: they
    /// follow from the figures.
    enum ShareKeys: String, CodingKey {
        case networkInShare = "network_in_share"
        case networkOutShare = "network_out_share"
        case diskShare = "disk_share"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(broker, forKey: .broker)
        try container.encode(networkIn, forKey: .networkIn)
        try container.encode(networkOut, forKey: .networkOut)
        try container.encode(diskBytes, forKey: .diskBytes)
        try container.encodeIfPresent(networkInCapacity, forKey: .networkInCapacity)
        try container.encodeIfPresent(networkOutCapacity, forKey: .networkOutCapacity)
        try container.encodeIfPresent(diskCapacity, forKey: .diskCapacity)
        var shares = encoder.container(keyedBy: ShareKeys.self)
        try shares.encodeIfPresent(networkInShare, forKey: .networkInShare)
        try shares.encodeIfPresent(networkOutShare, forKey: .networkOutShare)
        try shares.encodeIfPresent(diskShare, forKey: .diskShare)
    }
}

/// Which replica leads a partition when load is computed.
public enum LeaderChoice: Sendable, Hashable {
    /// The current leader where the snapshot records one (a live cluster), else the preferred one.
    case current
    /// The preferred leader (the first replica): the state after a plan and its preferred election.
    case preferred
}

extension ClusterSnapshot {
    /// True when any partition carries a produce or consume rate.
    public var hasTraffic: Bool {
        topics.contains { $0.partitions.contains { $0.bytesInPerSec != nil || $0.bytesOutPerSec != nil } }
    }

    /// True when any broker carries a network capacity.
    public var hasNetworkCapacities: Bool {
        brokers.contains { $0.networkInCapacity != nil || $0.networkOutCapacity != nil }
    }

    /// The load on every broker of the snapshot, and on any broker a replica names that the broker
    /// list lacks (a scale-out's new brokers in `applying(plan)`), in broker order (see `BrokerUsage`).
    public func brokerUsage(leaders: LeaderChoice) -> [BrokerUsage] {
        var loads: [BrokerID: BrokerUsage] = [:]
        for broker in brokers {
            loads[broker.id] = BrokerUsage(broker: broker.id, networkInCapacity: broker.networkInCapacity,
                                          networkOutCapacity: broker.networkOutCapacity, diskCapacity: broker.diskTotalBytes)
        }
        for topic in topics {
            for partition in topic.partitions {
                let produced = partition.bytesInPerSec ?? 0
                let consumed = partition.bytesOutPerSec ?? 0
                let size = partition.size ?? 0
                for replica in partition.replicas {
                    loads[replica, default: BrokerUsage(broker: replica)].hold(produced: produced, size: size)
                }
                guard let leader = Self.leader(of: partition, choice: leaders) else { continue }
                loads[leader, default: BrokerUsage(broker: leader)]
                    .lead(produced: produced, consumed: consumed, followers: partition.replicas.count - 1)
            }
        }
        return loads.keys.sorted().compactMap { loads[$0] }
    }

    private static func leader(of partition: PartitionState, choice: LeaderChoice) -> BrokerID? {
        switch choice {
        case .current:
            if let leader = partition.leader, leader >= 0, partition.replicas.contains(leader) { return leader }
            return partition.replicas.first
        case .preferred:
            return partition.replicas.first
        }
    }
}

/// Per broker load before and after a plan, for summaries (`--summary json`, the plan's text) and
/// for the rules that judge a plan against limits.
public struct UsageChange: Sendable, Hashable, Codable {
    public var before: [BrokerUsage]
    public var after: [BrokerUsage]

    public init(before: [BrokerUsage], after: [BrokerUsage]) {
        self.before = before
        self.after = after
    }

    /// The load of `snapshot` as it runs now, and after `plan` with its preferred leaders elected.
    public init(snapshot: ClusterSnapshot, plan: ReassignmentPlan) {
        before = snapshot.brokerUsage(leaders: .current)
        after = snapshot.applying(plan).brokerUsage(leaders: .preferred)
    }
}

/// max/min of a set of loads over the brokers that carry any, the balance figure the benchmarks
/// report; nil when fewer than two values or the smallest is 0.
public enum LoadSpread {
    public static func ratio(_ values: [Int64]) -> Double? {
        guard values.count > 1, let low = values.min(), let high = values.max(), low > 0 else { return nil }
        return Double(high) / Double(low)
    }
}
