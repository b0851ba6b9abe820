import ArgumentParser
import KScaleCore

/// `kscale size brokers`: brokers for a cluster from its network, storage and disk throughput.
struct SizeBrokersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "brokers",
        abstract: "Brokers for a cluster: network in and out, storage and disk throughput at a target utilisation.",
        discussion: helpDiscussion("""
        network in = ingress x RF; network out = egress + ingress x (RF - 1); storage = ingress x retention x RF; \
        disk throughput = ingress x RF + egress x lagging share. Each needs ceil(demand / (per-broker capacity x \
        target utilisation)) brokers; the answer is the largest, and never fewer than RF.
        """, examples: [
            "kscale size brokers --ingress 100MB/s --egress 200MB/s --replication-factor 3 --retention-hours 168 --broker-network 125MB/s --broker-disk 2TB",
            "kscale size brokers --ingress 100MB/s --egress 200MB/s --replication-factor 3 --retention-hours 168 --broker-network 125MB/s --broker-disk 2TB --broker-disk-throughput 250MB/s --lagging-consumers 10% --output json",
        ])
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
    @OptionGroup var output: OutputOptions

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
            switch output.format {
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
