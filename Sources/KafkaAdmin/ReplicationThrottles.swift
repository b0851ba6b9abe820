import KScaleCore

/// Kafka's replication throttle config names.
public enum ThrottleKeys {
    public static let leaderRate = "leader.replication.throttled.rate"
    public static let followerRate = "follower.replication.throttled.rate"
    public static let leaderReplicas = "leader.replication.throttled.replicas"
    public static let followerReplicas = "follower.replication.throttled.replicas"
    public static let rates = [leaderRate, followerRate]
    public static let replicas = [leaderReplicas, followerReplicas]

    /// Entries of a throttled-replicas value ("0:1,0:2") as the operator meant them, each trimmed;
    /// "*" stays a single entry.
    public static func parse(_ value: String?) -> Set<String> {
        guard let value else { return [] }
        return Set(value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
    }

    /// Items of a list value exactly as Kafka's APPEND and SUBTRACT see them: split on ",", empty
    /// ones dropped, none trimmed (`ConfigurationControlManager`, `ConfigAdminManager.
    /// prepareIncrementalConfigs`), so in "0:1, 0:2" the second is " 0:2", which SUBTRACT "0:2"
    /// does not remove.
    public static func storedItems(_ value: String?) -> Set<String> {
        guard let value else { return [] }
        return Set(value.split(separator: ",").map(String.init))
    }

    /// Whether every broker's parser reads the value as it stands (`ConfigHandler.
    /// parseThrottledPartitions` trims the whole value only, and reads each item's numbers
    /// untrimmed): "*", or items that are each exactly `partition:broker`. An empty item (",0:1",
    /// 2.6-3.3) makes every broker throw; an item with a space (" 0:2", from "0:1, 0:2") makes the
    /// broker it names throw; either way that topic's throttle is not applied there.
    public static func isCleanList(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        if trimmed == "*" { return true }
        return value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { item in
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            return parts.count == 2 && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }
        }
    }
}

/// One replication throttle config set on the cluster.
public struct ReplicationThrottle: Sendable, Hashable {
    /// A broker, the cluster-wide broker default (broker resource ""), or a topic.
    public var resource: ConfigResource
    public var key: String
    public var value: String
    /// Whether IncrementalAlterConfigs can change it: a value from a broker's server.properties
    /// (static) cannot, and is reported but never cleared.
    public var isDynamic: Bool

    /// The value shown for a rate the broker reports as sensitive, without its value (Kafka
    /// 2.4-2.5 do so for the throttle rates): set, but unreadable.
    public static let unreadableValue = "(set, value not reported: sensitive)"

    public init(resource: ConfigResource, key: String, value: String, isDynamic: Bool = true) {
        self.resource = resource
        self.key = key
        self.value = value
        self.isDynamic = isDynamic
    }
}

extension ClusterObservation {
    /// Every replication throttle set on the cluster, the one rule `check`, `throttle audit` and
    /// `throttle clear` share: per-broker rates (dynamic or static), the cluster-wide default rate
    /// (reported once, on broker resource ""), and topics' non-empty throttled-replicas lists.
    /// Needs `.brokerConfigs` and `.topicConfigs`; a broker whose configs were not read is a gap.
    public var replicationThrottles: [ReplicationThrottle] {
        var out: [ReplicationThrottle] = []
        var clusterDefaults: [String: String] = [:]
        for (broker, entries) in brokerConfigs.sorted(by: { $0.key < $1.key }) {
            for entry in entries where ThrottleKeys.rates.contains(entry.name) {
                guard let value = entry.value ?? (entry.isSensitive ? ReplicationThrottle.unreadableValue : nil), !value.isEmpty else { continue }
                switch entry.source {
                case .dynamicBroker: out.append(ReplicationThrottle(resource: .broker(broker), key: entry.name, value: value))
                case .staticBroker: out.append(ReplicationThrottle(resource: .broker(broker), key: entry.name, value: value, isDynamic: false))
                case .dynamicDefaultBroker: clusterDefaults[entry.name] = value
                default: continue
                }
            }
        }
        for (key, value) in clusterDefaults.sorted(by: { $0.key < $1.key }) {
            out.append(ReplicationThrottle(resource: ConfigResource(.broker, ""), key: key, value: value))
        }
        for (topic, entries) in topicConfigs.sorted(by: { $0.key < $1.key }) {
            for entry in entries where ThrottleKeys.replicas.contains(entry.name) && entry.source == .dynamicTopic {
                guard !ThrottleKeys.parse(entry.value).isEmpty, let value = entry.value else { continue }
                out.append(ReplicationThrottle(resource: .topic(topic), key: entry.name, value: value))
            }
        }
        return out
    }
}
