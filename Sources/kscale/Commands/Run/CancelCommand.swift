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
        discussion: helpDiscussion("In-flight moves revert to their original replicas. With --rollback the partitions already moved are moved back, throttled like any run, journaled as the run <id>-rollback beside the run it rolls back (given no --run, a second `cancel --rollback` continues that rollback run).", examples: [
            "# The most recent run, a dry run:",
            "kscale cancel",
            "kscale cancel --bootstrap-server kafka-1:9092 --execute --output json",
            "kscale cancel --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --rollback --throttle 50MB/s --execute",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @Flag(name: .long, help: "Also move the finished partitions back (the run's rollback plan).")
    var rollback = false
    @OptionGroup var pacing: PacingOptions
    @OptionGroup var gate: DryRunGateOptions

    /// `--output json`: what was (or would be) cancelled and removed, and the rollback's step.
    struct Result: Encodable {
        struct Failure: Encodable {
            var partition: String
            var reason: String
        }
        struct Rollback: Encodable {
            /// `nothing`, `start` (a new rollback run) or `continue` (an earlier one).
            var action: String
            var runDir: String
            var partitions: Int
            /// Partitions off their original replicas that the rollback run does not move.
            var outside: [String]
            var failed: [Failure] = []
            init(_ step: Canceller.RollbackStep) {
                runDir = step.dir
                outside = step.outside.map(\.description)
                switch step.action {
                case .nothing:
                    action = "nothing"
                    partitions = 0
                case let .start(plan):
                    action = "start"
                    partitions = plan.partitions.count
                case let .continueRun(_, plan, _):
                    action = "continue"
                    partitions = plan.partitions.count
                }
            }
            enum CodingKeys: String, CodingKey {
                case action, partitions, outside, failed
                case runDir = "run_dir"
            }
        }
        var executed: Bool
        var run: String?
        var runDir: String
        var cancelled: [String]
        var failures: [Failure]
        /// Partitions of deleted topics, skipped (ended gone), with why.
        var gone: [Failure]
        var ratesRemoved: Int
        var replicaEntriesRemoved: Int
        var rollback: Rollback?

        init(executed: Bool, run: String?, runDir: String, outcome: Canceller.Outcome, ledger: ThrottleLedger) {
            self.executed = executed
            self.run = run
            self.runDir = runDir
            cancelled = outcome.cancelled.filter { outcome.failures[$0] == nil }.map(\.description)
            failures = outcome.failures.sorted(by: { $0.key < $1.key }).map { Failure(partition: $0.key.description, reason: $0.value) }
            gone = outcome.gone.sorted(by: { $0.key < $1.key }).map { Failure(partition: $0.key.description, reason: $0.value) }
            ratesRemoved = ledger.rates.count
            replicaEntriesRemoved = ledger.replicaEntryCount
        }

        enum CodingKeys: String, CodingKey {
            case executed, run, cancelled, failures, gone, rollback
            case runDir = "run_dir", ratesRemoved = "rates_removed", replicaEntriesRemoved = "replica_entries_removed"
        }
    }

    func run() async throws {
        try await runExecCommand {
            // Given no --run: the most recent run, or with --rollback the run a rollback run in <dir>-rollback rolls back.
            var dir = try runSelection.directory(fallback: { root in try rollback ? Canceller.latestRunToRollBack(root: root) : RunDirectory.latest(root: root) })
            // A scale-out/drain flow's directory: its run is cancelled, which ends the flow.
            if FlowDirectory.isFlow(dir) {
                guard let run = try FlowDirectory.runToCancel(dir) else {
                    try FlowDirectory.cancel(flowIn: dir, execute: gate.execute, clock: connection.clock)
                    print("\(gate.execute ? "ended" : "DRY RUN: would end") the flow in \(dir) as cancelled: it has no run with moves to cancel")
                    return
                }
                dir = run
            }
            let state = try RunDirectory.readState(dir)
            // Only --rollback moves data; it keeps the cancelled run's throttle unless given another.
            var options = try pacing.options(movesData: false)
            if pacing.throttle == nil, let t = state.options?.throttle { options.throttle = t }
            // A run kept off the cluster's run record keeps its rollback off it too.
            if state.options?.localStateOnly == true { options.localStateOnly = true }
            if rollback { try options.requireThrottle(unthrottledOnPurpose: pacing.noThrottle) }
            let bootstrap = connection.bootstrapServer ?? state.bootstrap
            let commandConfig = connection.commandConfig ?? state.commandConfig
            let json = pacing.output == .json
            func say(_ line: String) { if !json { print(line) } }
            let failed = try await withAdmin(bootstrap: bootstrap, commandConfig: commandConfig, requestTimeout: connection.requestTimeout, execute: gate.execute) { admin -> Bool in
                let outcome = try await Canceller.cancel(runIn: dir, admin: admin, clock: connection.clock)
                var result = Result(executed: !admin.isDryRun, run: state.runID, runDir: dir, outcome: outcome, ledger: state.ledger)
                if admin.isDryRun {
                    say("DRY RUN: nothing was changed. Add --execute to cancel.")
                    say("would cancel \(outcome.cancelled.count) moves in flight: \(outcome.cancelled.prefix(20).map(\.description).joined(separator: ", "))")
                    say("would remove \(state.ledger.rates.count) broker rates and \(state.ledger.replicaEntryCount) replica entries this run set")
                    for (tp, e) in outcome.failures.sorted(by: { $0.key < $1.key }) { say("  could not cancel \(tp): \(e)") }
                } else {
                    say("cancelled \(outcome.cancelled.count - outcome.failures.count) moves in flight; the run's throttles are removed")
                    for (tp, e) in outcome.failures.sorted(by: { $0.key < $1.key }) { say("  could not cancel \(tp): \(e)") }
                }
                for (tp, why) in outcome.gone.sorted(by: { $0.key < $1.key }).prefix(20) { say("  skipped \(tp): \(why)") }
                for tp in outcome.leaderless.prefix(20) {
                    say("  \(tp) is back on its original replicas but has no leader: none of them was in sync when the move was cancelled; it is offline until one of them comes back in sync (restart its broker), or, only if losing data is acceptable, an unclean election (kafka-leader-election.sh --election-type unclean)")
                }
                if !json { await printMutations(admin) }
                /// Prints the JSON result, one line after any rollback run's event lines, and passes `failed` on.
                func finish(_ failed: Bool) async -> Bool {
                    if json { print(LifecycleRender.jsonLine(ResultWithMutations(result: result, mutations: await admin.mutations))) }
                    return failed
                }
                guard rollback else { return await finish(!outcome.failures.isEmpty) }
                let printer = ProgressPrinter(format: pacing.output)
                let runner = PlanRun(admin: admin, clock: connection.clock, bootstrap: bootstrap, commandConfig: commandConfig,
                                     emit: { printer.handle($0) })
                let step = try Canceller.rollbackStep(after: outcome, runIn: dir)
                let would = admin.isDryRun ? "would " : ""
                result.rollback = .init(step)
                switch step.action {
                case .nothing:
                    break
                case let .start(plan):
                    if !admin.isDryRun { say("rolling back \(plan.partitions.count) partitions (state dir \(step.dir))") }
                case let .continueRun(runID, plan, ended):
                    let how = ended.map { "it ended (\($0)); checking it again" } ?? "an earlier cancel --rollback did not finish it"
                    say("\(admin.isDryRun ? "would continue" : "continuing") the rollback run \(runID) in \(step.dir) (\(plan.partitions.count) partitions; \(how))")
                }
                if !step.outside.isEmpty {
                    let some = step.outside.prefix(20).map(\.description).joined(separator: ", ")
                    say("\(step.outside.count) partitions are off their original replicas but not in that rollback run, and \(would)stay where they are: \(some)")
                }
                let rolledBack = try await Canceller.rollBack(step, with: runner, options: options)
                let unfinished = !outcome.failures.isEmpty || !step.outside.isEmpty
                switch rolledBack {
                case nil:
                    return await finish(unfinished)
                case .preview?:
                    if case let .start(plan) = step.action { say("would then move \(plan.partitions.count) partitions back to their original replicas") }
                    return await finish(false)
                case let .finished(summary)?:
                    if case let .continueRun(runID, _, _) = step.action { say("continued the rollback run \(runID) in \(step.dir)") }
                    result.rollback?.failed = summary.failed.sorted(by: { $0.key < $1.key }).map { .init(partition: $0.key.description, reason: $0.value) }
                    return await finish(!summary.failed.isEmpty || unfinished)
                }
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
