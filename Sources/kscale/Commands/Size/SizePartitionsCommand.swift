import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleIO

/// `kscale size partitions`: partitions for a topic, and what they do to replicas per broker.
struct SizePartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions",
        abstract: "Partitions for a topic: max(ceil(target / per-partition throughput), consumers).",
        discussion: helpDiscussion("""
        With --snapshot, also shows what the count does to replicas per broker against the \
        ~\(ReplicaDensity.guidelinePerBroker)-per-broker guideline (for --topic, an existing topic grows; \
        otherwise a new topic is assumed).
        """, examples: [
            "kscale size partitions --target-throughput 200MB/s --per-partition-throughput 10MB/s --consumers 48",
            "kscale size partitions --target-throughput 200MB/s --per-partition-throughput 10MB/s --snapshot cluster.json --topic orders --output json",
            "kscale size partitions --target-throughput 200MB/s --per-partition-throughput 10MB/s --bootstrap-server kafka-1:9092 --topic orders",
        ])
    )

    @Option(help: "Throughput the topic must sustain, e.g. 200MB/s.")
    var targetThroughput: String
    @Option(help: "Throughput one partition sustains in your measurements, e.g. 10MB/s.")
    var perPartitionThroughput: String
    @Option(help: "Consumers in the largest consumer group reading the topic.")
    var consumers: Int?
    @Option(help: "A cluster snapshot (kafka-cluster-v1, .json or .json.zst) to check replicas per broker against.")
    var snapshot: String?
    @OptionGroup(title: "Instead of --snapshot: read the replicas per broker from a live cluster")
    var connection: ConnectionOptions
    @Option(help: "With --snapshot or --bootstrap-server: the existing topic to grow (otherwise a new topic).")
    var topic: String?
    @Option(help: "With --snapshot or --bootstrap-server: replicas per partition (default: the topic's, or 3 for a new topic).")
    var replicationFactor: Int?
    @OptionGroup var output: OutputOptions

    /// The JSON report: the sizing fields at the top level, so `.partitions` is the answer.
    struct Report: Encodable {
        var sizing: PartitionSizing
        var replicaDensity: ReplicaDensity?
        func encode(to encoder: Encoder) throws {
            try sizing.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encodeIfPresent(replicaDensity, forKey: .replicaDensity)
        }
        enum Key: String, CodingKey { case replicaDensity = "replica_density" }
    }

    /// The cluster to check replicas per broker against: a snapshot file, or one reading of the
    /// live cluster turned into a snapshot (`kscale snapshot` would write the same).
    func readCluster() async throws -> ClusterSnapshot? {
        if let snapshot { return try KScaleFiles.readSnapshot(snapshot) }
        guard connection.bootstrapServer != nil else { return nil }
        return try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
            try await ClusterObservation.read(from: admin, parts: .metadata).snapshot()
        }
    }

    func run() async throws {
        try await reportingErrors {
            let sizing = try PartitionSizing(
                targetThroughput: try parseRateOption(targetThroughput, "--target-throughput"),
                perPartitionThroughput: try parseRateOption(perPartitionThroughput, "--per-partition-throughput"),
                maxConsumers: consumers)
            if snapshot == nil, connection.bootstrapServer == nil, topic != nil || replicationFactor != nil {
                throw InvalidInput("--topic and --replication-factor need --snapshot or --bootstrap-server (the cluster to check replicas per broker against)")
            }
            if snapshot != nil, connection.bootstrapServer != nil {
                throw InvalidInput("give --snapshot or --bootstrap-server, not both")
            }
            var density: ReplicaDensity?
            if let cluster = try await readCluster() {
                guard sizing.partitions <= Int64(Int32.max) else {
                    throw InvalidInput("\(sizing.partitions) partitions is more than Kafka allows in one topic")
                }
                density = try ReplicaDensity(snapshot: cluster, topic: topic, partitions: Int(sizing.partitions),
                                             replicationFactor: replicationFactor)
            }
            switch output.format {
            case .json:
                try printJSON(Report(sizing: sizing, replicaDensity: density))
            case .text:
                print("partitions: \(sizing.partitions)")
                for line in sizing.explanation { print("  " + line) }
                if let density {
                    print("replicas per broker:")
                    for line in density.explanation { print("  " + line) }
                }
            }
        }
    }
}
