import Foundation
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// The split of the generated cluster with traffic, by owner and write-read: `split.json`, every
/// MirrorMaker 2 file and every runbook must equal the reviewed files in
/// `Fixtures/snapshots/expected/split-*/` (regenerate with `KSCALE_UPDATE_GOLDEN=1 swift test
/// --filter SplitGoldenTests` and review the diff).
@Suite(.offThePool) struct SplitGoldenTests {
    static let megabyte: Int64 = 1_000_000
    static let snapshot = Repository.url("Fixtures/snapshots/split-traffic.json")

    struct Case: Sendable, CustomTestStringConvertible {
        var folder: String
        var request: SplitRequest
        var testDescription: String { folder }
    }

    static let cases: [Case] = [
        Case(folder: "split-by-owner", request: SplitRequest(
            strategy: .byOwner, grouping: .prefix(delimiter: "."),
            limits: SplitLimits(clusterWrite: 50 * megabyte, clusterRead: 300 * megabyte, clusterPartitions: 300,
                                partitionWrite: megabyte, partitionRead: 4 * megabyte, headroom: 0.2),
            sizing: SplitSizingBasis(brokerNetwork: 125 * megabyte, brokerDisk: 4_000_000_000_000))),
        Case(folder: "split-write-read", request: SplitRequest(
            strategy: .writeRead,
            limits: SplitLimits(clusterWrite: 200 * megabyte, clusterRead: 300 * megabyte, headroom: 0.2),
            sizing: SplitSizingBasis(brokerNetwork: 125 * megabyte, brokerDisk: 4_000_000_000_000))),
    ]

    @Test(arguments: cases)
    func filesMatchTheReviewedOnes(_ c: Case) throws {
        let snap = try KScaleFiles.readSnapshot(Self.snapshot.path)
        let plan = try Splitter.plan(snap, c.request)
        let folder = Repository.url("Fixtures/snapshots/expected/\(c.folder)")
        let files = try plan.files()
        if ProcessInfo.processInfo.environment["KSCALE_UPDATE_GOLDEN"] == "1" {
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for file in files { try file.contents.write(to: folder.appendingPathComponent(file.name)) }
        }
        let reviewed = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(reviewed == files.map(\.name).sorted(), "the files written are the reviewed ones")
        for file in files {
            let expected = try Data(contentsOf: folder.appendingPathComponent(file.name))
            if file.name == "split.json" {
                // As values: number formatting may differ between platforms.
                #expect(try JSONDecoder().decode(SplitPlan.self, from: expected) == plan, "split.json differs")
            } else {
                #expect(file.contents == expected, "\(file.name) differs from the reviewed file")
            }
        }
    }

    /// Every generated properties file names only MirrorMaker 2 keys that Kafka 3.x/4.x documents, and
    /// its topics list matches exactly the target's topics.
    ///
    /// The keys and where apache/kafka defines them (connect/mirror/src/main/java/org/apache/kafka/connect/mirror/,
    /// and connect/mirror-client/... for MirrorClientConfig), all present from 3.0 through 4.x:
    /// - `clusters`, `ALIAS.bootstrap.servers`: MirrorMakerConfig.java (CLUSTERS_CONFIG; cluster
    ///   settings under the alias prefix; config/connect-mirror-maker.properties shows both)
    /// - `A->B.enabled`: MirrorConnectorConfig.java (ENABLED, under the `A->B.` prefix MirrorMakerConfig applies)
    /// - `A->B.topics`, `replication.factor`, `offset-syncs.topic.replication.factor`: MirrorSourceConfig.java
    ///   (TOPICS = DefaultTopicFilter.TOPICS_INCLUDE_CONFIG, REPLICATION_FACTOR, OFFSET_SYNCS_TOPIC_REPLICATION_FACTOR)
    /// - `A->B.groups`, `emit.checkpoints.enabled`, `sync.group.offsets.enabled`,
    ///   `checkpoints.topic.replication.factor`: MirrorCheckpointConfig.java (GROUPS =
    ///   DefaultGroupFilter.GROUPS_INCLUDE_CONFIG, EMIT_CHECKPOINTS_ENABLED, SYNC_GROUP_OFFSETS_ENABLED,
    ///   CHECKPOINTS_TOPIC_REPLICATION_FACTOR)
    /// - `heartbeats.topic.replication.factor`: MirrorHeartbeatConfig.java (HEARTBEATS_TOPIC_REPLICATION_FACTOR)
    /// - `replication.policy.class`: MirrorClientConfig.java (REPLICATION_POLICY_CLASS); its values
    ///   DefaultReplicationPolicy.java and IdentityReplicationPolicy.java (3.0 and later)
    static let documentedKeys: Set<String> = [
        "clusters", "replication.factor", "checkpoints.topic.replication.factor", "heartbeats.topic.replication.factor",
        "offset-syncs.topic.replication.factor", "emit.checkpoints.enabled", "sync.group.offsets.enabled", "replication.policy.class",
    ]
    static let documentedClusterKeys: Set<String> = ["bootstrap.servers"]
    static let documentedPairKeys: Set<String> = ["enabled", "topics", "groups"]
    static let policies: Set<String> = ["org.apache.kafka.connect.mirror.IdentityReplicationPolicy", "org.apache.kafka.connect.mirror.DefaultReplicationPolicy"]

