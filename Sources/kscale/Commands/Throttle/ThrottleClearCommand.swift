import ArgumentParser
import KScaleExec

/// `kscale throttle clear`: removes the throttles kscale runs left behind (`ThrottleClear` decides).
struct ThrottleClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Remove the throttles kscale runs left behind (a dry run unless --execute).",
        discussion: "Throttles recorded in a run's ledger are removed, each rate restored to the value it replaced. Runs still being driven by a kscale process are skipped. Throttles nobody's ledger knows (left by kafka-reassign-partitions.sh or by hand) are listed and left alone unless --include-unknown is given, which removes them too when no reassignment is in flight. The dry run has the brokers validate every removal (validate_only) and lists it."
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runs: ThrottleRunsOptions
    @Flag(name: .long, help: "Also remove throttles no kscale run set (refused while a reassignment is in flight).")
    var includeUnknown = false
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: execute) { admin in
                let report = try await ThrottleClear.run(admin: admin, runs: runs.runs, includeUnknown: includeUnknown, clock: connection.clock)
                let dryRun = admin.isDryRun
                for i in report.unknown {
                    let what = "\(i.resource) \(i.key)=\(i.value)"
                    if !includeUnknown {
                        print("leaving \(what): not set by a kscale run (--include-unknown removes it)")
                    } else if dryRun {
                        print("DRY RUN: would remove \(what) (not set by a kscale run)")
                    } else if report.unknownRemoved {
                        print("removed \(what) (not set by a kscale run)")
                    }
                }
                for run in report.runs {
                    switch run.result {
                    case .drivenByAProcess:
                        print("skipping \(run.dir): a kscale process is driving it")
                    case let .cleared(rates, entries) where dryRun:
                        print("DRY RUN: would undo \(rates + entries) throttle settings of run \(run.dir)")
                    case let .cleared(rates, entries):
                        print("run \(run.dir): \(rates) broker rates restored, \(entries) replica entries removed")
                    }
                }
                if !dryRun, !report.runs.contains(where: { if case .cleared = $0.result { true } else { false } }) {
                    print("nothing to clear")
                }
                await printMutations(admin)
            }
        }
    }
}
