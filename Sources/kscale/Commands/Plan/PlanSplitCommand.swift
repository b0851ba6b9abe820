import ArgumentParser
import Foundation
import KScaleCore
import KScaleIO

/// `kscale plan split`: a monolithic cluster's topics packed into smaller clusters within quotas,
/// with a MirrorMaker 2 file and a cutover runbook per target. The packing is `Splitter.plan`.
struct PlanSplit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "split",
        abstract: "Split a cluster into smaller clusters within per-cluster and per-partition quotas, with the MirrorMaker 2 migration.",
        discussion: helpDiscussion("""
        Topics that must stay together form groups (--group-by prefix:DELIM, --group-by consumers, or --groups FILE); a \
        group is never split and internal (__) topics stay behind. by-owner packs the groups into the fewest clusters \
        within each cluster's write, read and partition limits less the headroom; write-read keeps one write cluster for \
        the producers and packs consumer groups into read clusters fed by MirrorMaker 2. A topic whose partitions pass a \
        per-partition limit gets the sizing formula's count, marked as a partition increase that remaps keys. The plan \
        reports the lower bound max(ceil(write / usable write), ceil(read / usable read), ceil(partitions / usable \
        partitions)). With --output-dir it writes split.json and, per target, NAME.mm2.properties and NAME.runbook.md \
        (docs/runbooks/split-cluster.md). Needs a sampled snapshot (kscale snapshot --sample).
        """, examples: [
            "kscale plan split --snapshot sampled.json --max-cluster-write 200MB/s --max-cluster-read 400MB/s --max-partition-write 5MB/s --max-partition-read 10MB/s --output-dir split",
            "# Keep each consumer group's topics together, at most 3000 partitions per cluster, 10% headroom:",
            "kscale plan split --snapshot sampled.json --group-by consumers --max-cluster-write 200MB/s --max-cluster-partitions 3000 --headroom 10%",
            "# One write cluster and read clusters per consumer-group topic set, as JSON:",
            "kscale plan split --snapshot sampled.json --strategy write-read --max-cluster-read 400MB/s --output json",
            "kscale plan split --snapshot sampled.json --groups groups.yaml --clusters 4 --max-cluster-write 200MB/s --broker-network 125MB/s --broker-disk 4TB",
        ]))

    enum Strategy: String, ExpressibleByArgument, CaseIterable {
        case byOwner = "by-owner", writeRead = "write-read"
    }

    @Option(help: "Sampled cluster snapshot (kafka-cluster-v1 JSON with bytes_in/out_per_sec; .zst is zstd-compressed).")
    var snapshot: String
    @Option(help: "Exactly this many target clusters (read clusters for write-read); default: the fewest that fit.")
    var clusters: Int?
    @Option(help: "Bytes per second producers may write into one cluster, e.g. 200MB/s.")
    var maxClusterWrite: String?
    @Option(help: "Bytes per second consumers may read from one cluster, e.g. 400MB/s.")
    var maxClusterRead: String?
    @Option(help: "Partitions one cluster may hold.")
    var maxClusterPartitions: Int?
    @Option(help: "Bytes per second producers may write into one partition, e.g. 5MB/s.")
    var maxPartitionWrite: String?
    @Option(help: "Bytes per second consumers may read from one partition, e.g. 10MB/s.")
    var maxPartitionRead: String?
    @Option(help: "Share of each cluster limit kept free, e.g. 20%.")
    var headroom: String = "20%"
    @Option(help: ArgumentHelp("How topics are grouped: prefix:DELIM (the name up to the first DELIM) or consumers (topics a consumer group reads together). Default prefix:.",
                               valueName: "prefix:DELIM|consumers"))
    var groupBy: String?
    @Option(help: "The operator's groups: a YAML mapping of group names to topic lists (unlisted topics are one group each).")
    var groups: String?
    @Option(help: "by-owner (fewest clusters) or write-read (a write cluster and read clusters).")
    var strategy: Strategy = .byOwner
    @Option(help: "Write split.json, NAME.mm2.properties and NAME.runbook.md per target here (made if missing).")
    var outputDir: String?
    @Option(help: "Network per target broker, each direction, for the brokers each target needs (default: the snapshot's brokers' capacity).")
    var brokerNetwork: String?
    @Option(help: "Usable log-dir space per target broker (default: the snapshot's brokers' disk_total_bytes).")
    var brokerDisk: String?
    @Option(help: "Share of each broker resource to plan for, e.g. 70%.")
    var targetUtilization: String = "70%"
    @OptionGroup var output: OutputOptions
    @OptionGroup var inputLimit: InputLimitOptions

    func validate() throws {
        if groupBy != nil && groups != nil { throw ValidationError("give --group-by or --groups, not both") }
        if strategy == .writeRead && (groupBy != nil || groups != nil) {
            throw ValidationError("--strategy write-read groups consumer groups by the topics they read: --group-by and --groups apply to by-owner")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let limits = SplitLimits(
                clusterWrite: try maxClusterWrite.map { try parseRateOption($0, "--max-cluster-write") },
                clusterRead: try maxClusterRead.map { try parseRateOption($0, "--max-cluster-read") },
                clusterPartitions: maxClusterPartitions,
                partitionWrite: try maxPartitionWrite.map { try parseRateOption($0, "--max-partition-write") },
                partitionRead: try maxPartitionRead.map { try parseRateOption($0, "--max-partition-read") },
                headroom: try Percentage.parse(headroom, name: "--headroom", allowZero: true))
            let utilization = try Percentage.parse(targetUtilization, name: "--target-utilization")
            let grouping = try parseGrouping()
            let snap = try KScaleFiles.readSnapshot(snapshot, maxBytes: try inputLimit.bytes)
            let fromSnapshot = SplitSizingBasis.from(snap, targetUtilization: utilization)
            let sizing = SplitSizingBasis(
                brokerNetwork: try brokerNetwork.map { try parseRateOption($0, "--broker-network") } ?? fromSnapshot.brokerNetwork,
                brokerDisk: try brokerDisk.map { try parseSizeOption($0, "--broker-disk") } ?? fromSnapshot.brokerDisk,
                targetUtilization: utilization)
            let request = SplitRequest(strategy: strategy == .byOwner ? .byOwner : .writeRead, grouping: grouping, limits: limits,
                                       clusters: clusters, sizing: sizing)
            let plan = try Splitter.plan(snap, request)
            var written: [String] = []
            if let outputDir {
                try KScaleFiles.createDirectory(outputDir, what: "split output")
                for file in try plan.files() {
                    let path = (outputDir as NSString).appendingPathComponent(file.name)
                    try KScaleFiles.write(file.contents, to: path, what: "split")
                    written.append(path)
                }
            }
            for warning in plan.warnings { printError("warning: \(warning)") }
            switch output.format {
            case .json:
                FileHandle.standardOutput.write(try plan.encoded())
            case .text:
                print(SplitText.render(plan))
                if written.isEmpty {
                    print("give --output-dir DIR to write split.json, the MirrorMaker 2 files and the cutover runbooks")
                } else {
                    print("wrote \(written.joined(separator: ", "))")
                }
            }
        }
    }

    private func parseGrouping() throws -> SplitRequest.Grouping {
        if let groups {
            let text = String(decoding: try KScaleFiles.read(groups, what: "groups", maxBytes: try inputLimit.bytes), as: UTF8.self)
            return .explicit(try SplitGroupsFile.parse(text, file: groups))
        }
        guard let groupBy else { return .prefix(delimiter: ".") }
        if groupBy == "consumers" { return .consumers }
        if groupBy.hasPrefix("prefix:"), groupBy.count > "prefix:".count { return .prefix(delimiter: String(groupBy.dropFirst("prefix:".count))) }
        throw InvalidInput("--group-by \"\(groupBy)\": expected prefix:DELIM (for example prefix:.) or consumers")
    }
}

