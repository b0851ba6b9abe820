import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec

/// `kscale describe`: the state of a live cluster at a glance (brokers, topics, health counts).
struct DescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Show a live cluster's brokers, topics and under-replicated / offline partitions.",
        discussion: helpDiscussion("", examples: [
            "kscale describe --bootstrap-server kafka-1:9092",
            "kscale describe --bootstrap-server kafka-1:9092 --command-config client.properties --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: "How many topics to list in text output (largest first).")
    var topTopics: Int = 20

    func run() async throws {
        try await runLiveCommand(connection) { admin in
            let summary = ClusterSummary(try await ClusterObservation.read(from: admin))
            switch output.format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            case .text:
                print(Self.render(summary, topTopics: topTopics))
            }
        }
    }

    static func render(_ s: ClusterSummary, topTopics: Int) -> String {
        var out: [String] = []
        let controller = s.controllerID.map(String.init) ?? "none"
        let metadata: String
        if s.metadataMode == "kraft" {
            let voters = s.quorumVoters.map { ", voters " + $0.map(String.init).joined(separator: ",") } ?? ""
            metadata = "KRaft, quorum leader \(controller)\(voters)"
        } else {
            metadata = "\(s.metadataMode == "zookeeper" ? "ZooKeeper, " : "")controller \(controller)"
        }
        out.append("cluster \(s.clusterID ?? "?"), \(metadata), \(s.brokers.count) brokers, "
                   + "\(s.topics.count) topics, \(s.partitionCount) partitions, \(s.replicaCount) replicas, \(ByteUnits.format(s.totalBytes))")
        out.append("")
        var brokers = TextTable(["broker", "rack", "host", "replicas", "leaders", "bytes", "disk used", "moving", "cordoned"])
        for b in s.brokers {
            let id = "\(b.id)" + (b.isController ? "*" : "") + (b.state == .online ? "" : " (\(b.state.rawValue))")
            brokers.add([id, b.rack ?? "-", b.host ?? "-", "\(b.replicas)", "\(b.leaders)", b.bytes.map(ByteUnits.format) ?? "?",
                         b.diskUsedPercent.map { String(format: "%.1f%%", $0) } ?? "-", "\(b.reassignmentsInFlight)", b.cordoned ? "yes" : "no"])
        }
        out.append(brokers.render())
        let marker: String
        if s.metadataMode != "kraft" {
            marker = "* controller; "
        } else if s.brokers.contains(where: \.isController) {
            marker = "* quorum leader (a broker and controller, combined mode); "
        } else {
            marker = ""
        }
        out.append("(\(marker)disk used from DescribeLogDirs v4+, '-' when the broker does not report it; cordoned: cordoned.log.dirs, no new replicas)")
        out.append("")
        var topics = TextTable(["topic", "partitions", "rf", "bytes", "under-replicated", "offline"])
        for t in s.topics.prefix(max(0, topTopics)) {
            topics.add([t.name, "\(t.partitions)", "\(t.replicationFactor)", ByteUnits.format(t.bytes), "\(t.underReplicated)", "\(t.offline)"])
        }
        out.append(topics.render())
        if s.topics.count > topTopics { out.append("... and \(s.topics.count - topTopics) more topics (--top-topics N, or --output json)") }
        out.append("")
        out.append("under-replicated partitions: \(s.underReplicated)")
        out.append("under-min-ISR partitions:    \(s.underMinISR)")
        out.append("offline partitions:          \(s.offline)")
        out.append("reassignments in flight:     \(s.reassignmentsInFlight)")
        for w in s.warnings { out.append("warning: \(w)") }
        return out.joined(separator: "\n")
    }
}

