/// What a partition-count change does to replicas per broker, against the common guideline of
/// about 4,000 partition replicas per broker: past it, controller failover, leader elections and
/// broker restarts slow down and every replica costs open files and memory.
public struct ReplicaDensity: Sendable, Hashable, Codable {
    public static let guidelinePerBroker = 4_000

    public var topic: String?
    public var brokers: Int
    public var replicationFactor: Int
    /// The topic's partition count now (0 for a new topic) and after the change.
    public var partitionsBefore: Int
    public var partitionsAfter: Int
    public var replicasBefore: Int
    public var replicasAdded: Int
    public var maxPerBrokerBefore: Int
    /// After spreading the added replicas onto the least-loaded brokers first, as kscale places them.
    public var maxPerBrokerAfter: Int
    public var averagePerBrokerAfter: Double
    public var guidelinePerBroker: Int
    public var overGuideline: Bool

    /// `topic` nil (or absent from the snapshot) means a new topic with `partitions` partitions and
    /// `replicationFactor` replicas each; an existing topic keeps its own replication factor unless
    /// one is given. A count at or below the current one adds nothing.
    public init(snapshot: ClusterSnapshot, topic: String?, partitions: Int, replicationFactor: Int?) throws {
        guard !snapshot.brokers.isEmpty else { throw InvalidInput("the snapshot lists no brokers") }
        guard partitions > 0 else { throw InvalidInput("the partition count must be at least 1, got \(partitions)") }
        let existing = topic.flatMap { name in snapshot.topics.first { $0.name == name } }
        let rf = replicationFactor ?? existing?.partitions.first?.replicas.count ?? 3
        guard rf >= 1 else { throw InvalidInput("--replication-factor must be at least 1, got \(rf)") }
        guard rf <= snapshot.brokers.count else {
            throw InvalidInput("replication factor \(rf) needs at least \(rf) brokers; the snapshot has \(snapshot.brokers.count)")
        }
        var counts: [BrokerID: Int] = Dictionary(uniqueKeysWithValues: snapshot.brokers.map { ($0.id, 0) })
        for (_, p) in snapshot.allPartitions {
            for r in p.replicas { counts[r, default: 0] += 1 }
        }
        self.topic = topic
        brokers = counts.count
        self.replicationFactor = rf
        partitionsBefore = existing?.partitions.count ?? 0
        partitionsAfter = max(partitions, partitionsBefore)
        replicasBefore = snapshot.replicaCount
        replicasAdded = (partitionsAfter - partitionsBefore) * rf
        maxPerBrokerBefore = counts.values.max() ?? 0
        maxPerBrokerAfter = Self.waterFill(Array(counts.values), adding: replicasAdded).max() ?? 0
        averagePerBrokerAfter = Double(replicasBefore + replicasAdded) / Double(brokers)
        guidelinePerBroker = Self.guidelinePerBroker
        overGuideline = maxPerBrokerAfter > guidelinePerBroker
    }

    /// Adds `k` units one at a time to the smallest count, computed level by level so a hundred
    /// thousand new replicas on a thousand brokers stays instant.
    static func waterFill(_ counts: [Int], adding k: Int) -> [Int] {
        var c = counts.sorted()
        guard !c.isEmpty, k > 0 else { return c }
        var left = k
        var i = 0 // c[0...i] share the lowest level
        while left > 0 {
            while i + 1 < c.count, c[i + 1] == c[0] { i += 1 }
            let width = i + 1
            let nextLevel = i + 1 < c.count ? c[i + 1] : Int.max
            let canRaise = nextLevel == Int.max ? left / width : min(left / width, nextLevel - c[0])
            if canRaise > 0 {
                for j in 0...i { c[j] += canRaise }
                left -= canRaise * width
            } else {
                for j in 0..<left { c[j] += 1 }
                left = 0
            }
        }
        return c
    }

    public var explanation: [String] {
        let avg = (averagePerBrokerAfter * 10).rounded() / 10
        var lines = [
            "replicas: \(replicasBefore) on \(brokers) brokers now, at most \(maxPerBrokerBefore) on one broker",
            "change:   \(topic ?? "new topic") \(partitionsBefore) -> \(partitionsAfter) partitions x RF \(replicationFactor) = \(replicasAdded) more replicas",
            "after:    \(avg) per broker on average, at most \(maxPerBrokerAfter) on one broker (guideline: about \(guidelinePerBroker) per broker)",
        ]
        if overGuideline {
            lines.append("warning:  above the ~\(guidelinePerBroker)-replicas-per-broker guideline; add brokers or use fewer partitions")
        }
        return lines
    }

    enum CodingKeys: String, CodingKey {
        case topic, brokers
        case replicationFactor = "replication_factor"
        case partitionsBefore = "partitions_before"
        case partitionsAfter = "partitions_after"
        case replicasBefore = "replicas_before"
        case replicasAdded = "replicas_added"
        case maxPerBrokerBefore = "max_replicas_per_broker_before"
        case maxPerBrokerAfter = "max_replicas_per_broker_after"
        case averagePerBrokerAfter = "average_replicas_per_broker_after"
        case guidelinePerBroker = "guideline_replicas_per_broker"
        case overGuideline = "over_guideline"
    }
}
