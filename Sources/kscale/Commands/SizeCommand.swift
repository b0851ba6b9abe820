import ArgumentParser
import Foundation
import KScaleCore
import KScaleIO
import KafkaClient

/// `kscale size partitions|brokers`: the two questions asked before scaling, answered with the
/// arithmetic shown so an operator can check it and argue with the inputs, not the tool.
struct SizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Size a topic's partitions or a cluster's brokers from throughput, consumers and retention.",
        subcommands: [SizePartitionsCommand.self, SizeBrokersCommand.self]
    )
}

/// Text for people, JSON for scripts.
enum SizingOutput: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}

/// Encodes a report as stable, pretty JSON on stdout.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Parses a rate option, naming the option in the error.
func parseRateOption(_ text: String, _ option: String) throws -> Int64 {
    if text.trimmingCharacters(in: .whitespaces).hasPrefix("-") { throw InvalidInput("\(option) must not be negative, got \(text)") }
    do { return try ByteUnits.parseRate(text) } catch let e as InvalidInput {
        throw InvalidInput("\(option): \(e.message)")
    }
}

/// Parses a size option, naming the option in the error.
func parseSizeOption(_ text: String, _ option: String) throws -> Int64 {
    if text.trimmingCharacters(in: .whitespaces).hasPrefix("-") { throw InvalidInput("\(option) must not be negative, got \(text)") }
    do { return try ByteUnits.parseSize(text) } catch let e as InvalidInput {
        throw InvalidInput("\(option): \(e.message)")
    }
}

struct SizePartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "partitions",
        abstract: "Partitions for a topic: max(ceil(target / per-partition throughput), consumers).",
        discussion: """
        With --snapshot, also shows what the count does to replicas per broker against the \
        ~\(ReplicaDensity.guidelinePerBroker)-per-broker guideline (for --topic, an existing topic grows; \
        otherwise a new topic is assumed).
        """
    )

    @Option(help: "Throughput the topic must sustain, e.g. 200MB/s.")
    var targetThroughput: String
    @Option(help: "Throughput one partition sustains in your measurements, e.g. 10MB/s.")
    var perPartitionThroughput: String
    @Option(help: "Consumers in the largest consumer group reading the topic.")
    var consumers: Int?
    @Option(help: "A cluster snapshot (kafka-cluster-v1, .json or .json.zst) to check replicas per broker against.")
    var snapshot: String?
    @Option(help: "Instead of --snapshot: read the replicas per broker from a live cluster, host:port[,...].")
    var bootstrapServer: String?
    @Option(help: "With --bootstrap-server: client properties (security.protocol, sasl.*, ssl.*).")
    var commandConfig: String?
    @Option(help: "With --snapshot or --bootstrap-server: the existing topic to grow (otherwise a new topic).")
    var topic: String?
    @Option(help: "With --snapshot or --bootstrap-server: replicas per partition (default: the topic's, or 3 for a new topic).")
    var replicationFactor: Int?
    @Option(help: "text or json.")
    var output: SizingOutput = .text

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

    /// The cluster to check replicas per broker against, from a file or (through librdkafka's
    /// metadata, which has every replica list) from the brokers.
    func readCluster() async throws -> ClusterSnapshot? {
        if let snapshot { return try KScaleFiles.readSnapshot(snapshot) }
        guard let bootstrapServer else { return nil }
        let md = try await RdKafkaAdmin(config: try ClientConfig.load(commandConfig: commandConfig, bootstrap: bootstrapServer)).metadata()
        return ClusterSnapshot(brokers: md.brokers.map { Broker(id: $0.id) }, topics: md.topics.map(TopicState.init(described:)))
    }

    func run() async throws {
        try await reportingErrors {
            let sizing = try PartitionSizing(
                targetThroughput: try parseRateOption(targetThroughput, "--target-throughput"),
                perPartitionThroughput: try parseRateOption(perPartitionThroughput, "--per-partition-throughput"),
                maxConsumers: consumers)
            if snapshot == nil, bootstrapServer == nil, topic != nil || replicationFactor != nil {
                throw InvalidInput("--topic and --replication-factor need --snapshot or --bootstrap-server (the cluster to check replicas per broker against)")
            }
            if snapshot != nil, bootstrapServer != nil {
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
            switch output {
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

struct SizeBrokersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brokers",
        abstract: "Brokers for a cluster: network in and out, storage and disk throughput at a target utilisation.",
        discussion: """
        network in = ingress x RF; network out = egress + ingress x (RF - 1); storage = ingress x retention x RF; \
        disk throughput = ingress x RF + egress x lagging share. Each needs ceil(demand / (per-broker capacity x \
        target utilisation)) brokers; the answer is the largest, and never fewer than RF.
        """
    )

    @Option(help: "Bytes per second producers write, before replication, e.g. 100MB/s.")
    var ingress: String
    @Option(help: "Bytes per second all consumer groups read together, e.g. 200MB/s.")
    var egress: String
    @Option(help: "Replicas per partition.")
    var replicationFactor: Int
    @Option(help: "How long records are kept, in hours.")
    var retentionHours: Double
    @Option(help: "Network per broker, each direction, e.g. 125MB/s for 1 Gbit/s.")
    var brokerNetwork: String
    @Option(help: "Usable log-dir space per broker, e.g. 2TB.")
    var brokerDisk: String
    @Option(help: "Sustained disk throughput per broker, e.g. 250MB/s (optional; sizes disk throughput too).")
    var brokerDiskThroughput: String?
    @Option(help: "Share of egress read by consumers that have fallen behind and read from disk, e.g. 10%.")
    var laggingConsumers: String = "0%"
    @Option(help: "Share of each resource to plan for (the alarm line), e.g. 70%.")
    var targetUtilization: String = "70%"
    @Option(help: "text or json.")
    var output: SizingOutput = .text

    func run() async throws {
        try await reportingErrors {
            let inputs = BrokerSizing.Inputs(
                ingress: try parseRateOption(ingress, "--ingress"),
                egress: try parseRateOption(egress, "--egress"),
                replicationFactor: replicationFactor,
                retentionHours: retentionHours,
                brokerNetwork: try parseRateOption(brokerNetwork, "--broker-network"),
                brokerDisk: try parseSizeOption(brokerDisk, "--broker-disk"),
                brokerDiskThroughput: try brokerDiskThroughput.map { try parseRateOption($0, "--broker-disk-throughput") },
                laggingConsumers: try Percentage.parse(laggingConsumers, name: "--lagging-consumers", allowZero: true),
                targetUtilization: try Percentage.parse(targetUtilization, name: "--target-utilization"))
            let sizing = try BrokerSizing(inputs)
            switch output {
            case .json:
                try printJSON(sizing)
            case .text:
                print("brokers: \(sizing.brokers) (decided by \(sizing.decidedBy.joined(separator: ", ")))")
                var table = TextTable(["resource", "brokers", "arithmetic"])
                for r in sizing.requirements {
                    table.add([r.resource, r.brokers.map(String.init) ?? "-", r.arithmetic])
                }
                print(table.render())
            }
        }
    }
}
