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
        discussion: "Sizes are the largest replica of each partition from DescribeLogDirs. Brokers cordoned with cordoned.log.dirs (KIP-1066) are recorded \"cordoned\": true, and plans from the file put no new replica on them. A name ending in .zst is zstd-compressed."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The snapshot file to write (cluster.json or cluster.json.zst).")
    var output: String
    @Flag(name: .long, help: "Skip reading topic configs (DescribeConfigs of topics; broker configs are still read for cordons).")
    var noConfigs = false

    func run() async throws {
        try await runLiveCommand(connection) { admin in
            let state = try await ClusterObservation.read(from: admin, parts: noConfigs ? [.logDirs, .brokerConfigs] : .all)
            let snapshot = state.snapshot()
            try snapshot.validate()
            try KScaleFiles.writeSnapshot(snapshot, to: output)
            for w in state.warnings { printError("warning: \(w)") }
            let bytes = snapshot.topics.reduce(Int64(0)) { $0 + $1.partitions.reduce(0) { $0 + ($1.size ?? 0) * Int64($1.replicas.count) } }
            print("wrote \(output): \(snapshot.brokers.count) brokers, \(snapshot.topics.count) topics, "
                  + "\(snapshot.allPartitions.count) partitions, \(snapshot.replicaCount) replicas, \(ByteUnits.format(bytes)) on disk")
        }
    }
}
