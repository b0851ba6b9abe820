import Foundation
import KScaleCore

/// One simulated broker.
struct SimBroker: Sendable {
    var id: BrokerID
    var rack: String?
    var host: String
    var port: Int32
    var alive = true
    var fenced = false
    /// Known to the controller. An unregistered broker (never started, or removed with
    /// UnregisterBroker) is in no metadata at all; a stopped one stays registered, fenced.
    var registered = true
    var diskTotal: Int64
    /// Bytes on the disk that are not partition data (from the snapshot's usable bytes); kept
    /// constant so usable bytes move only with replicas.
    var diskOther: Int64
    /// Dynamic per-broker configs (`kafka-configs --entity-type brokers --entity-name N`).
    var configs: [String: String] = [:]
    /// The snapshot's `network_in_capacity` / `network_out_capacity`, bytes/s: when set, client
    /// traffic shares it with move copies (`Engine/Traffic.swift`).
    var networkInCapacity: Double?
    var networkOutCapacity: Double?
}

/// One partition: replica assignment, ISR and leadership as the controller sees them, and a log
/// that grows with ingest and Produce.
///
/// The log is lazy: size and end offset are a base plus ingest since `baseTime`, so 100,000 idle
/// partitions cost nothing to advance. Only replicas that are not in sync carry their own byte count.
struct SimPartition: Sendable {
    var replicas: [BrokerID]
    var isr: [BrokerID]
    var leader: BrokerID?
    var leaderEpoch: Int32 = 0
    var partitionEpoch: Int32 = 0
    /// KIP-455: replicas being added and removed while a reassignment is in flight.
    var adding: [BrokerID] = []
    var removing: [BrokerID] = []

    var baseSize: Double
    var baseOffset: Double
    var baseTime: Double
    /// Bytes per second appended while the partition has a leader (the snapshot's
    /// `bytes_in_per_sec`, `POST /traffic`, or `--ingest`).
    var ingestRate: Double
    /// Bytes per second its consumer groups fetch from the leader, all groups together (the
    /// snapshot's `bytes_out_per_sec`, `POST /traffic`).
    var egressRate: Double = 0
    /// What each broker served as this partition's leader up to `baseTime` (the JMX counters
    /// `BrokerTopicMetrics` BytesIn, BytesOut, MessagesIn; `Engine/Traffic.swift`).
    var served: [BrokerID: TrafficCounters] = [:]
    /// Bytes held by each replica that is not in the ISR (catching up, or frozen on a stopped broker).
    var laggingBytes: [BrokerID: Double] = [:]
    /// The record batches Produce appended (served by Fetch).
    var storedLog = StoredLog()

    var isReassigning: Bool { !adding.isEmpty || !removing.isEmpty }
    var targetReplicas: [BrokerID] { replicas.filter { !removing.contains($0) } }
    /// The replicas the partition had before the reassignment started (what a cancel restores).
    var originalReplicas: [BrokerID] { replicas.filter { !adding.contains($0) } }

    func size(at t: Double) -> Double {
        leader == nil ? baseSize : baseSize + ingestRate * max(0, t - baseTime)
    }

    func logEndOffset(at t: Double) -> Int64 {
        let grown = leader == nil ? 0 : ingestRate * max(0, t - baseTime) / SimDefaults.bytesPerRecord
        return Int64((baseOffset + grown).rounded(.down))
    }

    /// Folds ingest so far into the base, before anything that changes the growth rate.
    mutating func rebase(at t: Double) {
        if let leader {
            let dt = max(0, t - baseTime)
            baseSize += ingestRate * dt
            baseOffset += ingestRate * dt / SimDefaults.bytesPerRecord
            served[leader, default: TrafficCounters()].add(servedSince(baseTime, until: t))
        }
        baseTime = t
    }

    /// What the leader served between `start` and `end` at the current rates.
    func servedSince(_ start: Double, until end: Double) -> TrafficCounters {
        let dt = max(0, end - start)
        return TrafficCounters(bytesIn: ingestRate * dt, bytesOut: egressRate * dt, messagesIn: ingestRate * dt / SimDefaults.bytesPerRecord)
    }

