import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale resume`: continues a run whose process died, from its journal.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run after its process died (a dry run unless --execute).",
        discussion: """
            Reconciles the journal with the cluster: a partition at its target is done, one in flight keeps going, one not started is submitted.
            A run started by scale-out or scale-in (drain), or that command's flow directory (flow-<command>-<brokers>), is finished \
            as the command would have: the rest of its moves, then its remaining steps (leader election, post-flight check, \
            verdicts), with the command's report and exit code.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The run's directory (default: the most recent run).")
    var stateDir: String?
    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            let dir = try resolveStateDir(stateDir)
            // A run a lifecycle command started: the whole flow, not only the executor's part.
            if let flow = try FlowDirectory.toResume(dir), let command = flow.state.command {
                let root = (flow.dir as NSString).deletingLastPathComponent
                let code = try await runFlow(command, root: root, connection: connection, output: output, execute: execute) { flows in
                    try await flows.resume(flowIn: flow.dir)
                }
                if code != 0 { throw ExitCode(code) }
                return
            }
            let state = try RunDirectory.readState(dir)
            let printer = ProgressPrinter(format: output)
            let failed = try await reportingInterruptions(runIn: { dir }) {
                try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap,
                                    commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout,
                                    execute: execute) { admin -> Bool in
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
