import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleView

/// `kscale snapshot`: a live cluster written in the planner's snapshot format, so planning can
/// happen offline, be reviewed, and be repeated on the same input.
struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Write a live cluster's brokers, racks, replicas, ISR, leaders and sizes as a snapshot file.",
        discussion: helpDiscussion("Sizes are the largest replica of each partition from DescribeLogDirs. Brokers cordoned with cordoned.log.dirs (KIP-1066) are recorded \"cordoned\": true, and plans from the file put no new replica on them. A name ending in .zst is zstd-compressed.", examples: [
            "kscale snapshot --bootstrap-server kafka-1:9092 --out cluster.json.zst",
            "kscale snapshot --bootstrap-server kafka-1:9092 --command-config client.properties --out cluster.json --no-configs --output json",
            "kscale snapshot --bootstrap-server kafka-1:9092 --sample 60s --out cluster.json.zst",
            "kscale snapshot --bootstrap-server kafka-1:9092 --metrics-url http://prometheus:9090 --metrics-window 5m --out cluster.json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: ArgumentHelp("The snapshot file to write (cluster.json or cluster.json.zst). Required. (Was --output FILE, deprecated.)", valueName: "file"))
    var out: String?
    @OptionGroup var output: FormatOrFileOutputOptions
    @Flag(name: .long, help: "Skip reading topic configs (DescribeConfigs of topics; broker configs are still read for cordons).")
    var noConfigs = false
    @Option(name: .long, help: ArgumentHelp("Measure traffic: read every partition's offsets and every group's commits twice this far apart (e.g. 60s) and record bytes_in_per_sec, bytes_out_per_sec and consumer_groups.", valueName: "duration"))
    var sample: String?
    @Option(name: .long, help: ArgumentHelp("Read per-topic rates from this Prometheus server (JMX exporter names; docs/operator-guide.md) instead of sampling.", valueName: "url"))
    var metricsUrl: String?
    @Option(name: .long, help: ArgumentHelp("The rate() window of the --metrics-url queries (default 5m).", valueName: "duration"))
    var metricsWindow: String = "5m"

    /// What `--output json` prints: the file written and what it holds.
    struct Written: Encodable {
        var file: String
        var brokers: Int
        var topics: Int
        var partitions: Int
        var replicas: Int
        var bytesOnDisk: Int64
        /// With --sample or --metrics-url: bytes/s in and out over every partition measured.
        var bytesInPerSec: Int64?
        var bytesOutPerSec: Int64?
        var consumerGroups: Int?
        /// With --metrics-url: CPU seconds per second of each scraped process (reported, not planned on).
        var cpuByInstance: [String: Double]?
        enum CodingKeys: String, CodingKey {
            case file, brokers, topics, partitions, replicas
            case bytesOnDisk = "bytes_on_disk"
            case bytesInPerSec = "bytes_in_per_sec"
            case bytesOutPerSec = "bytes_out_per_sec"
            case consumerGroups = "consumer_groups"
            case cpuByInstance = "cpu_by_instance"
        }
    }

    func run() async throws {
        // Before connecting: a missing file name is bad input, whatever the cluster.
        let file = try await reportingErrors { () -> String in
            guard let file = try output.file(out: out) else { throw InvalidInput("--out FILE is required: the snapshot file to write (cluster.json or cluster.json.zst)") }
            if sample != nil, metricsUrl != nil { throw InvalidInput("--sample and --metrics-url are two ways to measure traffic: give one") }
            return file
        }
        let interval = try await reportingErrors { try sample.map { try parseDuration($0, option: "--sample") } }
        let window = metricsWindow
        let clock = connection.runClock
        let parts: ReadParts = noConfigs ? [.logDirs, .brokerConfigs] : .all
        try await runLiveCommand(connection) { admin in
            var traffic: MeasuredTraffic?
            var cpu: [String: Double]?
            let state: ClusterObservation
            if let interval {
                let wait = WaitLine(enabled: output.format == .text && isatty(STDERR_FILENO) == 1)
                let sampled = try await TrafficSampler.sample(admin, parts: parts, interval: interval, clock: clock) { waited, total in
                    wait.draw(waited: waited, total: total)
                }
                wait.finish()
                state = sampled.observation
                traffic = sampled.traffic
            } else {
                state = try await ClusterObservation.read(from: admin, parts: parts)
            }
            var snapshot = state.snapshot()
            if let metricsUrl {
                let reading = try await PrometheusTraffic.read(baseURL: metricsUrl, window: window,
                                                               get: PrometheusTraffic.httpGet(baseURL: metricsUrl))
                traffic = PrometheusTraffic.traffic(reading, snapshot: snapshot)
                cpu = reading.cpuByInstance
            }
            if let traffic {
                snapshot = snapshot.withTraffic(traffic)
                if metricsUrl != nil { snapshot.consumerGroups = nil }
                for note in traffic.notes { printError("note: \(note)") }
            }
            try snapshot.validate()
            try KScaleFiles.writeSnapshot(snapshot, to: file)
            for w in state.warnings { printError("warning: \(w)") }
            let bytes = snapshot.topics.reduce(Int64(0)) { $0 + $1.partitions.reduce(0) { $0 + ($1.size ?? 0) * Int64($1.replicas.count) } }
            var written = Written(file: file, brokers: snapshot.brokers.count, topics: snapshot.topics.count,
                                  partitions: snapshot.allPartitions.count, replicas: snapshot.replicaCount, bytesOnDisk: bytes)
            if let traffic {
                written.bytesInPerSec = traffic.bytesInPerSec.values.reduce(0, +)
                written.bytesOutPerSec = traffic.bytesOutPerSec.values.reduce(0, +)
                written.consumerGroups = metricsUrl == nil ? traffic.consumerGroups.count : nil
                written.cpuByInstance = cpu
            }
            switch output.format {
            case .json:
                try printJSON(written)
            case .text:
                print("wrote \(file): \(written.brokers) brokers, \(written.topics) topics, "
                      + "\(written.partitions) partitions, \(written.replicas) replicas, \(ByteUnits.format(bytes)) on disk")
                if let bytesIn = written.bytesInPerSec, let bytesOut = written.bytesOutPerSec {
                    print("traffic: \(ByteUnits.formatRate(bytesIn)) in, \(ByteUnits.formatRate(bytesOut)) out"
                          + (written.consumerGroups.map { ", \($0) consumer groups" } ?? ""))
                }
                for (instance, seconds) in (cpu ?? [:]).sorted(by: { $0.key < $1.key }) {
                    print("cpu \(instance): \(String(format: "%.2f", seconds)) cores (reported only; not planned on)")
                }
            }
        }
    }
}

/// The sample's wait on stderr: a bar that fills over the interval, redrawn in place (nothing when
/// stderr is not a terminal or the output is JSON).
private final class WaitLine: @unchecked Sendable {
    private let enabled: Bool
    private let lock = NSLock()
    private var shown = false
    init(enabled: Bool) { self.enabled = enabled }

    func draw(waited: Double, total: Double) {
        guard enabled else { return }
        lock.withLock {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + ProgressBar.waitLine(waited: waited, total: total, columns: TerminalWidth.current())).utf8))
            shown = true
        }
    }

    func finish() {
        lock.withLock {
            if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            shown = false
        }
    }
}
