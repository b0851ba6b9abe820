import Foundation
import KScaleCore

/// The config keys the simulator knows, with Kafka's defaults and types, so DescribeConfigs can
/// report defaults as defaults and alters can be refused the way a broker refuses them.
///
/// Not every Kafka config is listed: the topic configs are complete enough for kscale and common
/// admin tools; the broker list holds what operators and kscale touch (throttles, racks, defaults).
public enum SimConfigType: Int8, Sendable {
    case boolean = 1, string = 2, int = 3, short = 4, long = 5, double = 6, list = 7, klass = 8, password = 9
}

/// Where a reported value comes from, as DescribeConfigs' `ConfigSource`.
public enum SimConfigSource: Int8, Sendable {
    case dynamicTopic = 1, dynamicBroker = 2, dynamicDefaultBroker = 3, staticBroker = 4, defaultConfig = 5
}

struct ConfigSpec: Sendable {
    var defaultValue: String?
    var type: SimConfigType
    /// Broker configs only: whether it can be changed at runtime (per broker or cluster-wide).
    var dynamic: Bool
    var readOnly: Bool { !dynamic }
}

enum ConfigCatalog {
    static let longMax = "9223372036854775807"

    static let topic: [String: ConfigSpec] = {
        func s(_ d: String, _ t: SimConfigType) -> ConfigSpec { ConfigSpec(defaultValue: d, type: t, dynamic: true) }
        return [
            "cleanup.policy": s("delete", .list),
            "compression.type": s("producer", .string),
            "delete.retention.ms": s("86400000", .long),
            "file.delete.delay.ms": s("60000", .long),
            "flush.messages": s(longMax, .long),
            "flush.ms": s(longMax, .long),
            "follower.replication.throttled.replicas": s("", .list),
            "index.interval.bytes": s("4096", .int),
            "leader.replication.throttled.replicas": s("", .list),
            "local.retention.bytes": s("-2", .long),
            "local.retention.ms": s("-2", .long),
            "max.compaction.lag.ms": s(longMax, .long),
            "max.message.bytes": s("1048588", .int),
            "message.timestamp.after.max.ms": s(longMax, .long),
            "message.timestamp.before.max.ms": s(longMax, .long),
            "message.timestamp.type": s("CreateTime", .string),
            "min.cleanable.dirty.ratio": s("0.5", .double),
            "min.compaction.lag.ms": s("0", .long),
            "min.insync.replicas": s("1", .int),
            "preallocate": s("false", .boolean),
            "remote.storage.enable": s("false", .boolean),
            "retention.bytes": s("-1", .long),
            "retention.ms": s("604800000", .long),
            "segment.bytes": s("1073741824", .int),
            "segment.index.bytes": s("10485760", .int),
            "segment.jitter.ms": s("0", .long),
            "segment.ms": s("604800000", .long),
            "unclean.leader.election.enable": s("false", .boolean),
        ]
    }()

    static let broker: [String: ConfigSpec] = {
        func d(_ v: String?, _ t: SimConfigType) -> ConfigSpec { ConfigSpec(defaultValue: v, type: t, dynamic: true) }
        func r(_ v: String?, _ t: SimConfigType) -> ConfigSpec { ConfigSpec(defaultValue: v, type: t, dynamic: false) }
        return [
            "leader.replication.throttled.rate": d(longMax, .long),
            "follower.replication.throttled.rate": d(longMax, .long),
            "replica.alter.log.dirs.io.max.bytes.per.second": d(longMax, .long),
            // KIP-1066: "*" or a list of log dirs; a broker with all its dirs cordoned gets no new partitions.
            "cordoned.log.dirs": d("", .list),
            "min.insync.replicas": d("1", .int),
            "message.max.bytes": d("1048588", .int),
            "unclean.leader.election.enable": d("false", .boolean),
            "log.retention.bytes": d("-1", .long),
            "log.retention.ms": d(nil, .long),
            "log.retention.hours": r("168", .int),
            "log.cleaner.threads": d("1", .int),
            "num.replica.fetchers": d("1", .int),
            "background.threads": d("10", .int),
            "compression.type": d("producer", .string),
            "num.partitions": r("1", .int),
            "default.replication.factor": r("1", .int),
            "auto.leader.rebalance.enable": r("true", .boolean),
            "auto.create.topics.enable": r("false", .boolean),
            "broker.rack": r(nil, .string),
            "node.id": r(nil, .int),
            "log.dirs": r(SimDefaults.logDir, .string),
            "process.roles": r("broker", .list),
        ]
    }()

    static let throttledReplicaKeys: Set<String> = ["leader.replication.throttled.replicas", "follower.replication.throttled.replicas"]
    static let throttleRateKeys: Set<String> = ["leader.replication.throttled.rate", "follower.replication.throttled.rate",
                                                 "replica.alter.log.dirs.io.max.bytes.per.second"]

