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
    /// KRaft with dedicated controllers: how many, and the first node id (above every broker id).
    static let dedicatedControllerCount = 3
    static let firstDedicatedControllerID: BrokerID = 3000
    /// The seed of KRaft's random "controller" id in Metadata and DescribeCluster.
    static let controllerDrawSeed: UInt64 = 0x6B73_6361_6C65
    /// The least share of a broker's network capacity its move copies get when client traffic
    /// uses all of it (`ClusterModel.copyCapacity`).
    static let copyShareFloor = 0.05
}

/// Kafka's comma-separated list configs.
enum ConfigLists {
    static func split(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// Items as KRaft's `ConfigurationControlManager.getParts` (and ZooKeeper mode from 3.4) split
    /// a list value for APPEND and SUBTRACT: on ",", empty items dropped, none trimmed.
    static func untrimmedItems(_ value: String) -> [String] {
        value.split(separator: ",").map(String.init)
    }

    /// Java's `String.split(",")`, as ZooKeeper-mode brokers split list values: empty items are
    /// kept except at the end, and "" is one empty item.
    static func javaSplit(_ value: String, on separator: Character = ",") -> [String] {
        if value.isEmpty { return [""] }
        var items = value.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
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

    /// nil when the text is not `*` or a list of `partition:broker` pairs, as Kafka's validator
    /// (`ThrottledReplicaListValidator`) judges it: each item trimmed, then empty or digits:digits.
    static func parse(_ text: String) -> ThrottledReplicas? {
        let items = ConfigLists.split(text)
        if items.isEmpty { return ThrottledReplicas.none }
        if items == ["*"] { return .all }
        var set = Set<PartitionReplica>()
        for item in items {
            let parts = item.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { ("0"..."9").contains($0) } }),
                  let p = Int32(parts[0]), let b = BrokerID(parts[1]) else { return nil }
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

/// A throttled-replicas value as the brokers apply it (`ConfigHandler.parseThrottledPartitions`,
/// on each broker for its own id): the whole value trimmed, "" none, "*" all, otherwise every
/// `String.split(",")` item split on ":", kept when its broker part (`toInt`) is this broker's
/// id, then its partition part read (`toInt`). Nothing inside is trimmed, so a value the validator
/// accepts can still throw: an item with no broker part or a broker part that is not a number
/// ("", "0:", "0: 2") throws on every broker, one whose partition part is not a number (" 0:2",
/// from "0:1, 0:2") throws only on the broker it names. Where the parser throws, the broker logs
/// it and applies none of the topic's throttle (`TopicConfigHandler.processConfigChanges`).
struct AppliedThrottledReplicas: Sendable, Equatable {
    /// What a broker whose parser does not throw applies.
    var replicas: ThrottledReplicas
    /// The brokers whose parser throws.
    var failing: Failing

    enum Failing: Sendable, Equatable {
        case none
        case every
        case brokers(Set<BrokerID>)
    }

    static let unset = AppliedThrottledReplicas(replicas: .none, failing: .none)

    func fails(on broker: BrokerID) -> Bool {
        switch failing {
        case .none: false
        case .every: true
        case .brokers(let set): set.contains(broker)
        }
    }

    func contains(partition: Int32, broker: BrokerID) -> Bool {
        !fails(on: broker) && replicas.contains(partition: partition, broker: broker)
    }

    /// This value, applied after `earlier` in the same update: a broker whose parser threw on the
    /// earlier value stops there (the leader list before the follower list).
    func after(_ earlier: AppliedThrottledReplicas) -> AppliedThrottledReplicas {
        let failing: Failing = switch (earlier.failing, self.failing) {
        case (.every, _), (_, .every): .every
        case (.none, let mine): mine
        case (let theirs, .none): theirs
        case (.brokers(let a), .brokers(let b)): .brokers(a.union(b))
        }
        return AppliedThrottledReplicas(replicas: replicas, failing: failing)
    }

    static func parse(_ text: String) -> AppliedThrottledReplicas {
        let value = text.trimmingCharacters(in: .whitespaces)
        if value.isEmpty { return .unset }
        if value == "*" { return AppliedThrottledReplicas(replicas: .all, failing: .none) }
        var set = Set<ThrottledReplicas.PartitionReplica>()
        var failingBrokers = Set<BrokerID>()
        for item in ConfigLists.javaSplit(value) {
            let parts = ConfigLists.javaSplit(item, on: ":")
            // `_(1).toInt` runs on every broker, for every item.
            guard parts.count >= 2, let broker = BrokerID(parts[1]) else {
                return AppliedThrottledReplicas(replicas: .none, failing: .every)
            }
            // `_(0).toInt` only on the broker the item names.
            guard let partition = Int32(parts[0]) else {
                failingBrokers.insert(broker)
                continue
            }
            set.insert(ThrottledReplicas.PartitionReplica(partition: partition, broker: broker))
        }
        return AppliedThrottledReplicas(replicas: .some(set), failing: failingBrokers.isEmpty ? .none : .brokers(failingBrokers))
    }
}
