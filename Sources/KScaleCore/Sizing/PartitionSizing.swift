/// How many partitions a topic needs: enough for its throughput, and at least one per consumer in
/// the largest consumer group, because a partition is read by one member of a group at a time and a
/// consumer without a partition sits idle.
///
/// `partitions = max(ceil(target / perPartition), maxConsumers)`.
public struct PartitionSizing: Sendable, Hashable, Codable {
    /// Which side of the `max` set the answer. Operators need to know, because the fix differs:
    /// more throughput per partition helps one, fewer consumers the other.
    public enum Decider: String, Sendable, Hashable, Codable {
        case throughput
        case consumers
        /// Both terms give the same count.
        case both
    }

    public var targetThroughput: Int64
    public var perPartitionThroughput: Int64
    public var maxConsumers: Int?
    /// `ceil(target / perPartition)`.
    public var throughputPartitions: Int64
    public var partitions: Int64
    public var decidedBy: Decider

    /// Validates the inputs (rates in bytes per second) and applies the formula.
    public init(targetThroughput: Int64, perPartitionThroughput: Int64, maxConsumers: Int? = nil) throws {
        guard targetThroughput > 0 else {
            throw InvalidInput("--target-throughput must be more than 0 bytes/s, got \(targetThroughput)")
        }
        guard perPartitionThroughput > 0 else {
            throw InvalidInput("--per-partition-throughput must be more than 0 bytes/s, got \(perPartitionThroughput)")
        }
        if let maxConsumers, maxConsumers < 1 {
            throw InvalidInput("--consumers must be at least 1, got \(maxConsumers)")
        }
        self.targetThroughput = targetThroughput
        self.perPartitionThroughput = perPartitionThroughput
        self.maxConsumers = maxConsumers
        let whole = targetThroughput / perPartitionThroughput
        throughputPartitions = targetThroughput % perPartitionThroughput == 0 ? whole : whole + 1
        let consumers = Int64(maxConsumers ?? 0)
        partitions = max(throughputPartitions, consumers)
        decidedBy = throughputPartitions == consumers ? .both : (throughputPartitions > consumers ? .throughput : .consumers)
    }

    /// The arithmetic, one line per term, as the report prints it.
    public var explanation: [String] {
        var lines = [
            "throughput term: ceil(\(ByteUnits.formatRate(targetThroughput)) / \(ByteUnits.formatRate(perPartitionThroughput))) = \(throughputPartitions)",
        ]
        if let maxConsumers {
            lines.append("consumer term:   \(maxConsumers) consumers in the largest group need \(maxConsumers) partitions to all be busy")
            lines.append("partitions:      max(\(throughputPartitions), \(maxConsumers)) = \(partitions), decided by \(decidedBy == .both ? "both terms" : decidedBy.rawValue)")
        } else {
            lines.append("partitions:      \(partitions) (no --consumers given, so throughput decides)")
        }
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case targetThroughput = "target_throughput_bytes_per_sec"
        case perPartitionThroughput = "per_partition_throughput_bytes_per_sec"
        case maxConsumers = "consumers"
        case throughputPartitions = "throughput_partitions"
        case partitions
        case decidedBy = "decided_by"
    }
}
