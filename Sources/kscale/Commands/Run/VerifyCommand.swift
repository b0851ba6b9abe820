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
        discussion: "Exit 0 when complete, 3 when some partition is still moving or elsewhere."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The plan that was executed.")
    var plan: String
    @Option(name: .long, help: "The run's directory (default: the one for this plan).")
    var stateDir: String?
    @Flag(name: .long, help: "Remove the run's throttles when every partition is at its target.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            let plan = try KScaleFiles.readPlan(self.plan)
            let dir = stateDir ?? RunDirectory.directory(for: plan)
            let state = try? RunDirectory.readState(dir)
            let complete = try await withAdmin(bootstrap: connection.bootstrapServer ?? state?.bootstrap,
                                               commandConfig: connection.commandConfig ?? state?.commandConfig,
                                               requestTimeout: connection.requestTimeout, execute: execute) { admin -> Bool in
                let verification = try await Verification.run(plan: plan, runIn: dir, admin: admin, clock: connection.clock)
                let report = verification.report
                print("\(report.atTarget.count) of \(plan.partitions.count) partitions at target, \(report.inFlight.count) in flight, \(report.elsewhere.count) elsewhere, \(report.unknown.count) unknown")
                for tp in report.inFlight.prefix(20) { print("  in flight: \(tp)") }
                for (tp, r) in report.elsewhere.sorted(by: { $0.key < $1.key }).prefix(20) { print("  not at target: \(tp) has \(r)") }
                for tp in report.unknown.prefix(20) { print("  unknown: \(tp)") }
                switch verification.ending {
                case .noRun:
                    print("no kscale run found for this plan in \(dir): no throttles to remove (see `kscale throttle audit`)")
                    return report.complete
                case let .notFinished(outstanding):
                    print("the run is not finished; its \(outstanding) throttle settings stay until it is")
                    return false
                case .noThrottlesLeft:
                    print("no throttles left from this run")
                case let .throttlesRemoved(rates, entries) where admin.isDryRun:
                    print("DRY RUN: would remove \(rates + entries) throttle settings this run made; add --execute")
                case let .throttlesRemoved(rates, entries):
                    print("removed throttles: \(rates) broker rates restored, \(entries) replica entries removed")
                }
                await printMutations(admin)
                return true
            }
            if !complete { throw ExitCode(ExecExit.notFinished) }
        }
    }
}
