import KScaleCore
import KafkaAdmin

/// A Kafka release as `major.minor` (a patch level is accepted and ignored: the behaviours
/// modelled here change between minor releases).
public struct KafkaRelease: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let major: Int
    public let minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// "3.3", "3.3.2"; nil for anything else.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (2...3).contains(parts.count), let major = Int(parts[0]), let minor = Int(parts[1]),
              parts.dropFirst(2).allSatisfy({ Int($0) != nil }) else { return nil }
        self.init(major, minor)
    }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: KafkaRelease, rhs: KafkaRelease) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}

/// `metadata.version` feature levels (`MetadataVersion.java`, named in KafkaAdmin's `MetadataVersion`):
/// the newest each release finalizes on a fresh cluster, and the oldest a KRaft profile accepts.
public enum MetadataVersionLevel {
    /// 3.3-IV3, `MetadataVersion.MINIMUM_VERSION` in 4.x.
    public static let oldestKRaft: Int16 = 7

    /// A level as an operator names it: the feature level ("29") or its name ("4.2-IV1",
    /// `MetadataVersion.names`); nil for anything else.
    public static func level(named text: String) -> Int16? {
        if let level = Int16(text) { return level }
        return MetadataVersion.names.first { $0.value.uppercased() == text.uppercased() }?.key
    }

    /// The newest level of `release` (its last IBP_x_y_IVn), nil before metadata.version existed (3.3).
    static func newest(of release: KafkaRelease) -> Int16? {
        MetadataVersion.names.filter { $0.key >= oldestKRaft && $0.value.hasPrefix("\(release)-") }.keys.max()
    }
}

/// Where a cluster keeps its metadata.
public enum KafkaMode: String, Sendable, CaseIterable {
    case zookeeper
    case kraft
}

/// How one Kafka release, in one mode, behaves wherever kscale acts. Handlers and the engine ask
/// the profile's named behaviours (never the version number), so each difference is decided here,
/// once, with the Kafka source it follows; docs/simulator.md has the table.
public struct KafkaProfile: Sendable, Equatable, CustomStringConvertible {
    public let release: KafkaRelease
    public let mode: KafkaMode
    /// KRaft combined mode (`process.roles=broker,controller`): the first brokers are also the
    /// quorum's voters (`combinedVoterCount`), the rest are brokers only.
    public let combined: Bool
    /// The finalized `metadata.version` feature level (KIP-778), as ApiVersions' FinalizedFeatures
    /// report it: the release's newest unless an upgrade is not finalized yet
    /// (`withMetadataVersion`); nil where the feature does not exist (ZooKeeper mode, KRaft before 3.3).
    public private(set) var metadataVersionLevel: Int16?

    /// What IncrementalAlterConfigs APPEND does to a list config that has no value.
    public enum ListAppendOnUnset: Sendable, Equatable {
        /// 2.4-2.5 (ZooKeeper): `AdminManager.prepareIncrementalConfigs` splits a null value, a
        /// NullPointerException answered UNKNOWN_SERVER_ERROR; nothing is applied (KAFKA-9644).
        case serverError
        /// 2.6-3.3 (ZooKeeper): the empty default splits to one empty item, so APPEND "0:1"
        /// stores ",0:1" (fixed in 3.4, apache/kafka PR 12503); SUBTRACT keeps the empty item.
        case leadingEmptyItem
        /// KRaft's `ConfigurationControlManager.getParts` (every version) and ZooKeeper 3.4+:
        /// empty items are dropped.
        case correct
    }

    /// Which broker answers the controller's requests (AlterPartitionReassignments,
    /// ListPartitionReassignments, ElectLeaders).
    public enum Routing: Sendable, Equatable {
        /// ZooKeeper mode: `KafkaApis` answers NOT_CONTROLLER unless this broker's
        /// `KafkaController.isActive`.
        case controllerOnly
        /// KRaft: every broker forwards to the active controller (`ForwardingManager`, KIP-590)
        /// and never answers NOT_CONTROLLER.
        case anyBrokerForwards
    }

    /// The newest release modelled, in KRaft mode: the simulator's default.
    public static let newest = KafkaProfile(release: KafkaRelease(4, 3), mode: .kraft, combined: false)

    /// Releases with a profile: 2.4 to 3.9 and 4.0 to 4.3.
    public static let supportedReleases: [KafkaRelease] =
        (4...8).map { KafkaRelease(2, $0) } + (0...9).map { KafkaRelease(3, $0) } + (0...3).map { KafkaRelease(4, $0) }

    /// The first release that runs in KRaft mode (early access, KIP-500) and the last with
    /// ZooKeeper (removed in 4.0, KIP-833).
    static let firstKRaft = KafkaRelease(2, 8)
    static let lastZooKeeper = KafkaRelease(3, 9)
    /// KRaft marked production ready (KIP-833): the default mode from here on.
    static let kraftProductionReady = KafkaRelease(3, 3)

    /// The versions this release serves by api key; an API it does not serve is absent.
    public let apiVersions: [Int16: ClosedRange<Int16>]

