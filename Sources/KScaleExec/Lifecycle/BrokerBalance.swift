import KScaleCore
import KafkaAdmin

/// Replicas, preferred leaders and bytes per broker from a snapshot: the planned side of a scale
/// operation (before, and the projection once its plan is applied). The observed side is
/// `BrokerLoad` (KafkaAdmin); `PlanSummary.brokers` is the planner's own count of the same numbers
/// and is tested equal to this (BrokerBalanceTests).
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
