import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleIO

/// `kscale verify`: is every partition at its target? Ends the run by removing its throttles.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check every partition of a plan is at its target; with --execute, end the run and remove its throttles.",
        discussion: helpDiscussion("Exit 0 when complete, 3 when some partition is still moving or elsewhere.", examples: [
            "kscale verify --bootstrap-server kafka-1:9092 --plan plan.json",
            "# The run's own settings name the cluster; end it and remove its throttles:",
            "kscale verify --plan plan.json --execute --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The plan that was executed.")
    var plan: String
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    /// `--output json`: where the plan's partitions are and what became of the run's throttles.
    struct Result: Encodable {
        struct Elsewhere: Encodable {
            var partition: String
            var replicas: [BrokerID]
        }
        var partitions: Int
        var atTarget: [String]
        var inFlight: [String]
        var elsewhere: [Elsewhere]
        var unknown: [String]
        var gone: [String]
        var complete: Bool
        var runDir: String
        /// `no_run`, `not_finished`, `no_throttles_left` or `throttles_removed` (in a dry run: would be).
        var ending: String
        var throttlesOutstanding: Int?
        var ratesRestored: Int?
        var replicaEntriesRemoved: Int?
        var executed: Bool

        init(_ verification: Verification, partitions: Int, runDir: String, executed: Bool) {
            let report = verification.report
            self.partitions = partitions
            atTarget = report.atTarget.map(\.description)
            inFlight = report.inFlight.map(\.description)
            elsewhere = report.elsewhere.sorted(by: { $0.key < $1.key }).map { Elsewhere(partition: $0.key.description, replicas: $0.value) }
            unknown = report.unknown.map(\.description)
            gone = report.gone.map(\.description)
            complete = report.complete
            self.runDir = runDir
            self.executed = executed
            switch verification.ending {
            case .noRun: ending = "no_run"
            case let .notFinished(outstanding):
                ending = "not_finished"
                throttlesOutstanding = outstanding
            case .noThrottlesLeft: ending = "no_throttles_left"
            case let .throttlesRemoved(rates, entries):
                ending = "throttles_removed"
                ratesRestored = rates
                replicaEntriesRemoved = entries
            }
        }

        enum CodingKeys: String, CodingKey {
            case partitions, elsewhere, unknown, gone, complete, ending, executed
            case atTarget = "at_target", inFlight = "in_flight", runDir = "run_dir", throttlesOutstanding = "throttles_outstanding"
            case ratesRestored = "rates_restored", replicaEntriesRemoved = "replica_entries_removed"
        }
    }

    func run() async throws {
        try await runExecCommand {
            let plan = try KScaleFiles.readPlan(self.plan)
            let dir = try runSelection.directory(fallback: { RunDirectory.directory(for: plan, root: $0) })
            let state = try? RunDirectory.readState(dir)
            let complete = try await withAdmin(bootstrap: connection.bootstrapServer ?? state?.bootstrap,
                                               commandConfig: connection.commandConfig ?? state?.commandConfig,
                                               requestTimeout: connection.requestTimeout, execute: gate.execute) { admin -> Bool in
                let verification = try await Verification.run(plan: plan, runIn: dir, admin: admin, clock: connection.clock)
                let report = verification.report
                // Every ending but "not finished" follows a complete report: the exit is the report's.
                let finished = report.complete
                if output.format == .json {
                    let result = Result(verification, partitions: plan.partitions.count, runDir: dir, executed: !admin.isDryRun)
                    print(try LifecycleRender.json(ResultWithMutations(result: result, mutations: await admin.mutations)))
                    return finished
                }
                print("\(report.atTarget.count) of \(plan.partitions.count) partitions at target, \(report.inFlight.count) in flight, \(report.elsewhere.count) elsewhere, \(report.unknown.count) unknown")
                for tp in report.inFlight.prefix(20) { print("  in flight: \(tp)") }
                for (tp, r) in report.elsewhere.sorted(by: { $0.key < $1.key }).prefix(20) { print("  not at target: \(tp) has \(r)") }
                for tp in report.unknown.prefix(20) { print("  unknown: \(tp)") }
                if !report.gone.isEmpty {
                    print("  skipped \(report.gone.count) partitions of deleted topics (\(report.goneTopics.joined(separator: ", "))): nothing to move there; the rest is judged without them")
                }
                switch verification.ending {
                case .noRun:
                    print("no kscale run found for this plan in \(dir): no throttles to remove (see `kscale throttle audit`)")
                    return finished
                case let .notFinished(outstanding):
                    print("the run is not finished; its \(outstanding) throttle settings stay until it is")
                    return finished
                case .noThrottlesLeft:
                    print("no throttles left from this run")
                case let .throttlesRemoved(rates, entries) where admin.isDryRun:
                    print("DRY RUN: would remove \(rates + entries) throttle settings this run made; add --execute")
                case let .throttlesRemoved(rates, entries):
                    print("removed throttles: \(rates) broker rates restored, \(entries) replica entries removed")
                }
                await printMutations(admin)
                return finished
            }
            if !complete { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
