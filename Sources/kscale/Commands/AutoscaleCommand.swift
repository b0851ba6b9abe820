import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTime
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `kscale autoscale`: decide, from a policy and the cluster's signals, whether to add or remove
/// brokers, and (the loop, with `--execute`) do it safely (docs/autoscale.md).
/// `kscale autoscale --once ...` runs the default subcommand, `AutoscaleRun`; the group itself holds
/// no options, so `validate --policy` is not taken for the group's.
struct AutoscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoscale",
        abstract: "Add and remove brokers by a policy: a long-running loop (dry run unless --execute), or one evaluation.",
        discussion: helpDiscussion(AutoscaleRun.text, examples: AutoscaleRun.examples),
        subcommands: [AutoscaleRun.self, AutoscaleValidate.self, AutoscaleStatus.self, AutoscalePause.self, AutoscaleResume.self],
        defaultSubcommand: AutoscaleRun.self
    )
}

/// `--state-dir` of the autoscaler: its own directory (state journal, window, event log, lock and
/// the flows' runs), not the runs root of the other commands.
struct AutoscaleStateDirOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The autoscaler's state directory: state, window, event log (events.jsonl), lock, and its operations' journals (default ~/.kscale/autoscale, or $KSCALE_HOME/autoscale).",
                                            valueName: "dir"))
    var stateDir: String?

    var dir: String { RunDirectory.normalized(stateDir ?? AutoscaleStateDir.defaultDirectory) }
}