    private init(release: KafkaRelease, mode: KafkaMode, combined: Bool) {
        self.release = release
        self.mode = mode
        self.combined = combined
        self.apiVersions = Self.servedVersions(release, mode)
        self.metadataVersionLevel = mode == .kraft ? MetadataVersionLevel.newest(of: release) : nil
    }

    /// The same release with `metadata.version` finalized at `level` (binaries upgraded, `kafka-features
    /// upgrade` not yet run): refused outside KRaft, below 3.3-IV3 (the oldest a 4.x cluster accepts, level 7)
    /// or above what the release knows.
    public func withMetadataVersion(_ level: Int16) throws -> KafkaProfile {
        guard mode == .kraft, let newest = MetadataVersionLevel.newest(of: release) else {
            throw InvalidInput("\(self) has no metadata.version feature (KRaft from 3.3, KIP-778)")
        }
        guard (MetadataVersionLevel.oldestKRaft...newest).contains(level) else {
            throw InvalidInput("Kafka \(release) finalizes metadata.version levels \(MetadataVersionLevel.oldestKRaft) to \(newest), got \(level)")
        }
        var copy = self
        copy.metadataVersionLevel = level
        return copy
    }

    /// The profile for `version` ("3.3" or "3.3.2"); `mode` defaults to KRaft from 3.3 (where it
    /// became production ready) and ZooKeeper before. Impossible combinations are refused with
    /// the reason: ZooKeeper from 4.0, KRaft before 2.8, combined outside KRaft.
    public init(version: String, mode: KafkaMode? = nil, combined: Bool = false) throws {
        guard let release = KafkaRelease(parsing: version) else {
            throw InvalidInput("--kafka-version must be a release such as 3.9 or 2.8.2, got '\(version)'")
        }
        guard Self.supportedReleases.contains(release) else {
            let names = Self.supportedReleases.map(\.description).joined(separator: ", ")
            throw InvalidInput("no KafkaSim profile for Kafka \(release); profiles exist for \(names)")
        }
        let chosen = mode ?? (release >= Self.kraftProductionReady ? .kraft : .zookeeper)
        switch chosen {
        case .zookeeper where release > Self.lastZooKeeper:
            throw InvalidInput("Kafka \(release) has no ZooKeeper mode (removed in 4.0, KIP-833); use --mode kraft")
        case .kraft where release < Self.firstKRaft:
            throw InvalidInput("Kafka \(release) has no KRaft mode (first in 2.8, KIP-500); use --mode zookeeper")
        default:
            break
        }
        if combined, chosen != .kraft {
            throw InvalidInput("--combined is a KRaft layout (process.roles=broker,controller); it needs --mode kraft")
        }
        self.init(release: release, mode: chosen, combined: combined)
    }

    public var description: String { "Kafka \(release) \(mode.rawValue)\(combined ? " combined" : "")" }

    // MARK: named behaviours

    public var listConfigAppendOnUnset: ListAppendOnUnset {
        guard mode == .zookeeper else { return .correct }
        if release < KafkaRelease(2, 6) { return .serverError }
        if release < KafkaRelease(3, 4) { return .leadingEmptyItem }
        return .correct
    }

    /// Whether APPEND leaves out items the list already has: KRaft always, ZooKeeper from 3.3
    /// (`ConfigAdminManager.prepareIncrementalConfigs` filters them); before, they are repeated.
    public var appendSkipsPresentItems: Bool {
        mode == .kraft || release >= KafkaRelease(3, 3)
    }

    public var routing: Routing { mode == .zookeeper ? .controllerOnly : .anyBrokerForwards }

    /// KRaft's `QuorumController.MAX_RECORDS_PER_USER_OP` (10,000, from 3.5): a request that would
    /// write more metadata records is answered POLICY_VIOLATION and applies nothing. ZooKeeper
    /// (and KRaft before 3.5) has no cap.
    public var maxRecordsPerUserOp: Int? { mode == .kraft && release >= KafkaRelease(3, 5) ? 10_000 : nil }

    /// KRaft brokers name a random live broker as the controller in Metadata and DescribeCluster
    /// (`KafkaApis`/`MetadataCache.getRandomAliveBrokerId`: clients must not rely on it).
    public var reportsRandomController: Bool { mode == .kraft }

    /// 2.4-2.5: the throttle rates are not `KafkaConfig` keys, so `AdminManager.
    /// createBrokerConfigEntry` (type null) reports a set rate as sensitive, with no value, and an
    /// unset one not at all (2.6 reads the type from `DynamicConfig.Broker`).
    public var throttleRatesReadAsSensitive: Bool { release < KafkaRelease(2, 6) }

    /// Where DescribeConfigs reads: a KRaft broker its own metadata image (so it lags with the rest
    /// of its metadata, `KRaftMetadataCache`/`KRaftConfigRepository`), a ZooKeeper-mode broker
    /// ZooKeeper itself (`ConfigHelper` over `ZkConfigRepository`), always current.
    public var configsFromMetadataCache: Bool { mode == .kraft }

