import ArgumentParser
import Foundation
import KScaleCore
import KScaleIO
import KafkaSim

/// `kscale sim`: runs a simulated cluster from a snapshot on loopback ports, for tests, demos and
/// rehearsing a runbook before touching production. See docs/simulator.md.
struct SimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run a simulated Kafka cluster (KafkaSim) from a snapshot file.",
        discussion: helpDiscussion("""
        Broker i of the snapshot (in file order) listens on --port + i. Prints `bootstrap HOST:PORT`
        and `control http://HOST:PORT` once every listener accepts connections, then runs until
        SIGINT or SIGTERM. Control API: GET /state, GET /mutations, POST /brokers/{id}/stop|start,
        POST /controller/{id}, POST /brokers/{id}/slow?ms=N, POST /brokers/{id}/drop?count=N.
        A snapshot broker with "registered": false is dormant (a machine whose Kafka has not started): it
        holds no replica, its port is not in the bootstrap list, and it is absent from Metadata and
        DescribeCluster until POST /brokers/{id}/start registers and starts it. KRaft profiles from 3.0
        serve UnregisterBroker (key 64).
        """, examples: [
            "kscale sim --snapshot Fixtures/quickstart-cluster.json --time-scale 100",
            "# Then, in another shell, with the same time scale:",
            "kscale check --bootstrap-server 127.0.0.1:19092 --time-scale 100",
            "kscale sim --snapshot cluster.json.zst --port 29092 --control-port 29090 --ingest 1MB/s --users users.txt",
        ])
    )

    @Option(help: "Snapshot file (kafka-cluster-v1 JSON, .zst allowed).")
    var snapshot: String

    @Option(help: "Address to listen on.")
    var listen = "127.0.0.1"

    @Option(help: "Port of the first broker; broker i listens on port + i (0: ephemeral ports).")
    var port = 19092

    @Option(name: .customLong("control-port"), help: "Port of the HTTP control API.")
    var controlPort = 19090

    @Option(name: .customLong("time-scale"), help: "Simulated seconds per wall-clock second.")
    var timeScale = 1.0

    @Option(name: .customLong("broker-network"), help: "Network rate per broker and direction, e.g. 125MB/s.")
    var brokerNetwork = "125MB/s"

    @Option(help: "Ingest rate per partition leader, e.g. 1MB/s (0 for none).")
    var ingest = "0"

    @Option(help: "SASL users file: one `MECHANISM USER PASSWORD` per line (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512); turns the listeners into SASL_PLAINTEXT.")
    var users: String?

    @OptionGroup var inputLimit: InputLimitOptions

    @Option(help: "The most partitions one CreateTopics or CreatePartitions request may create (Kafka's KRaft limit is 10000).")
    var maxPartitionsPerRequest = 10_000

    @Option(name: .customLong("kafka-version"), help: "The Kafka release to behave as (2.4 to 3.9, 4.0 to 4.3; docs/simulator.md, \"Profiles\").")
    var kafkaVersion = "4.3"

    @Option(help: "zookeeper or kraft (default: kraft from 3.3, zookeeper before).")
    var mode: String?

    @Flag(help: "KRaft combined mode: the first three brokers are also the quorum's voters (process.roles=broker,controller).")
    var combined = false

    @Option(name: .customLong("metadata-version"), help: "KRaft from 3.3: the finalized metadata.version, as a feature level (29) or its name (4.2-IV1); default the release's newest. 4.3 brokers below 4.3-IV0 accept cordons and ignore them, as during an upgrade not finalized.")
    var metadataVersion: String?

    @Option(name: .customLong("metadata-lag"), help: "How far behind the controller the brokers' metadata is, e.g. 500ms: Metadata and (KRaft) DescribeConfigs answer from the cluster as it was that long ago, in simulated time (default 0).")
    var metadataLag = "0"

    func run() async throws {
        try await reportingErrors {
            guard timeScale > 0, timeScale.isFinite else { throw InvalidInput("--time-scale must be a positive number, got \(timeScale)") }
            guard (0...65535).contains(port), (0...65535).contains(controlPort) else { throw InvalidInput("ports must be between 0 and 65535") }
            let snap = try KScaleFiles.readSnapshot(snapshot, maxBytes: try inputLimit.bytes)
            let simUsers = try users.map { try Self.readUsers($0) } ?? []
            guard maxPartitionsPerRequest > 0 else { throw InvalidInput("--max-partitions-per-request must be positive, got \(maxPartitionsPerRequest)") }
            let kafkaMode = try mode.map { m in
                guard let parsed = KafkaMode(rawValue: m.lowercased()) else { throw InvalidInput("--mode must be zookeeper or kraft, got '\(m)'") }
                return parsed
            }
            var profile = try KafkaProfile(version: kafkaVersion, mode: kafkaMode, combined: combined)
            if let metadataVersion { profile = try Self.finalizing(metadataVersion, on: profile) }
            var options = SimOptions(
                listenHost: listen, basePort: port, timeScale: timeScale,
                brokerNetworkBytesPerSec: try parseRateOption(brokerNetwork, "--broker-network"),
                ingestBytesPerSecPerPartition: try parseRateOption(ingest, "--ingest"),
                users: simUsers, securityProtocol: simUsers.isEmpty ? .plaintext : .saslPlaintext,
                controlPort: controlPort, profile: profile)
            options.maxPartitionsPerRequest = maxPartitionsPerRequest
            options.metadataLag = MetadataLag(seconds: try Self.parseLag(metadataLag))
            let sim = try await SimCluster.start(snapshot: snap, options: options)
            let first = sim.bootstrapServers.split(separator: ",").first.map(String.init) ?? sim.bootstrapServers
            // Written unbuffered: scripts wait for these lines before connecting.
            FileHandle.standardOutput.write(Data("bootstrap \(first)\ncontrol \(sim.controlURL ?? "")\n".utf8))
            await Self.waitForTermination()
            await sim.shutdown()
        }
    }

    /// `--metadata-version`: `profile` with that level finalized, or why it cannot be.
    static func finalizing(_ text: String, on profile: KafkaProfile) throws -> KafkaProfile {
        guard let level = MetadataVersionLevel.level(named: text) else {
            throw InvalidInput("--metadata-version must be a feature level such as 29 or a name such as 4.2-IV1, got '\(text)'")
        }
        do {
            return try profile.withMetadataVersion(level)
        } catch let refused as InvalidInput {
            throw InvalidInput("--metadata-version \(text): \(refused.message)")
        }
    }

    /// `--metadata-lag`: a duration (`500ms`, `2s`), or 0 for none.
    static func parseLag(_ text: String) throws -> Double {
        if let zero = Double(text.trimmingCharacters(in: .whitespaces)), zero == 0 { return 0 }
        return try parseDuration(text, option: "--metadata-lag")
    }

    /// Parses the users file without ever echoing a password back.
    static func readUsers(_ path: String) throws -> [SimUser] {
        let text = String(decoding: try KScaleFiles.read(path, what: "users file"), as: UTF8.self)
        var out: [SimUser] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let fields = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
            guard fields.count == 3, let mechanism = SimSaslMechanism(rawValue: fields[0].uppercased()) else {
                throw InvalidInput("\(path) line \(n + 1): expected `MECHANISM USER PASSWORD` with MECHANISM one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512")
            }
            out.append(SimUser(name: fields[1], password: fields[2], mechanism: mechanism))
        }
        guard !out.isEmpty else { throw InvalidInput("\(path) lists no users") }
        return out
    }

    /// Suspends until SIGINT or SIGTERM.
    static func waitForTermination() async {
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            let once = ResumeOnce(cont)
            for sig in [SIGINT, SIGTERM] {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: .main)
                source.setEventHandler { once.resume() }
                source.resume()
                SignalSources.keep(source)
            }
        }
    }
}

/// Resumes a continuation at most once, whichever signal comes first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var cont: CheckedContinuation<Void, Never>?
    init(_ c: CheckedContinuation<Void, Never>) { cont = c }
    func resume() {
        let c = lock.withLock { () -> CheckedContinuation<Void, Never>? in
            defer { cont = nil }
            return cont
        }
        c?.resume()
    }
}

/// Keeps signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []
    static func keep(_ s: DispatchSourceSignal) { sources.append(s) }
}
