/// What `kscale plan split` asks for: how topics are grouped, which strategy packs the groups, the
/// quotas of each target cluster and of each partition, the headroom kept below them, and what one
/// target broker can carry (for the brokers each target needs).
public struct SplitRequest: Sendable, Hashable {
    public enum Strategy: String, Sendable, Hashable, CaseIterable {
        /// The fewest clusters that hold every group within each cluster's limits.
        case byOwner = "by-owner"
        /// One write cluster for the producers and read clusters, fed by MirrorMaker 2, for the consumers.
        case writeRead = "write-read"
    }

    /// Which topics must stay together.
    public enum Grouping: Sendable, Hashable, CustomStringConvertible {
        /// The topic name up to the first `delimiter` (the whole name when it has none).
        case prefix(delimiter: String)
        /// Topics read by one consumer group stay together (the snapshot's `consumer_groups`).
        case consumers
        /// The operator's groups (`--groups FILE`): group name -> topics. Unlisted topics are one group each.
        case explicit([String: [String]])

        public var description: String {
            switch self {
            case .prefix(let delimiter): "prefix:\(delimiter)"
            case .consumers: "consumers"
            case .explicit: "file"
            }
        }
    }

    public var strategy: Strategy
    public var grouping: Grouping
    public var limits: SplitLimits
    /// Exactly this many target clusters (read clusters for write-read) when given; else the fewest.
    public var clusters: Int?
    public var sizing: SplitSizingBasis

    public init(strategy: Strategy = .byOwner, grouping: Grouping = .prefix(delimiter: "."), limits: SplitLimits,
                clusters: Int? = nil, sizing: SplitSizingBasis = SplitSizingBasis()) {
        self.strategy = strategy
        self.grouping = grouping
        self.limits = limits
        self.clusters = clusters
        self.sizing = sizing
    }
}

/// The quotas of a target cluster and of one partition, as a managed offering states them, and the
/// share kept free below them. nil means no limit on that resource.
public struct SplitLimits: Sendable, Hashable, Codable {
    /// Bytes per second producers may write into one cluster.
    public var clusterWrite: Int64?
    /// Bytes per second consumers may read from one cluster.
    public var clusterRead: Int64?
    public var clusterPartitions: Int?
    public var partitionWrite: Int64?
    public var partitionRead: Int64?
    /// Fraction (0..<1) of each cluster limit kept free: a cluster may use `limit x (1 - headroom)`.
    public var headroom: Double

    public init(clusterWrite: Int64? = nil, clusterRead: Int64? = nil, clusterPartitions: Int? = nil,
                partitionWrite: Int64? = nil, partitionRead: Int64? = nil, headroom: Double = 0) {
        self.clusterWrite = clusterWrite
        self.clusterRead = clusterRead
        self.clusterPartitions = clusterPartitions
        self.partitionWrite = partitionWrite
        self.partitionRead = partitionRead
        self.headroom = headroom
    }

    /// What one cluster may use of each limit: the limit less the headroom, rounded down.
    public func usable() throws -> SplitLoad.Limit {
        guard headroom >= 0, headroom < 1 else { throw InvalidInput("--headroom must be at least 0% and below 100%") }
        for (name, value) in [("--max-cluster-write", clusterWrite), ("--max-cluster-read", clusterRead),
                              ("--max-partition-write", partitionWrite), ("--max-partition-read", partitionRead)] {
            if let value, value <= 0 { throw InvalidInput("\(name) must be more than 0 bytes/s") }
        }
        if let clusterPartitions, clusterPartitions < 1 { throw InvalidInput("--max-cluster-partitions must be at least 1") }
        func less(_ limit: Int64) -> Int64 { Int64((Double(limit) * (1 - headroom)).rounded(.down)) }
        let usable = SplitLoad.Limit(write: clusterWrite.map(less), read: clusterRead.map(less),
                                     partitions: clusterPartitions.map { Int(less(Int64($0))) })
        for (name, value) in [("write", usable.write), ("read", usable.read), ("partitions", usable.partitions.map(Int64.init))] {
            if let value, value < 1 { throw InvalidInput("the cluster \(name) limit less \(Percentage.formatted(headroom * 100))% headroom leaves nothing to use") }
        }
        return usable
    }

    enum CodingKeys: String, CodingKey {
        case clusterWrite = "cluster_write_bytes_per_sec"
        case clusterRead = "cluster_read_bytes_per_sec"
        case clusterPartitions = "cluster_partitions"
        case partitionWrite = "partition_write_bytes_per_sec"
        case partitionRead = "partition_read_bytes_per_sec"
        case headroom
    }
}

/// What one broker of a target cluster can carry, for `kscale size brokers`' arithmetic per target.
/// nil network or disk leaves the brokers unsized (the plan says which input is missing).
public struct SplitSizingBasis: Sendable, Hashable {
    public var brokerNetwork: Int64?
    public var brokerDisk: Int64?
    public var targetUtilization: Double

    public init(brokerNetwork: Int64? = nil, brokerDisk: Int64? = nil, targetUtilization: Double = 0.7) {
        self.brokerNetwork = brokerNetwork
        self.brokerDisk = brokerDisk
        self.targetUtilization = targetUtilization
    }

    /// The snapshot's brokers' smallest network capacity (in and out) and disk, when every broker records them.
    public static func from(_ snapshot: ClusterSnapshot, targetUtilization: Double = 0.7) -> SplitSizingBasis {
        let network = snapshot.brokers.map { b in b.networkInCapacity.flatMap { i in b.networkOutCapacity.map { min(i, $0) } } }
        let disk = snapshot.brokers.map { $0.diskTotalBytes }
        func smallest(_ values: [Int64?]) -> Int64? {
            values.isEmpty || values.contains(nil) ? nil : values.compactMap { $0 }.min()
        }
        return SplitSizingBasis(brokerNetwork: smallest(network), brokerDisk: smallest(disk), targetUtilization: targetUtilization)
    }
}
