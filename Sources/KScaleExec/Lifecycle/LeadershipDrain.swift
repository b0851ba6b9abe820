import KScaleCore
import KafkaAdmin

/// Moving leadership off brokers before draining them, so that clients see one orderly leader
/// change per partition now instead of a failover when the broker stops.
public enum LeadershipDrain {
    /// Replica reorders that put a remaining, in-sync broker first in every partition a removed
    /// broker leads or is preferred leader of. The replica set is unchanged, so Kafka applies it
    /// as metadata only and no data moves; a preferred election then moves the leaders.
    ///
    /// The new preferred leader is the in-sync remaining replica that is preferred leader of the
    /// fewest partitions so far, so the leadership leaving the brokers spreads evenly. A partition
    /// with no in-sync remaining replica is left alone (the drain moves it).
    public static func reorders(removing: Set<BrokerID>, in o: ClusterObservation) -> ReassignmentPlan {
        var preferredCount: [BrokerID: Int] = [:]
        let partitions = o.partitions
        for (_, p) in partitions { if let first = p.replicas.first { preferredCount[first, default: 0] += 1 } }
        var out: [PartitionAssignment] = []
        for (tp, p) in partitions where o.reassignments[tp] == nil {
            guard let first = p.replicas.first else { continue }
            let leaderLeaving = p.leader.map(removing.contains) ?? false
            guard removing.contains(first) || leaderLeaving else { continue }
            let candidates = p.replicas.filter { !removing.contains($0) && p.isr.contains($0) }
            guard let pick = candidates.min(by: { (preferredCount[$0] ?? 0, $0) < (preferredCount[$1] ?? 0, $1) }) else { continue }
            let rest = p.replicas.filter { $0 != pick }
            let order = [pick] + rest.filter { !removing.contains($0) } + rest.filter { removing.contains($0) }
            guard order != p.replicas else { continue }
            preferredCount[first, default: 0] -= 1
            preferredCount[pick, default: 0] += 1
            out.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: order))
        }
        return ReassignmentPlan(partitions: out)
    }

    /// Partitions whose current leader is not their preferred (first) replica while that replica
    /// is in sync: exactly what a preferred election would change.
    public static func notOnPreferredLeader(in o: ClusterObservation) -> [TopicPartition] {
        electionChanges(in: o).map(\.topicPartition)
    }

    /// One leader a preferred election would move.
    public struct ElectionChange: Sendable, Hashable, Codable {
        public var topic: String
        public var partition: Int32
        public var from: BrokerID?
        public var to: BrokerID
        public var topicPartition: TopicPartition { TopicPartition(topic, partition) }
    }

    /// The leader changes a preferred election would make, restricted to `among` when given.
    /// A preferred replica out of the ISR cannot be elected and is left out.
    public static func electionChanges(in o: ClusterObservation, among: Set<TopicPartition>? = nil) -> [ElectionChange] {
        o.partitions.compactMap { tp, p in
            guard among?.contains(tp) ?? true, let first = p.replicas.first, p.leader != first, p.isr.contains(first) else { return nil }
            return ElectionChange(topic: tp.topic, partition: tp.partition, from: p.leader.flatMap { $0 >= 0 ? $0 : nil }, to: first)
        }
    }
}