/// `kscale autoscale [run]`: the loop, or `--once` one evaluation (over snapshots or the cluster).
struct AutoscaleRun: AsyncParsableCommand {
    static let text = """
        Without --once: the long-running loop. Every evaluation.interval it reads the cluster (--bootstrap-server) \
        once, measures its traffic over the interval, appends the sample to the window in --state-dir and decides; \
        every evaluation and action goes to the event log (events.jsonl in --state-dir) and to stdout. Without \
        --execute it changes nothing and says what it would do. With --execute it provisions and runs kscale's \
        scale-out, or drains (scale-in), judges every broker SAFE TO STOP on a fresh reading, and only then runs the \
        provisioner's remove. A failed action pauses autoscaling (kscale autoscale status / resume). Ctrl-C or \
        SIGTERM stops it at a safe point and exits 0; an interrupted operation is finished on the next start.
        --once evaluates once: over --snapshot (a snapshot with rates: kscale snapshot --sample, or gen_cluster.py; \
        several --snapshot, oldest first, are samples evaluation.interval apart ending at --now), or against \
        --bootstrap-server (one sample over evaluation.interval, then the decision; with --execute, the action).
        """
    static let examples = [
        "kscale autoscale validate --policy policy.yaml",
        "kscale autoscale --bootstrap-server kafka-1:9092 --policy policy.yaml --broker-capacity capacity.json",
        "kscale autoscale run --bootstrap-server kafka-1:9092 --policy policy.yaml --state-dir /var/lib/kscale/autoscale --execute --metrics-port 9464",
        "kscale autoscale status --state-dir /var/lib/kscale/autoscale",
        "kscale autoscale --once --policy policy.yaml --snapshot sampled.json --output json",
        "kscale autoscale --once --policy policy.yaml --snapshot a.json --snapshot b.json --now 2026-12-01T08:00:00Z",
    ]

    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the autoscaling loop (dry run unless --execute), or --once evaluate a policy once.",
        discussion: helpDiscussion(text, examples: examples.filter { $0.contains("autoscale run") || $0.contains("--once") || $0.contains("autoscale --bootstrap") }))

    @Option(help: ArgumentHelp("The autoscaling policy (YAML, docs/autoscale.md).", valueName: "file"))
    var policy: String?

    @Flag(help: "Evaluate once and print the decision (over --snapshot, or the cluster of --bootstrap-server).")
    var once = false

    @Option(help: ArgumentHelp("A cluster snapshot with rates (repeatable, oldest first: samples of the window).", valueName: "file"))
    var snapshot: [String] = []

    @Option(help: ArgumentHelp("Broker network (and disk) capacities: kscale's JSON or Cruise Control's capacity.json.", valueName: "file"))
    var brokerCapacity: String?

    @Option(help: ArgumentHelp("With --snapshot: the instant of the evaluation, ISO 8601 (default: now). Schedules fire by it.", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("With --snapshot: when the last scale action ended, ISO 8601 (the cooldowns run from it; the loop keeps it in --state-dir).", valueName: "time"))
    var lastActionEnd: String?

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var state: AutoscaleStateDirOptions
    @OptionGroup var gate: DryRunGateOptions

    @Option(help: ArgumentHelp("Serve Prometheus metrics on 127.0.0.1:PORT (kscale_autoscale_*, kscale_rebalance_active, ...).", valueName: "port"))
    var metricsPort: Int?

    @Option(help: ArgumentHelp("The Prometheus HTTP API the policy's cpu signal (its prometheus: query) is read from.", valueName: "url"))
    var prometheusURL: String?

    @Option(help: ArgumentHelp("How long a scale-out waits for the provisioned brokers to register.", valueName: "duration"))
    var registrationTimeout = "5m"

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            guard let policy else { throw InvalidInput("--policy FILE is required") }
            let rules = try PolicyFiles.readAutoscalePolicy(policy)
            if once, !snapshot.isEmpty {
                guard connection.bootstrapServer == nil else { throw InvalidInput("--once takes --snapshot FILE or --bootstrap-server, not both") }
                guard !gate.execute else { throw InvalidInput("--execute needs a cluster: --once --bootstrap-server HOST:PORT --execute (over snapshots nothing can change)") }
                try evaluateSnapshots(rules)
                return
            }
            guard connection.bootstrapServer != nil else {
                throw InvalidInput(once ? "--once needs --snapshot FILE (a snapshot with rates) or --bootstrap-server HOST:PORT"
                                        : "kscale autoscale (the loop) needs --bootstrap-server HOST:PORT; or give --once --snapshot FILE")
            }
            if now != nil || lastActionEnd != nil { throw InvalidInput("--now and --last-action-end are for --once --snapshot; the loop reads its clock and its state dir") }
            if let port = metricsPort, !(0...65535).contains(port) { throw InvalidInput("--metrics-port \(port) is not a port (0-65535)") }
            let cpuQuery = Self.cpuQuery(rules)
            if cpuQuery != nil, prometheusURL == nil {
                printError("note: the policy's cpu signal needs --prometheus-url URL; without it the signal is unknown, so it never scales out and blocks every scale-in on demand")
            }
            if prometheusURL != nil, cpuQuery == nil { throw InvalidInput("--prometheus-url is read only for a cpu signal with a prometheus: query, and the policy has none") }
            try await runLive(rules)
        }
    }

    private func evaluateSnapshots(_ rules: AutoscalePolicy) throws {
        let instant = try now.map { try parseInstant($0, option: "--now") } ?? Date()
        let lastEnd = try lastActionEnd.map { try parseInstant($0, option: "--last-action-end") }
        let snapshots = try snapshot.map { try KScaleFiles.readSnapshot($0, capacities: brokerCapacity) }
        guard let newest = snapshots.last else { return }
        let window = SignalWindow.evenlySpaced(snapshots, endingAt: instant, interval: rules.evaluation.interval)
        let decision = AutoscaleDecision.decide(AutoscaleInput(policy: rules, window: window, snapshot: newest,
                                                               lastActionEnd: lastEnd, now: instant))
        if output.format == .json { try printJSON(decision) } else { print(AutoscaleText.render(decision, changesNothing: true), terminator: "") }
    }

    /// The loop (or one live evaluation) on the cluster, through the one dry-run gate.
    private func runLive(_ rules: AutoscalePolicy) async throws {
        let capacities = try brokerCapacity.map { try KScaleFiles.readCapacities($0) }
        if gate.execute && rules.provisioner == nil {
            throw InvalidInput("--execute needs a provisioner in the policy (provisioner.kind: command, strimzi or compose; docs/autoscale.md, \"Provisioners\"): without one kscale cannot add or remove brokers")
        }
        let provisioner: any BrokerProvisioner = rules.provisioner.map(makeProvisioner) ?? NoProvisioner()
        let metrics = metricsPort.map { _ in AutoscaleMetrics() }
        var endpoint: MetricsEndpoint?
        if let metrics, let port = metricsPort {
            endpoint = try await MetricsEndpoint.start(port: port, metrics: metrics)
            printError("note: metrics on http://127.0.0.1:\(endpoint?.port ?? port)/metrics")
        }
        do {
            try await live(rules, provisioner: provisioner, capacities: capacities, metrics: metrics)
        } catch {
            await endpoint?.stop()
            throw error
        }
        await endpoint?.stop()
    }

    private func live(_ rules: AutoscalePolicy, provisioner: any BrokerProvisioner, capacities: BrokerCapacities?,
                      metrics: AutoscaleMetrics?) async throws {
        let json = output.format == .json
        try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout,
                            execute: gate.execute) { admin in
            let loop = AutoscaleLoop(
                admin: admin, policy: rules, provisioner: provisioner,
                unregister: { broker in
                    if try await !admin.unregisterBroker(broker, skippingZooKeeper: true) {
                        printError("note: broker \(broker) was removed; on ZooKeeper its registration ended when it stopped")
                    }
                },
                clock: connection.runClock, stateDir: state.dir,
                settings: AutoscaleSettings(registrationTimeout: try parseDuration(registrationTimeout, option: "--registration-timeout"),
                                            capacities: capacities, bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig,
                                            cpu: cpuReader(rules)),
                notify: { url, body in try await postJSON(url, body) }, metrics: metrics,
                emit: { event in
                    if json {
                        if let line = try? AutoscaleText.jsonLine(event) { writeLine(line) }
                    } else {
                        writeLine("\(event.at) [\(event.type)] \(event.message)")
                    }
                })
            if once {
                let evaluation = try await loop.once()
                if json { try printJSON(evaluation.decision) } else { print(AutoscaleText.render(evaluation.decision, changesNothing: !gate.execute), terminator: "") }
            } else {
                try await loop.run()
            }
        }
    }

    /// The policy's cpu signal's Prometheus query, if it has one.
    static func cpuQuery(_ rules: AutoscalePolicy) -> String? { rules.signals.first { $0.kind == .cpu }?.prometheus }

    /// The cpu signal's reader: the policy's query against `--prometheus-url`; nil without either.
    private func cpuReader(_ rules: AutoscalePolicy) -> (@Sendable () async throws -> Double?)? {
        guard let url = prometheusURL, let query = Self.cpuQuery(rules) else { return nil }
        return { PrometheusSignal.value(try await readPrometheusSignal(url: url, query: query)) }
    }

    private func parseInstant(_ text: String, option: String) throws -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw InvalidInput("\(option) \"\(text)\" is not an ISO 8601 time such as 2026-12-01T08:00:00Z")
        }
        return date
    }
}

