import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleIO

/// `kscale snapshot`: a live cluster written in the planner's snapshot format, so planning can
/// happen offline, be reviewed, and be repeated on the same input.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write a live cluster's brokers, racks, replicas, ISR, leaders and sizes as a snapshot file.",
        discussion: helpDiscussion("Sizes are the largest replica of each partition from DescribeLogDirs. Brokers cordoned with cordoned.log.dirs (KIP-1066) are recorded \"cordoned\": true, and plans from the file put no new replica on them. A name ending in .zst is zstd-compressed.", examples: [
            "kscale snapshot --bootstrap-server kafka-1:9092 --out cluster.json.zst",
            "kscale snapshot --bootstrap-server kafka-1:9092 --command-config client.properties --out cluster.json --no-configs --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: ArgumentHelp("The snapshot file to write (cluster.json or cluster.json.zst). Required. (Was --output FILE, deprecated.)", valueName: "file"))
    var out: String?
    @OptionGroup var output: FormatOrFileOutputOptions
    @Flag(name: .long, help: "Skip reading topic configs (DescribeConfigs of topics; broker configs are still read for cordons).")
    var noConfigs = false

    /// What `--output json` prints: the file written and what it holds.
    struct Written: Encodable {
        var file: String
        var brokers: Int
        var topics: Int
        var partitions: Int
        var replicas: Int
        var bytesOnDisk: Int64
        enum CodingKeys: String, CodingKey {
            case file, brokers, topics, partitions, replicas
            case bytesOnDisk = "bytes_on_disk"
        }
    }

    func run() async throws {
        // Before connecting: a missing file name is bad input, whatever the cluster.
        let file = try await reportingErrors { () -> String in
            guard let file = try output.file(out: out) else { throw InvalidInput("--out FILE is required: the snapshot file to write (cluster.json or cluster.json.zst)") }
            return file
        }
        try await runLiveCommand(connection) { admin in
            let state = try await ClusterObservation.read(from: admin, parts: noConfigs ? [.logDirs, .brokerConfigs] : .all)
            let snapshot = state.snapshot()
            try snapshot.validate()
            try KScaleFiles.writeSnapshot(snapshot, to: file)
            for w in state.warnings { printError("warning: \(w)") }
            let bytes = snapshot.topics.reduce(Int64(0)) { $0 + $1.partitions.reduce(0) { $0 + ($1.size ?? 0) * Int64($1.replicas.count) } }
            let written = Written(file: file, brokers: snapshot.brokers.count, topics: snapshot.topics.count,
                                  partitions: snapshot.allPartitions.count, replicas: snapshot.replicaCount, bytesOnDisk: bytes)
            switch output.format {
            case .json:
                try printJSON(written)
            case .text:
                print("wrote \(file): \(written.brokers) brokers, \(written.topics) topics, "
                      + "\(written.partitions) partitions, \(written.replicas) replicas, \(ByteUnits.format(bytes)) on disk")
            }
        }
    }
}
