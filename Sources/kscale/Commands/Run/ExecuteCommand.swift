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
        discussion: "The run is journaled in --state-dir (default ~/.kscale/runs/<plan id>/); `kscale resume` continues it after a crash, and running execute again with the same plan continues the same run."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The plan, Kafka's reassignment JSON (.zst accepted).")
    var plan: String
    @OptionGroup var pacing: PacingOptions
    @Option(name: .long, help: "Journal directory for this run.")
    var stateDir: String?
    @Flag(name: .long, help: "Run alongside reassignments in flight that this run did not start (on other partitions).")
    var additional = false
    @Flag(name: .long, help: "Drive partitions already moving to this plan's targets that another run or tool started.")
    var adopt = false
    @Flag(name: .long, help: "Keep the run only in its local state dir, not in the cluster's run record (topic __kscale_runs), for clusters that forbid tool topics; kscale on other hosts then cannot see it.")
    var noClusterRecord = false
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            let plan = try KScaleFiles.readPlan(self.plan)
            var options = try pacing.options()
            options.additional = additional
            if adopt { options.adopt = true }
            if noClusterRecord { options.localStateOnly = true }
            let dir = stateDir ?? RunDirectory.directory(for: plan)
            let printer = ProgressPrinter(format: pacing.output)
            let failed = try await reportingInterruptions(runIn: { dir }) {
                try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: execute) { admin in
                let run = PlanRun(admin: admin, clock: connection.runClock, bootstrap: connection.bootstrapServer,
                                  commandConfig: connection.commandConfig, emit: { printer.handle($0) })
                if !admin.isDryRun, printer.mode != .json { print("state dir: \(dir)") }
                return await printOutcome(try await run.execute(plan, in: dir, options: options), dir: dir, admin: admin, printer: printer)
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}

/// What execute and resume print after the run (or, in a dry run, instead of it); returns
/// whether some partitions failed.
func printOutcome(_ outcome: PlanRun.Outcome, dir: String, admin: DryRunAdmin, printer: ProgressPrinter) async -> Bool {
    switch outcome {
    case let .preview(inspection, options):
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
