/// The load a group of topics puts on a cluster: bytes per second written (producers, or
/// MirrorMaker 2 on a mirrored cluster), bytes per second read (consumers, or MirrorMaker 2
/// reading for another cluster) and partitions.
public struct SplitLoad: Sendable, Hashable, Codable {
    public var write: Int64
    public var read: Int64
    public var partitions: Int

    public init(write: Int64 = 0, read: Int64 = 0, partitions: Int = 0) {
        self.write = write
        self.read = read
        self.partitions = partitions
    }

    public static let zero = SplitLoad()

    public static func + (lhs: SplitLoad, rhs: SplitLoad) -> SplitLoad {
        SplitLoad(write: lhs.write + rhs.write, read: lhs.read + rhs.read, partitions: lhs.partitions + rhs.partitions)
    }

    public static func += (lhs: inout SplitLoad, rhs: SplitLoad) { lhs = lhs + rhs }

    /// What one cluster may use: each cluster limit less the headroom; nil is unlimited.
    public struct Limit: Sendable, Hashable, Codable {
        public var write: Int64?
        public var read: Int64?
        public var partitions: Int?

        public init(write: Int64? = nil, read: Int64? = nil, partitions: Int? = nil) {
            self.write = write
            self.read = read
            self.partitions = partitions
        }

        /// Whether `load` fits under every limit.
        public func admits(_ load: SplitLoad) -> Bool {
            (write.map { load.write <= $0 } ?? true) && (read.map { load.read <= $0 } ?? true)
                && (partitions.map { load.partitions <= $0 } ?? true)
        }

        /// The resources `load` passes, as "write 250 MB/s above 160 MB/s", for refusals.
        public func excess(_ load: SplitLoad) -> [String] {
            var over: [String] = []
            if let write, load.write > write { over.append("write \(ByteUnits.formatRate(load.write)) above \(ByteUnits.formatRate(write))") }
            if let read, load.read > read { over.append("read \(ByteUnits.formatRate(load.read)) above \(ByteUnits.formatRate(read))") }
            if let partitions, load.partitions > partitions { over.append("\(load.partitions) partitions above \(partitions)") }
            return over
        }

        /// `load` as shares of each limit (0 where unlimited), for choosing between clusters.
        func shares(_ load: SplitLoad) -> (write: Double, read: Double, partitions: Double) {
            (write.map { Double(load.write) / Double($0) } ?? 0, read.map { Double(load.read) / Double($0) } ?? 0,
             partitions.map { Double(load.partitions) / Double($0) } ?? 0)
        }

        enum CodingKeys: String, CodingKey {
            case write = "write_bytes_per_sec"
            case read = "read_bytes_per_sec"
            case partitions
        }
    }

    /// `write 12.0 MB/s, read 30.0 MB/s, 40 partitions`, for messages.
    public var text: String {
        "write \(ByteUnits.formatRate(write)), read \(ByteUnits.formatRate(read)), \(partitions) partitions"
    }

    enum CodingKeys: String, CodingKey {
        case write = "write_bytes_per_sec"
        case read = "read_bytes_per_sec"
        case partitions
    }
}

/// The fewest clusters any split can use: `max(ceil(total write / usable write), ceil(total read /
/// usable read), ceil(partitions / usable partitions))`, each limit less the headroom. The one place
/// the bound is computed; the plan reports it beside the clusters it uses.
public struct SplitBound: Sendable, Hashable, Codable {
    /// Each resource's term; nil where that resource has no limit.
    public var write: Int?
    public var read: Int?
    public var partitions: Int?
    /// The largest term (at least 1 when there is any load).
    public var clusters: Int

    public init(total: SplitLoad, usable: SplitLoad.Limit) {
        func term(_ demand: Int64, _ capacity: Int64?) -> Int? {
            capacity.map { Int((demand + $0 - 1) / $0) }
        }
        write = term(total.write, usable.write)
        read = term(total.read, usable.read)
        partitions = term(Int64(total.partitions), usable.partitions.map(Int64.init))
        let any = total.write > 0 || total.read > 0 || total.partitions > 0
        clusters = max(any ? 1 : 0, write ?? 0, read ?? 0, partitions ?? 0)
    }

    enum CodingKeys: String, CodingKey {
        case write, read, partitions, clusters
    }
}
