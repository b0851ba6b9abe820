import Foundation

/// One target cluster of a split: what it holds, the load it takes, where MirrorMaker 2 feeds it
/// from, and the brokers it needs by `kscale size brokers`' arithmetic.
public struct SplitTarget: Sendable, Hashable, Codable {
    public enum Role: String, Sendable, Hashable, Codable {
        /// A cluster of its own (by-owner): producers and consumers of its groups move to it.
        case cluster
        /// write-read's cluster for every producer.
        case write
        /// write-read's cluster for some consumer groups, mirrored from the write cluster.
        case read
    }

    /// Also its MirrorMaker 2 cluster alias (letters, digits and `-`).
    public var name: String
    public var role: Role
    /// The groups (by-owner) or consumer-group topic sets (write-read) packed here.
    public var groups: [String]
    public var topics: [String]
    /// Consumer groups that move to this cluster.
    public var consumerGroups: [String]
    public var load: SplitLoad
    /// Bytes of one copy of its topics.
    public var storedBytes: Int64
    public var replicationFactor: Int
    /// The MirrorMaker 2 alias of the cluster this one mirrors from (`source`, or write-read's write cluster).
    public var mirrorFrom: String
    /// True when mirroring stays on after the cutover (write-read's read clusters).
    public var mirrorPermanent: Bool
    /// `kscale size brokers` for this cluster; nil when the inputs are missing (`brokersNote` says which).
    public var sizing: BrokerSizing?
    public var brokersNote: String?

    /// `sizing`'s answer, beside it for scripts.
    public var brokers: Int?

    enum CodingKeys: String, CodingKey {
        case name, role, groups, topics, load, sizing, brokers
        case consumerGroups = "consumer_groups"
        case storedBytes = "stored_bytes"
        case replicationFactor = "replication_factor"
        case mirrorFrom = "mirror_from"
        case mirrorPermanent = "mirror_permanent"
        case brokersNote = "brokers_note"
    }
}

/// A split of one cluster into several: `split.json`.
public struct SplitPlan: Sendable, Hashable, Codable {
    public static let formatName = "kscale-split-v1"

    public var format: String
    public var strategy: String
    public var grouping: String
    public var limits: SplitLimits
    /// Each cluster limit less the headroom.
    public var usable: SplitLoad.Limit
    /// The fewest clusters any split of these groups can use (write-read: read clusters).
    public var lowerBound: SplitBound
    /// The clusters the packing used (write-read: read clusters; the write cluster comes on top).
    public var clusters: Int
    public var targets: [SplitTarget]
    public var groups: [SplitGroup]
    public var partitionIncreases: [PartitionIncrease]
    /// Internal topics, which stay on the cluster they are on.
    public var staysBehind: [String]
    /// Bytes per second MirrorMaker 2 copies between clusters: during the cutover only (by-owner),
    /// or for as long as the read clusters are fed (write-read).
    public var replication: Int64
    public var replicationPermanent: Bool
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case format, strategy, grouping, limits, usable, clusters, targets, groups, warnings
        case lowerBound = "lower_bound"
        case partitionIncreases = "partition_increases"
        case staysBehind = "stays_behind"
        case replication = "replication_bytes_per_sec"
        case replicationPermanent = "replication_permanent"
    }
}

extension SplitPlan {
    /// `split.json`: pretty, keys sorted, so the same plan is the same bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self) + Data("\n".utf8)
    }

    /// Every file `--output-dir` receives, by name: `split.json`, and per target its MirrorMaker 2
    /// properties and its cutover runbook.
    public func files() throws -> [(name: String, contents: Data)] {
        var out: [(name: String, contents: Data)] = [("split.json", try encoded())]
        let everyGroup = Set(targets.flatMap(\.consumerGroups)).sorted()
        for target in targets {
            // The write cluster translates every group's offsets, which the read clusters translate again.
            let groups = target.role == .write ? everyGroup : target.consumerGroups
            out.append((MirrorMakerProperties.fileName(target), Data(MirrorMakerProperties.render(target, groups: groups).utf8)))
            out.append((SplitRunbook.fileName(target), Data(SplitRunbook.render(target, plan: self).utf8)))
        }
        return out
    }
}
