import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale resume`: continues a run whose process died, from its journal.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run after its process died (a dry run unless --execute).",
        discussion: helpDiscussion("Reconciles the journal with the cluster: a partition at its target is done, one in flight keeps going, one not started is submitted.", examples: [
            "# The most recent run, a dry run:",
            "kscale resume",
            "kscale resume --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --execute",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    func run() async throws {
        try await runExecCommand {
            let dir = try runSelection.directory()
            let state = try RunDirectory.readState(dir)
            let printer = ProgressPrinter(format: output.format)
            let failed = try await reportingInterruptions(runIn: { dir }) {
                try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap,
                                    commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout,
                                    execute: gate.execute) { admin -> Bool in
                    let run = PlanRun(admin: admin, clock: connection.runClock, emit: { printer.handle($0) })
                    let outcome = try await run.resume(in: dir)
                    if case .preview = outcome, let ended = state.ended { print("the run ended (\(ended)); resuming checks it again") }
                    return await printOutcome(outcome, dir: dir, admin: admin, printer: printer)
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
