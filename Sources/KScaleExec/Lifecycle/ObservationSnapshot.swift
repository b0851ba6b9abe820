import KScaleCore
import KafkaClient

extension ClusterObservation {
    /// The planner's input, from what was just observed: brokers with racks and disk capacity,
    /// partitions with replicas, ISR, leader and the size of their largest copy.
    ///
    /// Built from the observation the checks already read rather than read again, so that the
    /// pre-flight check and the plan judge the same state.
    public func snapshot() -> ClusterSnapshot {
        let sizes = partitionSizes
        var ids = registeredBrokers.union(offlineBrokers)
        for t in topics { for p in t.partitions { ids.formUnion(p.replicas) } }
        // An offline broker's rack is not in the metadata; in a rack-aware cluster it gets a rack
        // of its own so the planner can still drain it (a broker without a rack among brokers
        // with racks is refused as a configuration mistake).
        let racked = cluster.brokers.contains { $0.rack != nil }
        let registered = registeredBrokers
        let brokers = ids.sorted().map { id in
            let cap = diskCapacity(of: id)
            let r = rack(of: id) ?? (racked && !registered.contains(id) ? "unknown-offline" : nil)
            return Broker(id: id, rack: r, diskTotalBytes: cap?.total, diskUsableBytes: cap?.usable)
        }
        let states = topics.sorted { $0.name < $1.name }.map { t in
            TopicState(name: t.name, partitions: t.partitions.sorted { $0.partition < $1.partition }.map { p in
                PartitionState(partition: p.partition, replicas: p.replicas, size: sizes[TopicPartition(t.name, p.partition)],
                               isr: p.isr, leader: p.leader.flatMap { $0 >= 0 ? $0 : nil })
            })
        }
        return ClusterSnapshot(brokers: brokers, topics: states)
    }
}

/// Replicas, leaders and bytes per broker from a snapshot: the before/after table of a scale
/// operation, and a dry run's projection once its plan is applied.
public struct BrokerBalance: Sendable, Hashable, Codable {
    public var broker: BrokerID
    public var rack: String?
    public var replicas: Int
    public var leaders: Int
    public var bytes: Int64

    /// Leaders are counted as the preferred (first) replica: what a preferred election gives.
    public static func of(_ s: ClusterSnapshot) -> [BrokerBalance] {
        var replicas: [BrokerID: Int] = [:]
        var leaders: [BrokerID: Int] = [:]
        var bytes: [BrokerID: Int64] = [:]
        for t in s.topics {
            for p in t.partitions {
                for r in p.replicas {
                    replicas[r, default: 0] += 1
                    bytes[r, default: 0] += p.size ?? 0
                }
                if let first = p.replicas.first { leaders[first, default: 0] += 1 }
            }
        }
        return s.brokers.sorted { $0.id < $1.id }.map {
            BrokerBalance(broker: $0.id, rack: $0.rack, replicas: replicas[$0.id] ?? 0, leaders: leaders[$0.id] ?? 0, bytes: bytes[$0.id] ?? 0)
        }
    }
}

extension ClusterSnapshot {
    /// The snapshot as it will be once `plan` is done: each listed partition gets its target replicas.
    public func applying(_ plan: ReassignmentPlan) -> ClusterSnapshot {
        var targets: [TopicPartition: [BrokerID]] = [:]
        for p in plan.partitions { targets[p.topicPartition] = p.replicas }
        var out = self
        for ti in out.topics.indices {
            for pi in out.topics[ti].partitions.indices {
                let tp = TopicPartition(out.topics[ti].name, out.topics[ti].partitions[pi].partition)
                if let r = targets[tp] {
                    out.topics[ti].partitions[pi].replicas = r
                    out.topics[ti].partitions[pi].isr = r
                    out.topics[ti].partitions[pi].leader = r.first
                }
            }
        }
        return out
    }
}
