import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale resume`: continues a run whose process died, from its journal.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run after its process died (a dry run unless --execute).",
        discussion: helpDiscussion("""
            Reconciles the journal with the cluster: a partition at its target is done, one in flight keeps going, one not started is submitted. \
            A run started by scale-out or scale-in (drain), or that command's flow (--run flow-<command>-<brokers>), is finished \
            as the command would have: the rest of its moves, then its remaining steps (leader election, post-flight check, \
            verdicts), with the command's report and exit code.
            """, examples: [
            "# The most recent run, a dry run:",
            "kscale resume",
            "kscale resume --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --execute",
            "# An interrupted drain of broker 4: the rest of the moves, leader election, post-flight, SAFE TO STOP:",
            "kscale resume --run flow-scale-in-4 --execute",
            "# The dry run's estimate counting what producers write while each replica copies:",
            "kscale resume --rates sampled.json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var rates: RatesOption
    @OptionGroup var gate: DryRunGateOptions

    func run() async throws {
        try await runExecCommand {
            let dir = try runSelection.directory()
            // A run a lifecycle command started: the whole flow, not only the executor's part.
            if let flow = try FlowDirectory.toResume(dir), let command = flow.state.command {
                let root = (flow.dir as NSString).deletingLastPathComponent
                let code = try await runFlow(command, root: root, connection: connection, output: output.format, execute: gate.execute) { flows in
                    try await flows.resume(flowIn: flow.dir)
                }
                if code != 0 { throw ExitCode(code) }
                return
            }
            let state = try RunDirectory.readState(dir)
            let rates = try self.rates.snapshot()
            let printer = ProgressPrinter(format: output.format)
            let failed = try await reportingInterruptions(runIn: { dir }) {
                try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap,
                                    commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout,
                                    execute: gate.execute) { admin -> Bool in
                    let run = PlanRun(admin: admin, clock: connection.runClock, emit: { printer.handle($0) })
                    let outcome = try await run.resume(in: dir)
                    if case .preview = outcome, let ended = state.ended { print("the run ended (\(ended)); resuming checks it again") }
                    return await printOutcome(outcome, dir: dir, admin: admin, printer: printer, rates: rates)
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