    /// The counters of `broker` for this partition at `t`: what it served as leader before
    /// `baseTime` plus, if it leads now, what it has served since.
    func counters(of broker: BrokerID, at t: Double) -> TrafficCounters {
        var total = served[broker] ?? TrafficCounters()
        if leader == broker { total.add(servedSince(baseTime, until: t)) }
        return total
    }

    func replicaBytes(_ broker: BrokerID, at t: Double) -> Double {
        laggingBytes[broker] ?? size(at: t)
    }
}

struct SimTopic: Sendable {
    var name: String
    var id: [UInt8]
    var partitions: [SimPartition]
    /// Dynamic topic configs (only what was set; defaults come from the catalog).
    var configs: [String: String] = [:]
    var leaderThrottled: AppliedThrottledReplicas = .unset
    var followerThrottled: AppliedThrottledReplicas = .unset

    /// The throttled replicas as the brokers apply them (`TopicConfigHandler.processConfigChanges`):
    /// the leader list, then the follower list, each through the broker's parser
    /// (`AppliedThrottledReplicas`). Where the parser throws the update stops there, so a leader
    /// list a broker cannot parse leaves both unthrottled on that broker.
    mutating func refreshThrottles() {
        func applied(_ key: String) -> AppliedThrottledReplicas {
            configs[key].map(AppliedThrottledReplicas.parse) ?? .unset
        }
        leaderThrottled = applied("leader.replication.throttled.replicas")
        followerThrottled = applied("follower.replication.throttled.replicas").after(leaderThrottled)
    }
}

/// A new topic as CreateTopics describes it.
public struct SimNewTopic: Sendable {
    public var name: String
    public var numPartitions: Int32
    public var replicationFactor: Int16
    /// Explicit replica lists by partition; when given, counts above are ignored (must be -1 in Kafka).
    public var assignments: [Int32: [BrokerID]]
    public var configs: [String: String]

    public init(name: String, numPartitions: Int32 = -1, replicationFactor: Int16 = -1,
                assignments: [Int32: [BrokerID]] = [:], configs: [String: String] = [:]) {
        self.name = name
        self.numPartitions = numPartitions
        self.replicationFactor = replicationFactor
        self.assignments = assignments
        self.configs = configs
    }
}

/// What a created topic ended up with, for CreateTopics v5+ responses.
public struct SimCreatedTopic: Sendable {
    public var topicID: [UInt8]
    public var numPartitions: Int32
    public var replicationFactor: Int16
    public var configs: [SimConfigEntry]
}

/// One IncrementalAlterConfigs operation (KIP-339).
public enum SimConfigOp: Int8, Sendable {
    case set = 0, delete = 1, append = 2, subtract = 3
}

public enum SimResourceType: Int8, Sendable {
    case topic = 2
    case broker = 4
}

/// One config as DescribeConfigs reports it.
public struct SimConfigEntry: Sendable, Equatable {
    public var name: String
    public var value: String?
    public var readOnly: Bool
    public var isDefault: Bool
    public var source: SimConfigSource
    public var isSensitive: Bool = false
    public var type: SimConfigType
    /// Lower-priority values for the same key (DescribeConfigs `IncludeSynonyms`).
    public var synonyms: [(name: String, value: String?, source: SimConfigSource)] = []

    public static func == (a: SimConfigEntry, b: SimConfigEntry) -> Bool {
        a.name == b.name && a.value == b.value && a.isDefault == b.isDefault && a.source == b.source && a.readOnly == b.readOnly
    }
}

/// What the leader of a partition reports for one replica in DescribeLogDirs.
public struct SimReplicaLog: Sendable {
    public var topic: String
    public var partition: Int32
    public var size: Int64
    public var offsetLag: Int64
    public var isFuture: Bool
}

public struct SimLogDir: Sendable {
    public var path: String
    public var totalBytes: Int64
    public var usableBytes: Int64
    public var replicas: [SimReplicaLog]
}
