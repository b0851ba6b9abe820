import KafkaClient
import KScaleCore

/// What the executor needs to know about the cluster at one instant, read in one place so every
/// decision in a poll sees the same picture.
public struct ClusterView: Sendable {
    /// Registered, unfenced brokers.
    public var alive: Set<BrokerID>
    /// Alive brokers plus any broker named in a replica list (known but maybe offline).
    public var known: Set<BrokerID>
    public var partitions: [TopicPartition: PartitionDescription]
    public var topics: Set<String>
    public var reassignments: [TopicPartition: OngoingReassignment]
    public var controller: BrokerID?

    /// Reads the cluster. `topics` nil reads every topic.
    public static func read(_ admin: any ClusterAdmin, topics: [String]?) async throws -> ClusterView {
        let cluster = try await admin.describeCluster()
        let described = try await admin.describeTopics(topics)
        let moving = try await admin.listReassignments(nil)
        var parts: [TopicPartition: PartitionDescription] = [:]
        var known = Set<BrokerID>()
        for t in described {
            for p in t.partitions {
                parts[TopicPartition(t.name, p.partition)] = p
                known.formUnion(p.replicas)
            }
        }
        let alive = Set(cluster.brokers.filter { !$0.fenced }.map(\.id))
        known.formUnion(cluster.brokers.map(\.id))
        return ClusterView(alive: alive, known: known, partitions: parts, topics: Set(described.map(\.name)),
                           reassignments: moving, controller: cluster.controllerID)
    }

    /// The replicas a partition had before its reassignment began (KIP-455: replicas minus adding).
    public func originalReplicas(_ tp: TopicPartition) -> [BrokerID]? {
        guard let p = partitions[tp] else { return nil }
        guard let r = reassignments[tp] else { return p.replicas }
        return r.replicas.filter { !r.adding.contains($0) }
    }

    /// The target of a reassignment in flight (KIP-455: replicas minus removing).
    public func inFlightTarget(_ tp: TopicPartition) -> [BrokerID]? {
        reassignments[tp].map { r in r.replicas.filter { !r.removing.contains($0) } }
    }
}

/// Bytes each broker holds of each partition (healthy dirs, no future replicas): how far an
/// adding replica has copied.
func replicaSizesByBroker(_ dirs: [BrokerLogDirs]) -> [BrokerID: [TopicPartition: Int64]] {
    var by: [BrokerID: [TopicPartition: Int64]] = [:]
    for b in dirs {
        for d in b.dirs where d.error == nil {
            for r in d.replicas where !r.isFuture {
                by[b.broker, default: [:]][r.topicPartition, default: 0] += r.size
            }
        }
    }
    return by
}
