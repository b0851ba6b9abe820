import ArgumentParser
import Foundation
import KafkaClient
import KScaleCore
import KScaleExec
import KScaleIO

/// `kscale execute`: carries a plan out, throttled and paced, journaled so it can be resumed.
struct ExecuteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "execute",
        abstract: "Execute a reassignment plan with throttles and pacing (a dry run unless --execute).",
        discussion: "The run is journaled in --state-dir (default ~/.kscale/runs/<plan id>/); `kscale resume` continues it after a crash, and running execute again with the same plan continues the same run."
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The plan, Kafka's reassignment JSON (.zst accepted).")
    var plan: String
    @OptionGroup var pacing: PacingOptions
    @Option(name: .long, help: "Journal directory for this run.")
    var stateDir: String?
    @Flag(name: .long, help: "Run alongside reassignments in flight that this run did not start (on other partitions).")
    var additional = false
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            let plan = try KScaleFiles.readPlan(self.plan)
            var options = try pacing.options()
            options.additional = additional
            let dir = stateDir ?? RunDirectory.directory(for: plan)
            let failed = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                try await perform(plan: plan, options: options, dir: dir, admin: admin)
            }
            if failed { throw ExitCode(ExecExit.notFinished) }
        }
    }

    /// Returns whether some partitions failed.
    private func perform(plan: ReassignmentPlan, options: RunOptions, dir: String, admin: any ClusterAdmin) async throws -> Bool {
        if !execute {
            let ours = (try? RunDirectory.readState(dir))?.partitions.filter { $0.value.phase == .submitted }.map(\.key) ?? []
            let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: additional, ours: Set(ours))
            printPreview(inspection, options: options)
            print("state dir: \(dir)")
            return false
        }
        let lock = try RunLock(directory: dir)
        let journal = try Journal(path: dir + "/" + RunDirectory.journalName)
        let printer = ProgressPrinter(format: pacing.output)
        let exec = try ReassignmentExecutor(admin: admin, journal: journal, clock: connection.clock, emit: { printer.handle($0) })
        exec.progressFile = dir + "/progress.json"
        let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: additional, ours: exec.submitted)
        if printer.mode != .json { print("state dir: \(dir)") }
        let summary = try await holding(lock) {
            try await exec.execute(inspection, options: options, bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig)
        }
        return !summary.failed.isEmpty
    }
}

/// Pacing, throttle and output options shared by execute and resume.
struct PacingOptions: ParsableArguments {
    @Option(name: .long, help: "Replication throttle per broker, e.g. 50MB/s.")
    var throttle: String?
    @Option(name: .long, help: "Moves a broker may send or receive at once.")
    var maxMovesPerBroker = 5
    @Option(name: .long, help: "Moves in flight in the whole cluster.")
    var maxMoves = 100
    @Option(name: .long, help: "smallest-first, largest-first or risk-first (under-replicated or at-min-ISR partitions first).")
    var order: String = MoveOrder.largestFirst.rawValue
    @Option(name: .long, help: "Report a partition with no progress for this long (e.g. 5m).")
    var stallTimeout = "5m"
    @Option(name: .long, help: "MIN..MAX: raise the throttle step by step while no partition is under min ISR, lower it when one is.")
    var autoThrottle: String?
    @Option(name: .long, help: "Seconds between polls of the cluster.")
    var pollInterval: Double = 2
    @Option(name: .long, help: "text (a progress bar on a terminal, plain lines otherwise) or json (one event per line).")
    var output: OutputFormat = .text

    func options() throws -> RunOptions {
        guard let order = MoveOrder(rawValue: order) else {
            throw InvalidInput("--order \"\(order)\" is not one of \(MoveOrder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var o = RunOptions(throttle: try throttle.map { try parseRateOption($0, "--throttle") }, maxMovesPerBroker: maxMovesPerBroker,
                           maxMoves: maxMoves, order: order, stallTimeout: try parseDuration(stallTimeout, option: "--stall-timeout"),
                           pollInterval: pollInterval)
        if let a = autoThrottle {
            let (lo, hi) = try RunOptions.parseRange(a)
            o.autoThrottleMin = lo
            o.autoThrottleMax = hi
        }
        guard pollInterval > 0 else { throw InvalidInput("--poll-interval must be positive, got \(pollInterval)") }
        try o.validate()
        return o
    }
}
