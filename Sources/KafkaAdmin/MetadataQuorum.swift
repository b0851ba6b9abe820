import KScaleCore

/// The KRaft metadata quorum as DescribeQuorum reports it (KIP-595): who leads `__cluster_metadata`,
/// which nodes vote, which follow it as observers.
public struct QuorumDescription: Sendable, Hashable {
    /// The active controller's node id; nil when the quorum has no leader.
    public var leaderID: BrokerID?
    public var leaderEpoch: Int32
    /// Controller node ids. With dedicated controllers these are not broker ids; in combined mode
    /// (`process.roles=broker,controller`) the brokers among them are voters too.
    public var voters: [BrokerID]
    /// Nodes following the metadata log without a vote: the brokers.
    public var observers: [BrokerID]
    public init(leaderID: BrokerID?, leaderEpoch: Int32 = 0, voters: [BrokerID], observers: [BrokerID]) {
        self.leaderID = leaderID
        self.leaderEpoch = leaderEpoch
        self.voters = voters
        self.observers = observers
    }
}

/// How the cluster keeps its metadata, as a reading saw it (`ReadParts.quorum`).
public enum MetadataQuorumReading: Sendable, Hashable {
    /// The reading did not ask (`parts` without `.quorum`).
    case notRead
    /// The brokers do not serve DescribeQuorum: ZooKeeper mode, whose controller is a broker.
    case zookeeper
    /// KRaft, with the quorum its leader reported.
    case kraft(QuorumDescription)
    /// KRaft (the brokers serve DescribeQuorum), but the quorum could not be read: who votes is unknown.
    case kraftUnread(reason: String)
}

/// `metadata.version` (KIP-778): the feature whose finalized level says what a KRaft cluster's
/// metadata can record, named as `MetadataVersion.java` names its levels.
public enum MetadataVersion {
    /// The feature's name in ApiVersions and DescribeFeatures (`MetadataVersion.FEATURE_NAME`).
    public static let featureName = "metadata.version"
    /// 4.3-IV0: `isCordonedLogDirsSupported` (KIP-1066). Below it brokers register and heartbeat
    /// without their cordoned dirs, so the controller never learns of a cordon.
    public static let cordonedLogDirsLevel: Int16 = 30

    /// Each feature level's name (`IBP_3_3_IV3` is level 7, "3.3-IV3").
    public static let names: [Int16: String] = [
        1: "3.0-IV1", 2: "3.1-IV0", 3: "3.2-IV0", 4: "3.3-IV0", 5: "3.3-IV1", 6: "3.3-IV2", 7: "3.3-IV3",
        8: "3.4-IV0", 9: "3.5-IV0", 10: "3.5-IV1", 11: "3.5-IV2", 12: "3.6-IV0", 13: "3.6-IV1", 14: "3.6-IV2",
        15: "3.7-IV0", 16: "3.7-IV1", 17: "3.7-IV2", 18: "3.7-IV3", 19: "3.7-IV4", 20: "3.8-IV0", 21: "3.9-IV0",
        22: "4.0-IV0", 23: "4.0-IV1", 24: "4.0-IV2", 25: "4.0-IV3", 26: "4.1-IV0", 27: "4.1-IV1", 28: "4.2-IV0",
        29: "4.2-IV1", 30: "4.3-IV0",
    ]

    /// "4.2-IV1 (level 29)", or "level 31" for a level newer than kscale knows.
    public static func describe(level: Int16) -> String {
        names[level].map { "\($0) (level \(level))" } ?? "level \(level)"
    }
}

/// A broker's place in the metadata quorum, as scale-in judges it.
public enum QuorumRole: Sendable, Hashable {
    case notVoter
    /// A voter: stopping it for good needs a controller membership change first (KIP-853).
    case voter
    /// The quorum could not be read, so whether it votes is unknown.
    case unknown(reason: String)
}

extension ClusterObservation {
    /// True on KRaft, false on ZooKeeper, nil when the reading did not ask.
    public var isKRaft: Bool? {
        switch quorum {
        case .notRead: nil
        case .zookeeper: false
        case .kraft, .kraftUnread: true
        }
    }

    /// Whether Metadata's controller id names the controller: in ZooKeeper mode it does; a KRaft
    /// broker names a random live broker (`KRaftMetadataCache.getRandomAliveBroker`, KIP-590), so
    /// there the role means nothing. Unknown mode: taken as meaningful (the cautious side).
    public var controllerIDIsMeaningful: Bool { isKRaft != true }

    /// The quorum voter `broker` is, if any (a reading without `.quorum` judges nobody a voter).
    public func quorumRole(of broker: BrokerID) -> QuorumRole {
        switch quorum {
        case .notRead, .zookeeper: .notVoter
        case .kraft(let q): q.voters.contains(broker) ? .voter : .notVoter
        case .kraftUnread(let reason): .unknown(reason: reason)
        }
    }

    /// The broker `describe` marks as the controller: the controller in ZooKeeper mode, the quorum
    /// leader when it is a broker (combined mode) on KRaft, nobody otherwise.
    public var markedController: BrokerID? {
        switch quorum {
        case .notRead, .zookeeper: cluster.controllerID
        case .kraft(let q): q.leaderID.flatMap { leader in cluster.brokers.contains { $0.id == leader } ? leader : nil }
        case .kraftUnread: nil
        }
    }

    /// The finalized `metadata.version` level (ApiVersions' finalized features); nil where the
    /// cluster has none (ZooKeeper, KRaft before 3.3) or the reading did not ask.
    public var metadataVersionLevel: Int16? { finalizedFeatures?[MetadataVersion.featureName] }

    /// Why the cluster cannot cordon (KIP-1066), or nil when it can: its `metadata.version` must
    /// be 4.3-IV0 or later, whatever version the brokers run, since below it a cordon is accepted
    /// as a config and ignored by the controller.
    public var cordonUnavailableReason: String? {
        let needed = MetadataVersion.describe(level: MetadataVersion.cordonedLogDirsLevel)
        guard let features = finalizedFeatures else {
            return "the cluster's metadata.version was not read; cordons (KIP-1066) need \(needed) or later"
        }
        guard let level = features[MetadataVersion.featureName] else {
            return "the cluster reports no metadata.version (ZooKeeper mode, or KRaft before 3.3); cordons (KIP-1066) need \(needed) or later"
        }
        guard level >= MetadataVersion.cordonedLogDirsLevel else {
            return "the cluster's metadata.version is \(MetadataVersion.describe(level: level)); cordons (KIP-1066) need \(needed) or later (finalize the upgrade: kafka-features --bootstrap-server ... upgrade --metadata 4.3)"
        }
        return nil
    }
}
