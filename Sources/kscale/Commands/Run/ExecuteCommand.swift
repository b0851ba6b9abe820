import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec
import KScaleIO

/// `kscale execute`: carries a plan out, throttled and paced, journaled so it can be resumed.
struct ExecuteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "execute",
        abstract: "Execute a reassignment plan with throttles and pacing (a dry run unless --execute).",
        discussion: helpDiscussion("The run is journaled in a directory of its own under --state-dir, named by the plan's id (default ~/.kscale/runs/<plan id>/); `kscale resume` continues it after a crash, and running execute again with the same plan continues the same run.", examples: [
            "# A dry run: the batches, the throttle and the estimated duration:",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --throttle 50MB/s",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --throttle 50MB/s --max-in-flight-per-broker 5 --max-in-flight 50 --execute",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --auto-throttle 20MB/s..100MB/s --state-dir /var/lib/kscale/runs --output json --execute",
            "# A plan made before partitions moved: see which drifted, then run it anyway:",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --throttle 50MB/s --allow-drift",
            "# On a cluster that forbids tool topics (no run record on the cluster; other hosts cannot see this run):",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --throttle 50MB/s --no-cluster-record --execute",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The plan, Kafka's reassignment JSON (.zst accepted).")
    var plan: String
    @OptionGroup var pacing: PacingOptions
    @OptionGroup var stateRoot: StateRootOptions
    @Flag(name: .long, help: "Run alongside reassignments in flight that this run did not start (on other partitions).")
    var additional = false
    @Flag(name: .long, help: "Drive partitions already moving to this plan's targets that another run or tool started.")
    var adopt = false
    @Flag(name: .long, help: "Run the plan over partitions that moved since it was made (refused otherwise, naming them).")
    var allowDrift = false
    @OptionGroup var rates: RatesOption
    @OptionGroup var gate: DryRunGateOptions

    func run() async throws {
        try await runExecCommand {
            let plan = try KScaleFiles.readPlan(self.plan)
            let rates = try self.rates.snapshot()
            var options = try pacing.options()
            options.additional = additional
            if adopt { options.adopt = true }
            let dir = stateRoot.directory(for: plan)
            let printer = ProgressPrinter(format: pacing.output)
            let failed = try await reportingInterruptions(runIn: { dir }) {
                try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: gate.execute) { admin in
                let run = PlanRun(admin: admin, clock: connection.runClock, bootstrap: connection.bootstrapServer,
                                  commandConfig: connection.commandConfig, emit: { printer.handle($0) })
                if !admin.isDryRun, printer.mode != .json { print("state dir: \(dir)") }
                return await printOutcome(try await run.execute(plan, in: dir, options: options, drift: allowDrift ? .allow : .refuse), dir: dir, admin: admin, printer: printer,
                                         rates: rates)
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}

/// `--rates FILE`, on execute and resume: a sampled snapshot whose produce rates the dry run's
/// estimate counts.
struct RatesOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A sampled snapshot (kscale snapshot --sample) whose bytes_in_per_sec the dry run's estimate counts: a replica of a busy partition copies its size plus what producers write meanwhile, at the throttle less the produce rate.",
                                            valueName: "file"))
    var rates: String?

    func snapshot() throws -> ClusterSnapshot? { try rates.map { try KScaleFiles.readSnapshot($0) } }
}

/// What execute and resume print after the run (or, in a dry run, instead of it); returns
/// whether some partitions failed. `rates`, a sampled snapshot, gives the dry run's estimate the
/// partitions' produce rates.
func printOutcome(_ outcome: PlanRun.Outcome, dir: String, admin: DryRunAdmin, printer: ProgressPrinter,
                  rates: ClusterSnapshot? = nil) async -> Bool {
    switch outcome {
    case let .preview(inspected, options):
        var inspection = inspected
        if let rates { inspection.moves = inspection.moves.withProduceRates(from: rates) }
        if printer.mode == .json {
            print(previewJSON(inspection, options: options, dir: dir))
        } else {
            printPreview(inspection, options: options)
            print("state dir: \(dir)")
        }
        return false
    case let .finished(summary):
        if printer.mode != .json { print(mutationSummary(await admin.mutations)) }
        return !summary.failed.isEmpty
    }
}
