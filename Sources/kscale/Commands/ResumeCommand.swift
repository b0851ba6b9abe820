import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale resume`: continues a run whose process died, from its journal.
struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Continue a run after its process died (a dry run unless --execute).",
        discussion: "Reconciles the journal with the cluster: a partition at its target is done, one in flight keeps going, one not started is submitted."
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
            let state = try RunDirectory.readState(dir)
            guard let plan = state.plan, let options = state.options else { throw InvalidInput("\(dir) holds no run to resume") }
            let failed = try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap,
                                             commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout) { admin -> Bool in
            let ours = Set(state.partitions.filter { $0.value.phase == .submitted }.map(\.key))
            if !execute {
                let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: ours)
                if let ended = state.ended { print("the run ended (\(ended)); resuming checks it again") }
                printPreview(inspection, options: options)
                return false
            }
            let lock = try RunLock(directory: dir)
            let printer = ProgressPrinter(format: output)
            let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName),
                                                clock: connection.clock, emit: { printer.handle($0) })
            exec.progressFile = dir + "/progress.json"
            let summary = try await holding(lock) { try await exec.resume() }
            return !summary.failed.isEmpty
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