/// `notify.webhook`: one POST of a JSON body, best effort (the loop logs a failure).
func postJSON(_ url: String, _ body: Data) async throws {
    guard let target = URL(string: url) else { throw InvalidInput("notify.webhook \"\(url)\" is not a URL") }
    var request = URLRequest(url: target, timeoutInterval: 10)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = body
    let (_, response) = try await URLSession.shared.data(for: request)
    if let http = response as? HTTPURLResponse, !(200..<300).contains(http.statusCode) {
        throw InvalidInput("the webhook answered HTTP \(http.statusCode)")
    }
}

/// `kscale autoscale status`: the state in a state dir.
struct AutoscaleStatus: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show an autoscaler's state: running or not, paused and why, the last actions, when the cooldowns end.",
        discussion: helpDiscussion("", examples: [
            "kscale autoscale status --state-dir /var/lib/kscale/autoscale",
            "kscale autoscale status --state-dir /var/lib/kscale/autoscale --policy policy.yaml --output json",
        ]))

    @OptionGroup var state: AutoscaleStateDirOptions
    @Option(help: ArgumentHelp("The policy, for when the cooldowns end (optional).", valueName: "file"))
    var policy: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let rules = try policy.map { try PolicyFiles.readAutoscalePolicy($0) }
            let report = AutoscaleStatusReport(dir: state.dir, state: try AutoscaleStateDir.readState(state.dir),
                                               running: AutoscaleStateDir.isRunning(state.dir), policy: rules)
            if output.format == .json { try printJSON(report) } else { print(report.text, terminator: "") }
        }
    }
}

