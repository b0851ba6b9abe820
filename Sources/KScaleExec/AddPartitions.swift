import KafkaAdmin
import KScaleCore

/// `kscale add-partitions`: reads the cluster, places the new partitions (`AddPartitionsPlan`, pure)
/// and sends CreatePartitions through the gate: with `--execute` the topic grows; in a dry run the
/// broker validates the same request (validate_only) and nothing changes.
public enum AddPartitions {
    public struct Result: Sendable, Hashable {
        public var plan: AddPartitionsPlan
        /// The racks of the brokers placement could use, to show where each replica went.
        public var racks: [BrokerID: String]
    }

    public static func run(topic: String, targetCount: Int, acceptKeyRemap: Bool, admin: DryRunAdmin) async throws -> Result {
        let reading = try await ClusterObservation.read(from: admin, parts: [.brokerConfigs])
        guard reading.topicNames.contains(topic) else { throw InvalidInput("topic \(topic) does not exist") }
        let configs = try await admin.describeConfigs([.topic(topic)])[.topic(topic)] ?? []
        let snapshot = placementInput(reading, topic: topic, configs: configs)
        let plan = try AddPartitionsPlan(snapshot: snapshot, topic: topic, targetCount: targetCount, acceptKeyRemap: acceptKeyRemap)
        try await admin.createPartitions(topic: topic, totalCount: Int32(plan.targetCount), assignments: plan.assignments, validateOnly: false)
        let racks = Dictionary(snapshot.brokers.compactMap { b in b.rack.map { (b.id, $0) } }, uniquingKeysWith: { first, _ in first })
        return Result(plan: plan, racks: racks)
    }

    /// What placement balances against: every topic's replicas, and as brokers only the live,
    /// uncordoned ones. Replicas on brokers that are gone or cordoned still name them; no new
    /// replica may go there.
    static func placementInput(_ reading: ClusterObservation, topic: String, configs: [ConfigEntry]) -> ClusterSnapshot {
        var snapshot = reading.snapshot()
        let cordoned = reading.cordonedBrokers
        snapshot.brokers.removeAll { !reading.aliveBrokers.contains($0.id) || cordoned.contains($0.id) }
        if let index = snapshot.topics.firstIndex(where: { $0.name == topic }) {
            // Effective values, defaults included: a cluster-wide compact policy refuses as an override does.
            snapshot.topics[index].configs = Dictionary(configs.compactMap { e in e.value.map { (e.name, $0) } },
                                                        uniquingKeysWith: { first, _ in first })
        }
        return snapshot
    }
}