    /// `ConfigAdminManager.preprocess` (3.2 on, both modes) and, before it, ZooKeeper mode's
    /// `AdminManager`/`ZkAdminManager`: IncrementalAlterConfigs and AlterConfigs for broker
    /// resource X are refused with INVALID_REQUEST on any broker but X ("Unexpected broker id,
    /// expected Y, but received X"; the cluster default "" goes anywhere). KRaft 2.8-3.1 forwards
    /// the request to the controller unchecked, which applies it. DescribeConfigs refuses it on
    /// every release (`ConfigHelper.describeConfigs`, `AdminManager.describeConfigs`).
    public var brokerConfigChangesOnlyOnThatBroker: Bool { mode == .zookeeper || release >= KafkaRelease(3, 2) }

    /// Duplicate config keys in one IncrementalAlterConfigs resource: INVALID_REQUEST "Error due to
    /// duplicate config keys" (`ConfigAdminManager.preprocess` from 3.2; `AdminManager`/
    /// `ZkAdminManager.incrementalAlterConfigs` in ZooKeeper mode before). KRaft 2.8-3.1's
    /// `ControllerApis.handleIncrementalAlterConfigs` puts them in a map: the last one wins.
    public var refusesDuplicateIncrementalKeys: Bool { mode == .zookeeper || release >= KafkaRelease(3, 2) }

    /// Duplicate config keys in one legacy AlterConfigs resource: INVALID_REQUEST from 3.2
    /// (`ConfigAdminManager.preprocess`); before, they become `Properties` and the last one wins.
    public var refusesDuplicateLegacyKeys: Bool { release >= KafkaRelease(3, 2) }

    /// How the controller reassigns, cancels and deletes (issue 12: deletion, re-target, cancel).
    public enum ControllerSemantics: Sendable, Equatable {
        /// ZooKeeper's `KafkaController`: a new target over a move in flight is computed against
        /// the ORIGINAL replicas (`ReplicaAssignment.reassignTo`: adding = target − original,
        /// removing = original − target; replicas being added that the new target drops are
        /// stopped); a cancel is a reassignment back to the original replicas, which adds nothing
        /// and so completes in the same controller event, never refused; a topic with partitions
        /// being reassigned is ineligible for deletion (`TopicDeletionManager`,
        /// `onPartitionReassignment`): DeleteTopics queues it, reassignments of a queued topic are
        /// answered UNKNOWN_TOPIC_OR_PARTITION, and it is deleted when its last move completes.
        case zookeeper
        /// KRaft's `ReplicationControlManager`: a new target starts from the current (merged)
        /// replicas (`PartitionReassignmentReplicas`); a cancel reverts at once
        /// (`PartitionReassignmentRevert`) and is refused with INVALID_REPLICA_ASSIGNMENT when no
        /// original replica is in the ISR unless the topic allows unclean election; DeleteTopics
        /// removes a topic at once (`deleteTopic`: one RemoveTopicRecord), its reassignments with it.
        case kraft
    }

    public var controllerSemantics: ControllerSemantics { mode == .zookeeper ? .zookeeper : .kraft }

    /// KIP-1066 `cordoned.log.dirs`: shipped in 4.3 (metadata version 4.3-IV0). The broker knows
    /// the config from 4.3 binaries on.
    public var supportsCordons: Bool { release >= KafkaRelease(4, 3) }

    /// Whether a cordon keeps new partitions off the broker: only once `metadata.version` is 4.3-IV0
    /// or later (`MetadataVersion.isCordonedLogDirsSupported`): below it the broker registration and
    /// heartbeat records carry no cordoned dirs (RegisterBrokerRecord v4), so the controller never
    /// learns of the config and places partitions as before.
    public var cordonsTakeEffect: Bool {
        supportsCordons && (metadataVersionLevel ?? 0) >= MetadataVersion.cordonedLogDirsLevel
    }

    /// Combined mode's voters: the first three brokers in snapshot order (all, when fewer), as a
    /// small combined cluster runs `process.roles=broker,controller` on three nodes.
    public static let combinedVoterCount = 3

    private static func servedVersions(_ release: KafkaRelease, _ mode: KafkaMode) -> [Int16: ClosedRange<Int16>] {
        let row: String
        if release.major >= 4 {
            row = "4.x"
        } else {
            row = release.description
        }
        var table = ReleaseAPIVersions.byRelease[row] ?? [:]
        // AlterPartitionReassignments v1 (AllowReplicationFactorChange, KIP-860) is 4.1's.
        if release == KafkaRelease(4, 0) { table[45] = 0...0 }
        // DescribeQuorum is a KRaft API: a ZooKeeper-mode broker does not list it.
        if mode == .zookeeper { table[55] = nil }
        // UnregisterBroker (KIP-631) is KRaft's too, served from 3.0 (ControllerApis).
        if mode == .kraft, release >= KafkaRelease(3, 0) { table[UnregisterBrokerHandler.apiKey] = 0...0 }
        return table
    }
}
