import ArgumentParser
import Foundation
import KScaleCore
import KScaleIO

/// `kscale autoscale`: decide, from a policy and the cluster's signals, whether to add or remove
/// brokers (docs/autoscale.md). This slice evaluates once over snapshots and changes nothing.
/// `kscale autoscale --once ...` runs the default subcommand, `AutoscaleRun`; the group itself holds
/// no options, so `validate --policy` is not taken for the group's.
struct AutoscaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "autoscale",
        abstract: "Decide, from a policy, whether to add or remove brokers (one evaluation over snapshots; changes nothing).",
        discussion: helpDiscussion(AutoscaleRun.text, examples: AutoscaleRun.examples),
        subcommands: [AutoscaleRun.self, AutoscaleValidate.self],
        defaultSubcommand: AutoscaleRun.self
    )
}

/// `kscale autoscale [run] --once`: one evaluation over snapshots.
struct AutoscaleRun: AsyncParsableCommand {
    static let text = """
        --once evaluates the policy once over --snapshot (a snapshot with rates: kscale snapshot --sample, or
        gen_cluster.py) and prints the decision: action, count, brokers, reason, signals, blocked_by and
        next_evaluation. One snapshot is a window of one sample; several --snapshot, oldest first, are samples
        evaluation.interval apart ending at --now. It changes nothing: there is no --execute yet, and the
        long-running loop, the provisioners, --metrics-port and notify are not built yet (docs/autoscale.md).
        """
    static let examples = [
        "kscale autoscale validate --policy policy.yaml",
        "kscale autoscale --once --policy policy.yaml --snapshot sampled.json --output json",
        "kscale autoscale --once --policy policy.yaml --snapshot a.json --snapshot b.json --now 2026-12-01T08:00:00Z",
    ]

    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Evaluate a policy once over snapshots and print the decision (changes nothing; no --execute yet).",
        discussion: helpDiscussion(text, examples: examples.filter { !$0.contains(" validate ") }))

    @Option(help: ArgumentHelp("The autoscaling policy (YAML, docs/autoscale.md).", valueName: "file"))
    var policy: String?

    @Flag(help: "Evaluate once and print the decision (the long-running loop is not built yet).")
    var once = false

    @Option(help: ArgumentHelp("A cluster snapshot with rates (repeatable, oldest first: samples of the window).", valueName: "file"))
    var snapshot: [String] = []

    @Option(help: ArgumentHelp("Broker network (and disk) capacities: kscale's JSON or Cruise Control's capacity.json.", valueName: "file"))
    var brokerCapacity: String?

    @Option(help: ArgumentHelp("The instant of the evaluation, ISO 8601 (default: now). Schedules fire by it.", valueName: "time"))
    var now: String?

    @Option(help: ArgumentHelp("When the last scale action ended, ISO 8601 (the cooldowns run from it).", valueName: "time"))
    var lastActionEnd: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            guard once else {
                throw InvalidInput("kscale autoscale without --once is the long-running loop, which is not built yet: give --once (docs/autoscale.md)")
            }
            guard let policy else { throw InvalidInput("--policy FILE is required") }
            guard !snapshot.isEmpty else { throw InvalidInput("--once needs --snapshot FILE (a snapshot with rates); reading a live cluster is not built yet") }
            let rules = try PolicyFiles.readAutoscalePolicy(policy)
            let instant = try now.map { try parseInstant($0, option: "--now") } ?? Date()
            let lastEnd = try lastActionEnd.map { try parseInstant($0, option: "--last-action-end") }
            let snapshots = try snapshot.map { try KScaleFiles.readSnapshot($0, capacities: brokerCapacity) }
            guard let newest = snapshots.last else { return }
            let window = SignalWindow.evenlySpaced(snapshots, endingAt: instant, interval: rules.evaluation.interval)
            let decision = AutoscaleDecision.decide(AutoscaleInput(policy: rules, window: window, snapshot: newest,
                                                                   lastActionEnd: lastEnd, now: instant))
            if output.format == .json { try printJSON(decision) } else { print(AutoscaleText.render(decision), terminator: "") }
        }
    }

    private func parseInstant(_ text: String, option: String) throws -> Date {
        guard let date = try? Date(text, strategy: .iso8601) else {
            throw InvalidInput("\(option) \"\(text)\" is not an ISO 8601 time such as 2026-12-01T08:00:00Z")
        }
        return date
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
    static func render(_ decision: AutoscaleDecision) -> String {
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
        lines.append("changes nothing: --once only decides (no --execute yet)")
        return lines.joined(separator: "\n") + "\n"
    }
}
