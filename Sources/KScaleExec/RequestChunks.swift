import KafkaAdmin
import KScaleCore

/// Requests split so no one of them is refused for its size. Kafka's KRaft controller (3.5 on)
/// refuses a user operation that would write more than 10,000 metadata records
/// (`QuorumController.MAX_RECORDS_PER_USER_OP`) with POLICY_VIOLATION and applies nothing of it;
/// AlterPartitionReassignments and ElectLeaders write a record per partition,
/// IncrementalAlterConfigs one per config. Every such request kscale sends goes through these, in
/// chunks of at most `maxItems`, well under the cap; each chunk's per-item errors are merged.
public enum RequestChunks {
    /// Partitions (or config operations) per request: a tenth of Kafka's cap.
    public static let maxItems = 1_000

    static func chunks<T>(_ items: [T]) -> [ArraySlice<T>] {
        stride(from: 0, to: items.count, by: maxItems).map { items[$0..<min($0 + maxItems, items.count)] }
    }
}

extension ClusterAdmin {
    /// AlterPartitionReassignments in chunks of `RequestChunks.maxItems` partitions, in partition order.
    public func alterReassignmentsInChunks(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        var failed: [TopicPartition: KafkaAPIError] = [:]
        for chunk in RequestChunks.chunks(targets.keys.sorted()) {
            let part = Dictionary(uniqueKeysWithValues: chunk.map { ($0, targets[$0] ?? nil) })
            failed.merge(try await alterReassignments(part)) { first, _ in first }
        }
        return failed
    }

    /// Preferred ElectLeaders in chunks of `RequestChunks.maxItems` partitions, in partition order.
    public func electPreferredLeadersInChunks(_ partitions: [TopicPartition]) async throws -> [TopicPartition: KafkaAPIError] {
        var failed: [TopicPartition: KafkaAPIError] = [:]
        for chunk in RequestChunks.chunks(Array(Set(partitions)).sorted()) {
            failed.merge(try await electPreferredLeaders(Array(chunk))) { first, _ in first }
        }
        return failed
    }

    /// IncrementalAlterConfigs with at most `RequestChunks.maxItems` operations per request; a
    /// resource's operations always go together (Kafka applies them all or none).
    public func incrementalAlterConfigsInChunks(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        var failed: [ConfigResource: KafkaAPIError] = [:]
        var batch: [ConfigResource: [ConfigChange]] = [:]
        var operations = 0
        func send() async throws {
            guard !batch.isEmpty else { return }
            failed.merge(try await incrementalAlterConfigs(batch, validateOnly: validateOnly)) { first, _ in first }
            batch = [:]
            operations = 0
        }
        for resource in changes.keys.sorted(by: { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }) {
            let ops = changes[resource] ?? []
            if operations + ops.count > RequestChunks.maxItems { try await send() }
            batch[resource] = ops
            operations += ops.count
        }
        try await send()
        return failed
    }
}