    /// Checks one value the way Kafka's validators do for the keys whose format matters here.
    /// Returns a message naming the problem, or nil when the value is acceptable.
    static func validate(key: String, value: String, spec: ConfigSpec) -> String? {
        if throttledReplicaKeys.contains(key) {
            return ThrottledReplicas.parse(value) == nil
                ? "Invalid value \(value) for configuration \(key): must be * or a list of partition:brokerId pairs" : nil
        }
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        switch spec.type {
        case .long, .int, .short:
            guard let v = Int64(trimmed) else { return "Invalid value \(value) for configuration \(key): Not a number of type \(spec.type)" }
            if throttleRateKeys.contains(key), v < 0 { return "Invalid value \(value) for configuration \(key): Value must be at least 0" }
            if key == "min.insync.replicas", v < 1 { return "Invalid value \(value) for configuration \(key): Value must be at least 1" }
        case .double:
            guard Double(trimmed) != nil else { return "Invalid value \(value) for configuration \(key): Not a number of type DOUBLE" }
        case .boolean:
            guard ["true", "false"].contains(trimmed.lowercased()) else {
                return "Invalid value \(value) for configuration \(key): Expected value to be either true or false"
            }
        default:
            if key == "cleanup.policy" {
                let items = ConfigLists.split(value)
                if items.contains(where: { !["delete", "compact"].contains($0) }) {
                    return "Invalid value \(value) for configuration cleanup.policy: String must be one of: compact, delete"
                }
            }
        }
        return nil
    }
}

enum SimDefaults {
    static let logDir = "/var/lib/kafka/data"
    static let clusterID = "a1KScaleSimClusterAA"
    /// Bytes per record assumed for ingest, so log end offsets grow with simulated bytes.
    static let bytesPerRecord: Double = 1024
    /// Record batch bytes a partition keeps before its oldest batches are dropped (`StoredLog`).
    static let storedRecordBytesPerPartition = 8 << 20
    /// The least share of a broker's network capacity its move copies get when client traffic
    /// uses all of it (`ClusterModel.copyCapacity`).
    static let copyShareFloor = 0.05
}

/// Kafka's comma-separated list configs.
enum ConfigLists {
    static func split(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Java's `String.split(",")`, as ZooKeeper-mode brokers split list values: empty items are
    /// kept except at the end, and "" is one empty item.
    static func javaSplit(_ value: String) -> [String] {
        if value.isEmpty { return [""] }
        var items = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        while items.last?.isEmpty == true { items.removeLast() }
        return items
    }
}

/// A parsed `leader.replication.throttled.replicas` / `follower.replication.throttled.replicas`.
enum ThrottledReplicas: Sendable, Equatable {
    case none
    case all
    case some(Set<PartitionReplica>)

    struct PartitionReplica: Hashable, Sendable {
        var partition: Int32
        var broker: BrokerID
    }

    /// nil when the text is not `*` or a list of `partition:broker` pairs.
    static func parse(_ text: String) -> ThrottledReplicas? {
        let items = ConfigLists.split(text)
        if items.isEmpty { return ThrottledReplicas.none }
        if items == ["*"] { return .all }
        var set = Set<PartitionReplica>()
        for item in items {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2,
                  let p = Int32(parts[0].trimmingCharacters(in: .whitespaces)),
                  let b = BrokerID(parts[1].trimmingCharacters(in: .whitespaces)), p >= 0, b >= 0 else { return nil }
            set.insert(PartitionReplica(partition: p, broker: b))
        }
        return .some(set)
    }

    /// What a broker makes of the value when it applies it (`ConfigHandler.parseThrottledPartitions`):
    /// the whole value trimmed, "" none, "*" all, otherwise every `String.split(",")` item split on
    /// ":" and read as numbers, untrimmed. nil where that throws (an empty item, as in ",0:1"): the
    /// broker logs the error and the topic's throttle is not applied.
    static func parseAsBroker(_ text: String) -> ThrottledReplicas? {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return ThrottledReplicas.none }
        if value == "*" { return .all }
        var set = Set<PartitionReplica>()
        for item in ConfigLists.javaSplit(value) {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count >= 2, let p = Int32(parts[0]), let b = BrokerID(parts[1]) else { return nil }
            set.insert(PartitionReplica(partition: p, broker: b))
        }
        return .some(set)
    }

    func contains(partition: Int32, broker: BrokerID) -> Bool {
        switch self {
        case .none: false
        case .all: true
        case .some(let set): set.contains(PartitionReplica(partition: partition, broker: broker))
        }
    }
}