/// `kscale autoscale pause`: no action until `resume` (the loop keeps evaluating and logging).
struct AutoscalePause: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause",
        abstract: "Pause autoscaling: the loop keeps deciding and logging but takes no action until resume.",
        discussion: helpDiscussion("", examples: ["kscale autoscale pause --state-dir /var/lib/kscale/autoscale --reason maintenance"]))

    @OptionGroup var state: AutoscaleStateDirOptions
    @Option(help: "Why (shown by status).")
    var reason: String = "paused by hand"

    func run() async throws {
        try await reportingErrors {
            try AutoscaleStateDir.pause(state.dir, reason: reason, at: SystemClock().now())
            print("autoscaling in \(state.dir) paused: \(reason)")
        }
    }
}

/// `kscale autoscale resume`: clears the pause (a failed action's or a hand-set one).
struct AutoscaleResume: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Clear an autoscaler's pause (after a failed action, once its cause is fixed).",
        discussion: helpDiscussion("", examples: ["kscale autoscale resume --state-dir /var/lib/kscale/autoscale"]))

    @OptionGroup var state: AutoscaleStateDirOptions

    func run() async throws {
        try await reportingErrors {
            if let cleared = try AutoscaleStateDir.resume(state.dir, at: SystemClock().now()) {
                print("autoscaling in \(state.dir) resumed (it was paused: \(cleared.reason))")
            } else {
                print("autoscaling in \(state.dir) was not paused")
            }
        }
    }
}

/// `kscale autoscale validate`: check a policy; exit 0, or 2 with every problem (line and key).
struct AutoscaleValidate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check an autoscaling policy: exit 0, or 2 naming every problem with its line and key.",
        discussion: helpDiscussion("", examples: [
            "kscale autoscale validate --policy policy.yaml",
        ]))

    @Option(help: ArgumentHelp("The autoscaling policy (YAML, docs/autoscale.md).", valueName: "file"))
    var policy: String

    func run() async throws {
        try await reportingErrors {
            let rules = try PolicyFiles.readAutoscalePolicy(policy)
            print("policy \(policy) is valid: brokers \(rules.brokers.min)..\(rules.brokers.max), \(rules.signals.count) signal\(rules.signals.count == 1 ? "" : "s"), \(rules.schedule.count) schedule entr\(rules.schedule.count == 1 ? "y" : "ies")")
        }
    }
}

/// The decision for people.
enum AutoscaleText {
    static func render(_ decision: AutoscaleDecision, changesNothing: Bool) -> String {
        var lines: [String] = []
        switch decision.action {
        case .none: lines.append("decision: none")
        case .scaleOut, .scaleIn:
            let verb = decision.action == .scaleOut ? "add" : "remove"
            let named = decision.brokers.map { broker in broker.rack.map { "\(broker.id) (rack \($0))" } ?? "\(broker.id)" }
            lines.append("decision: \(decision.action.rawValue) by \(decision.count): \(verb) \(named.joined(separator: ", "))")
        }
        lines.append("reason: \(decision.reason.summary)")
        lines.append("brokers: \(decision.current) now, floor \(decision.floor), ceiling \(decision.ceiling)")
        if !decision.signals.isEmpty {
            var table = TextTable(["signal", "now", "state", "thresholds", "window (oldest first)"])
            for name in decision.signals.keys.sorted() {
                guard let reading = decision.signals[name], let kind = AutoscalePolicy.SignalKind(rawValue: name) else { continue }
                func show(_ value: Double?) -> String { value.map(kind.formatted) ?? "?" }
                let thresholds = [reading.outAbove.map { "out above \(show($0))" }, reading.inBelow.map { "in below \(show($0))" },
                                  reading.predictedAfterScaleIn.map { "after scale-in \(show($0))" }].compactMap { $0 }
                table.add([name, show(reading.value), reading.state.rawValue, thresholds.joined(separator: ", "),
                           reading.window.map(show).joined(separator: " ")])
            }
            lines.append(table.render())
        }
        for block in decision.blockedBy {
            lines.append("blocked by \(block.kind.rawValue): \(block.detail)\(block.until.map { " (until \($0))" } ?? "")")
        }
        lines.append("next evaluation: \(decision.nextEvaluation)")
        if changesNothing { lines.append("changes nothing: a dry run only decides (add --execute against a cluster to act)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// One event as a JSON line.
    static func jsonLine(_ event: AutoscaleEvent) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(event), as: UTF8.self)
    }
}
