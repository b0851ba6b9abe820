import ArgumentParser
import KScaleExec

/// `kscale throttle clear`: removes the throttles kscale runs left behind (`ThrottleClear` decides).
struct ThrottleClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Remove the throttles kscale runs left behind (a dry run unless --execute).",
        discussion: helpDiscussion("Throttles recorded in a run's ledger are removed, each rate restored to the value it replaced. Runs still being driven by a kscale process are skipped. Throttles nobody's ledger knows (left by kafka-reassign-partitions.sh or by hand) are listed and left alone unless --include-unknown is given, which removes them too when no reassignment is in flight. The dry run has the brokers validate every removal (validate_only) and lists it.", examples: [
            "# A dry run: what would be removed:",
            "kscale throttle clear --bootstrap-server kafka-1:9092",
            "kscale throttle clear --bootstrap-server kafka-1:9092 --include-unknown --execute --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runs: ThrottleRunsOptions
    @Flag(name: .long, help: "Also remove throttles no kscale run set (refused while a reassignment is in flight).")
    var includeUnknown = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    /// `--output json`: each run's throttles undone (or skipped), and the throttles no run set.
    struct Result: Encodable {
        struct Run: Encodable {
            var runDir: String
            /// `cleared`, or `driven_by_a_process` (skipped).
            var result: String
            var ratesRestored: Int
            var replicaEntriesRemoved: Int
            var deletedTopics: [String] = []
            enum CodingKeys: String, CodingKey {
                case result
                case runDir = "run_dir", ratesRestored = "rates_restored", replicaEntriesRemoved = "replica_entries_removed"
                case deletedTopics = "deleted_topics"
            }
        }
        struct Unknown: Encodable {
            var resource: String
            var key: String
            var value: String
            var removed: Bool
        }
        var executed: Bool
        var runs: [Run]
        var unknown: [Unknown]

        init(_ report: ThrottleClear, executed: Bool, includeUnknown: Bool) {
            self.executed = executed
            runs = report.runs.map { run in
                switch run.result {
                case .drivenByAProcess: Run(runDir: run.dir, result: "driven_by_a_process", ratesRestored: 0, replicaEntriesRemoved: 0)
                case let .cleared(rates, entries):
                    Run(runDir: run.dir, result: "cleared", ratesRestored: rates, replicaEntriesRemoved: entries, deletedTopics: run.deletedTopics)
                }
            }
            // In a dry run "removed" is what --execute would remove.
            unknown = report.unknown.map {
                Unknown(resource: $0.resource.description, key: $0.key, value: $0.value, removed: includeUnknown && (report.unknownRemoved || !executed))
            }
        }
    }

    func run() async throws {
        try await runExecCommand {
            try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: gate.execute) { admin in
                let report = try await ThrottleClear.run(admin: admin, runs: runs.runs, includeUnknown: includeUnknown, clock: connection.clock)
                let dryRun = admin.isDryRun
                if output.format == .json {
                    let result = Result(report, executed: !dryRun, includeUnknown: includeUnknown)
                    print(try LifecycleRender.json(ResultWithMutations(result: result, mutations: await admin.mutations)))
                    return
                }
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
                    if !run.deletedTopics.isEmpty {
                        print("  skipped topics deleted since the run set their throttles: \(run.deletedTopics.joined(separator: ", ")) (their throttled-replicas lists went with them)")
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