/// The terminal table: one row per target, then the bound, the mirroring and the partition increases.
enum SplitText {
    static func render(_ plan: SplitPlan) -> String {
        var table = TextTable(["cluster", "role", "groups", "topics", "write", "read", "partitions", "brokers"])
        for t in plan.targets {
            table.add([t.name, t.role.rawValue, String(t.groups.count), String(t.topics.count), ByteUnits.formatRate(t.load.write),
                       ByteUnits.formatRate(t.load.read), String(t.load.partitions), t.brokers.map(String.init) ?? "-"])
        }
        let what = plan.strategy == SplitRequest.Strategy.writeRead.rawValue ? "read clusters" : "clusters"
        var terms: [String] = []
        if let w = plan.lowerBound.write { terms.append("write \(w)") }
        if let r = plan.lowerBound.read { terms.append("read \(r)") }
        if let p = plan.lowerBound.partitions { terms.append("partitions \(p)") }
        var lines = [
            "split (\(plan.strategy), groups by \(plan.grouping)): \(plan.groups.count) groups into \(plan.clusters) \(what); lower bound \(plan.lowerBound.clusters) (\(terms.joined(separator: ", ")))",
            table.render(),
            "mirroring: \(ByteUnits.formatRate(plan.replication)) across clusters \(plan.replicationPermanent ? "for as long as the read clusters are fed" : "during the cutover")",
        ]
        if plan.targets.contains(where: { $0.brokers == nil }), let note = plan.targets.compactMap(\.brokersNote).first {
            lines.append("brokers: \(note)")
        }
        if !plan.partitionIncreases.isEmpty {
            lines.append("partition increases (keys remap: per-key order breaks across the move):")
            for i in plan.partitionIncreases {
                lines.append(i.remapsKeys
                    ? "  \(i.topic): \(i.partitionsBefore) -> \(i.partitionsAfter) (decided by \(i.decidedBy))"
                    : "  \(i.topic): stays at \(i.partitionsBefore), one hot partition (see the warning)")
            }
        }
        if !plan.staysBehind.isEmpty { lines.append("stays behind: \(plan.staysBehind.joined(separator: ", "))") }
        return lines.joined(separator: "\n")
    }
}
