import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale cancel`: stops a run's moves in flight and removes its throttles; `--rollback` then
/// moves the partitions that already finished back where they were.
struct CancelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run's moves in flight and remove its throttles (a dry run unless --execute).",
        discussion: "In-flight moves revert to their original replicas. With --rollback the partitions already moved are moved back, throttled like any run (journaled in <state dir>-rollback)."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The run's directory (default: the most recent run).")
    var stateDir: String?
    @Flag(name: .long, help: "Also move the finished partitions back (the run's rollback plan).")
    var rollback = false
    @OptionGroup var pacing: PacingOptions
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            let dir = try resolveStateDir(stateDir)
            let state = try RunDirectory.readState(dir)
            guard state.plan != nil else { throw InvalidInput("\(dir) holds no run") }
            var options = try pacing.options()
            if pacing.throttle == nil, let t = state.options?.throttle { options.throttle = t }
            let failed = try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap, commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout) { admin -> Bool in
                if !execute {
                    let preview = try await Canceller.preview(state: state, admin: admin)
                    print("DRY RUN: nothing was changed. Add --execute to cancel.")
                    print("would cancel \(preview.cancelled.count) moves in flight: \(preview.cancelled.prefix(20).map(\.description).joined(separator: ", "))")
                    print("would remove \(state.ledger.rates.count) broker rates and \(state.ledger.replicaEntries.values.reduce(0) { $0 + $1.count }) replica entries this run set")
                    if rollback { print("would then move \(preview.rollback.partitions.count) partitions back to their original replicas") }
                    return false
                }
                guard !RunLock.isHeld(directory: dir) else {
                    throw Refusal("a kscale process is still driving the run in \(dir); stop it first (Ctrl-C), then cancel")
                }
                let lock = try RunLock(directory: dir)
                let outcome = try await holding(lock) {
                    try await Canceller.cancel(journal: Journal(path: dir + "/" + RunDirectory.journalName), admin: admin, clock: connection.clock)
                }
                print("cancelled \(outcome.cancelled.count - outcome.failures.count) moves in flight; the run's throttles are removed")
                for (tp, e) in outcome.failures.sorted(by: { $0.key < $1.key }) { print("  could not cancel \(tp): \(e)") }
                guard rollback, !outcome.rollback.partitions.isEmpty else { return !outcome.failures.isEmpty }
                let rdir = dir + "-rollback"
                let rlock = try RunLock(directory: rdir)
                let printer = ProgressPrinter(format: pacing.output)
                let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: rdir + "/" + RunDirectory.journalName), clock: connection.clock, emit: { printer.handle($0) })
                exec.progressFile = rdir + "/progress.json"
                print("rolling back \(outcome.rollback.partitions.count) partitions (state dir \(rdir))")
                let inspection = try await Preflight.inspect(plan: outcome.rollback, admin: admin, additional: true, ours: exec.submitted)
                let summary = try await holding(rlock) {
                    try await exec.execute(inspection, options: options, bootstrap: connection.bootstrapServer ?? state.bootstrap, commandConfig: connection.commandConfig ?? state.commandConfig)
                }
                return !summary.failed.isEmpty || !outcome.failures.isEmpty
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
