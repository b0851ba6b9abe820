import KafkaAdmin
import KScaleCore

/// What a preferred election did, or would do in a dry run.
public struct ElectionResult: Sendable, Hashable, Codable {
    public var executed: Bool
    /// Leaders that change (or would).
    public var changes: [LeadershipDrain.ElectionChange]
    /// Partitions whose preferred replica is out of the ISR: an election cannot move them.
    public var notElectable: [String]
    /// Partitions the election named that the cluster does not have.
    public var unknown: [String]
    /// Per-partition errors the brokers returned.
    public var failed: [String: String]

    enum CodingKeys: String, CodingKey {
        case executed, changes, unknown, failed
        case notElectable = "not_electable"
    }
}

/// `kscale elect-leaders`: a preferred election for exactly the partitions whose leader would
/// change, so the request (and the leader changes clients see) is no larger than needed.
public enum LeaderElection {
    /// Elects through the gate: with `--execute` the leaders change; in a dry run the gate answers
    /// from the cluster's metadata what Kafka would, and nothing changes.
    public static func run(in o: ClusterObservation, among: Set<TopicPartition>?, admin: DryRunAdmin) async throws -> ElectionResult {
        let changes = LeadershipDrain.electionChanges(in: o, among: among)
        var stuck: [String] = []
        var present = Set<TopicPartition>()
        for (tp, p) in o.partitions {
            present.insert(tp)
            guard among?.contains(tp) ?? true, let first = p.replicas.first, p.leader != first, !p.isr.contains(first) else { continue }
            stuck.append(tp.description)
        }
        let unknown = (among ?? []).subtracting(present).sorted().map(\.description)
        var result = ElectionResult(executed: !admin.isDryRun, changes: changes, notElectable: stuck, unknown: unknown, failed: [:])
        guard !changes.isEmpty else { return result }
        let errors = try await admin.electPreferredLeadersInChunks(changes.map(\.topicPartition))
        for (tp, e) in errors where e.code != 0 && e.name != "ELECTION_NOT_NEEDED" {
            result.failed[tp.description] = e.description
        }
        return result
    }
}
