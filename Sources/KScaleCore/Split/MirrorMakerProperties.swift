import Foundation

/// A MirrorMaker 2 configuration (dedicated mode, `bin/connect-mirror-maker.sh FILE`, Kafka 3.x and
/// 4.x) that feeds one split target, in the style of Kafka's `config/connect-mirror-maker.properties`.
/// Every key is one Kafka documents: `clusters` and `ALIAS.bootstrap.servers` (MirrorMakerConfig),
/// `A->B.enabled` (MirrorConnectorConfig), `A->B.topics` and `replication.factor`
/// (MirrorSourceConfig), `A->B.groups`, `emit.checkpoints.enabled`, `sync.group.offsets.enabled`
/// and `checkpoints.topic.replication.factor` (MirrorCheckpointConfig),
/// `heartbeats.topic.replication.factor` (MirrorHeartbeatConfig),
/// `offset-syncs.topic.replication.factor` (MirrorSourceConfig) and `replication.policy.class`
/// (MirrorClientConfig).
public enum MirrorMakerProperties {
    public static let identityPolicy = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy"

    /// The file's name in the output directory.
    public static func fileName(_ target: SplitTarget) -> String { "\(target.name).mm2.properties" }

    /// The placeholder an operator replaces with a cluster's bootstrap servers: `SPLIT_1_BOOTSTRAP_SERVERS`.
    public static func placeholder(_ alias: String) -> String {
        alias.uppercased().replacingOccurrences(of: "-", with: "_") + "_BOOTSTRAP_SERVERS"
    }

    /// A topic or group name as one entry of MirrorMaker 2's comma-separated list of regular
    /// expressions (`MirrorUtils.compilePatternList`): regex metacharacters escaped, and each
    /// backslash doubled because a properties file reads `\\` as one backslash.
    public static func exactName(_ name: String) -> String {
        let metacharacters: Set<Character> = [".", "\\", "+", "*", "?", "^", "$", "(", ")", "[", "]", "{", "}", "|"]
        var out = ""
        for character in name {
            if metacharacters.contains(character) { out += "\\\\" }
            out.append(character)
        }
        return out
    }

    /// `groups` are the consumer groups whose offsets MirrorMaker 2 translates for this target;
    /// empty leaves MirrorMaker 2's default (every group with offsets on the mirrored topics).
    public static func render(_ target: SplitTarget, groups: [String]) -> String {
        let source = target.mirrorFrom
        let pair = "\(source)->\(target.name)"
        let lasting = target.mirrorPermanent
            ? "Mirroring stays on: \(target.name) is a read cluster fed from \(source)."
            : "Mirroring stops at the cutover's last step, once every producer writes to \(target.name)."
        var lines = [
            "# MirrorMaker 2 (Kafka 3.x/4.x, dedicated mode) for split target cluster \(target.name), written by kscale plan split.",
            "# Run it with: bin/connect-mirror-maker.sh \(fileName(target))",
            "# Replace the bootstrap placeholders with each cluster's listeners; client security settings go under the",
            "# same alias prefixes (for example \(source).security.protocol). \(lasting)",
            "# The cutover order is in \(target.name).runbook.md and docs/runbooks/split-cluster.md.",
            "",
            "clusters = \(source), \(target.name)",
            "\(source).bootstrap.servers = \(placeholder(source))",
            "\(target.name).bootstrap.servers = \(placeholder(target.name))",
            "",
            "# Only \(source) -> \(target.name) replicates: MirrorMaker 2 enables no pair it is not told to.",
            "\(pair).enabled = true",
            "# The \(target.topics.count) topics of \(target.name), as exact names (the list is of regular expressions, so dots are escaped).",
            "\(pair).topics = \(target.topics.map(exactName).joined(separator: ", "))",
        ]
        if groups.isEmpty {
            lines.append("# No consumer groups are recorded for these topics: MirrorMaker 2 checkpoints every group that read them (its default).")
        } else {
            lines += ["# Consumer groups whose committed offsets are translated for \(target.name).",
                      "\(pair).groups = \(groups.map(exactName).joined(separator: ", "))"]
        }
        let rf = target.replicationFactor
        lines += [
            "",
            "# Replication factor of the topics MirrorMaker 2 creates on \(target.name), and of its own topics there.",
            "replication.factor = \(rf)",
            "checkpoints.topic.replication.factor = \(rf)",
            "heartbeats.topic.replication.factor = \(rf)",
            "offset-syncs.topic.replication.factor = \(rf)",
            "",
            "# Checkpoints record each group's committed offsets translated to \(target.name). With the sync on, MirrorMaker 2",
            "# also commits them to \(target.name)'s __consumer_offsets while the group has no member there, so a consumer",
            "# moved to \(target.name) resumes at its translated offset. Delivery is at least once: expect some records twice.",
            "emit.checkpoints.enabled = true",
            "sync.group.offsets.enabled = true",
            "",
            "# IdentityReplicationPolicy (Kafka 3.0 and later) keeps topic names, so clients move without renaming a topic.",
            "# DefaultReplicationPolicy, MirrorMaker 2's default, renames each remote topic with the source alias prefix",
            "# (\(source).\(target.topics.first ?? "TOPIC")), which suits active/active pairs that must tell the copies apart, not a split.",
            "# Identity cannot detect replication cycles: mirror one way only, as this file does.",
            "replication.policy.class = \(identityPolicy)",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
