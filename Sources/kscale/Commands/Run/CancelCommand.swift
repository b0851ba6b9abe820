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
    @Option(name: .long, help: "The run's directory (default: the most recent run; with --rollback, the run a rollback run in <dir>-rollback rolls back).")
    var stateDir: String?
    @Flag(name: .long, help: "Also move the finished partitions back (the run's rollback plan).")
    var rollback = false
    @OptionGroup var pacing: PacingOptions
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            var dir = try stateDir ?? (rollback ? Canceller.latestRunToRollBack() : RunDirectory.latest())
            // A scale-out/drain flow's directory: its run is cancelled, which ends the flow.
            if FlowDirectory.isFlow(dir) {
                guard let run = try FlowDirectory.runToCancel(dir) else {
                    try FlowDirectory.cancel(flowIn: dir, execute: execute, clock: connection.clock)
                    print("\(execute ? "ended" : "DRY RUN: would end") the flow in \(dir) as cancelled: it has no run with moves to cancel")
                    return
                }
                dir = run
            }
            let state = try RunDirectory.readState(dir)
            // Only --rollback moves data; it keeps the cancelled run's throttle unless given another.
            var options = try pacing.options(movesData: false)
            if pacing.throttle == nil, let t = state.options?.throttle { options.throttle = t }
            if rollback { try options.requireThrottle(unthrottledOnPurpose: pacing.noThrottle) }
            let bootstrap = connection.bootstrapServer ?? state.bootstrap
            let commandConfig = connection.commandConfig ?? state.commandConfig
            let failed = try await withAdmin(bootstrap: bootstrap, commandConfig: commandConfig, requestTimeout: connection.requestTimeout, execute: execute) { admin -> Bool in
                let outcome = try await Canceller.cancel(runIn: dir, admin: admin, clock: connection.clock)
                if admin.isDryRun {
                    print("DRY RUN: nothing was changed. Add --execute to cancel.")
                    print("would cancel \(outcome.cancelled.count) moves in flight: \(outcome.cancelled.prefix(20).map(\.description).joined(separator: ", "))")
                    print("would remove \(state.ledger.rates.count) broker rates and \(state.ledger.replicaEntryCount) replica entries this run set")
                    for (tp, e) in outcome.failures.sorted(by: { $0.key < $1.key }) { print("  could not cancel \(tp): \(e)") }
                } else {
                    print("cancelled \(outcome.cancelled.count - outcome.failures.count) moves in flight; the run's throttles are removed")
                    for (tp, e) in outcome.failures.sorted(by: { $0.key < $1.key }) { print("  could not cancel \(tp): \(e)") }
                }
                await printMutations(admin)
                guard rollback else { return !outcome.failures.isEmpty }
                let printer = ProgressPrinter(format: pacing.output)
                let runner = PlanRun(admin: admin, clock: connection.clock, bootstrap: bootstrap, commandConfig: commandConfig,
                                     emit: { printer.handle($0) })
                let step = try Canceller.rollbackStep(after: outcome, runIn: dir)
                let would = admin.isDryRun ? "would " : ""
                switch step.action {
                case .nothing:
                    break
                case let .start(plan):
                    if !admin.isDryRun { print("rolling back \(plan.partitions.count) partitions (state dir \(step.dir))") }
                case let .continueRun(runID, plan, ended):
                    let how = ended.map { "it ended (\($0)); checking it again" } ?? "an earlier cancel --rollback did not finish it"
                    print("\(admin.isDryRun ? "would continue" : "continuing") the rollback run \(runID) in \(step.dir) (\(plan.partitions.count) partitions; \(how))")
                }
                if !step.outside.isEmpty {
                    let some = step.outside.prefix(20).map(\.description).joined(separator: ", ")
                    print("\(step.outside.count) partitions are off their original replicas but not in that rollback run, and \(would)stay where they are: \(some)")
                }
                let rolledBack = try await Canceller.rollBack(step, with: runner, options: options)
                let unfinished = !outcome.failures.isEmpty || !step.outside.isEmpty
                switch rolledBack {
                case nil:
                    return unfinished
                case .preview?:
                    if case let .start(plan) = step.action { print("would then move \(plan.partitions.count) partitions back to their original replicas") }
                    return false
                case let .finished(summary)?:
                    if case let .continueRun(runID, _, _) = step.action { print("continued the rollback run \(runID) in \(step.dir)") }
                    return !summary.failed.isEmpty || unfinished
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