    /// A properties file as `java.util.Properties.load` reads these lines: `#` comments, `key = value`,
    /// `\\` an escaped backslash (the generated files continue no line).
    static func parseProperties(_ text: String) -> [(key: String, value: String)] {
        text.split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), !trimmed.hasPrefix("!"), let eq = trimmed.firstIndex(of: "=") else { return nil }
            let unescape = { (s: Substring) in s.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\\\\", with: "\\") }
            return (unescape(trimmed[..<eq]), unescape(trimmed[trimmed.index(after: eq)...]))
        }
    }

    @Test func everyPropertiesFileNamesOnlyDocumentedMirrorMakerKeys() throws {
        let snap = try KScaleFiles.readSnapshot(Self.snapshot.path)
        var checked = 0
        for c in Self.cases {
            let plan = try Splitter.plan(snap, c.request)
            for target in plan.targets {
                let file = try #require(try plan.files().first { $0.name == MirrorMakerProperties.fileName(target) })
                let entries = Self.parseProperties(String(decoding: file.contents, as: UTF8.self))
                let keys = entries.map(\.key)
                #expect(keys.count == Set(keys).count, "\(file.name): a key twice")
                let values = Dictionary(uniqueKeysWithValues: entries.map { ($0.key, $0.value) })
                let aliases = (values["clusters"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(aliases == [target.mirrorFrom, target.name], "\(file.name): clusters")
                for key in keys {
                    if Self.documentedKeys.contains(key) { continue }
                    if let arrow = key.range(of: "->"), let dot = key[arrow.upperBound...].firstIndex(of: ".") {
                        let (from, to) = (String(key[..<arrow.lowerBound]), String(key[arrow.upperBound..<dot]))
                        #expect(aliases.contains(from) && aliases.contains(to), "\(file.name): \(key) names an undeclared alias")
                        #expect(Self.documentedPairKeys.contains(String(key[key.index(after: dot)...])), "\(file.name): \(key) is not a documented key")
                    } else if let dot = key.firstIndex(of: "."), aliases.contains(String(key[..<dot])) {
                        #expect(Self.documentedClusterKeys.contains(String(key[key.index(after: dot)...])), "\(file.name): \(key) is not a documented key")
                    } else {
                        Issue.record("\(file.name): \(key) is not a MirrorMaker 2 key documented for Kafka 3.x/4.x")
                    }
                }
                #expect(Self.policies.contains(values["replication.policy.class"] ?? ""))
                for flag in ["emit.checkpoints.enabled", "sync.group.offsets.enabled", "\(target.mirrorFrom)->\(target.name).enabled"] {
                    #expect(values[flag] == "true", "\(file.name): \(flag)")
                }
                // The topics list, read as MirrorMaker 2 reads it (each entry a regex matched against the
                // whole name), selects exactly the target's topics among the snapshot's.
                let patterns = try (values["\(target.mirrorFrom)->\(target.name).topics"] ?? "").split(separator: ",")
                    .map { try NSRegularExpression(pattern: "^(?:" + $0.trimmingCharacters(in: .whitespaces) + ")$") }
                let selected = snap.topics.map(\.name).filter { name in
                    patterns.contains { $0.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil }
                }
                #expect(Set(selected) == Set(target.topics), "\(file.name): the topics list selects other topics")
                checked += 1
            }
        }
        #expect(checked >= 4)
    }
}
