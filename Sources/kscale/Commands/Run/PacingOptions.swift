import ArgumentParser
import KScaleCore
import KScaleExec

/// Pacing, throttle and output options shared by the commands that move data (execute, cancel
/// --rollback, scale-out, scale-in).
struct PacingOptions: ParsableArguments {
    @Option(name: .long, help: "Replication throttle per broker, e.g. 50MB/s (required to move data, or --auto-throttle, or --no-throttle).")
    var throttle: String?
    @Flag(name: .long, help: "Copy at full speed, unthrottled, on purpose.")
    var noThrottle = false
    @Flag(name: .long, help: "Accept a plan that changes partitions' replication factor.")
    var allowRfChange = false
    @OptionGroup var inFlight: InFlightOptions
    @Option(name: .long, help: "smallest-first, largest-first or risk-first (under-replicated or at-min-ISR partitions first).")
    var order: String = MoveOrder.largestFirst.rawValue
    @Option(name: .long, help: "Report a partition with no progress for this long (e.g. 5m).")
    var stallTimeout = "5m"
    @Option(name: .long, help: "MIN..MAX: raise the throttle step by step while no partition is under min ISR, lower it when one is.")
    var autoThrottle: String?
    @Option(name: .long, help: "Seconds between polls of the cluster.")
    var pollInterval: Double = 2
    @Flag(name: .long, help: "Keep the run only in its local state dir, not in the cluster's run record (topic __kscale_runs), for clusters that forbid tool topics; kscale on other hosts then cannot see it.")
    var noClusterRecord = false
    @OptionGroup var outputOptions: OutputOptions

    var output: OutputFormat { outputOptions.format }

    /// The run's options; `movesData` when the command copies replicas (a throttle is then required).
    func options(movesData: Bool = true) throws -> RunOptions {
        guard let order = MoveOrder(rawValue: order) else {
            throw InvalidInput("--order \"\(order)\" is not one of \(MoveOrder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var o = RunOptions(throttle: try throttle.map { try parseThrottleOption($0, "--throttle") },
                           maxMovesPerBroker: inFlight.perBroker, maxMoves: inFlight.total, order: order,
                           stallTimeout: try parseDuration(stallTimeout, option: "--stall-timeout"), pollInterval: pollInterval)
        if allowRfChange { o.allowReplicationFactorChange = true }
        if noClusterRecord { o.localStateOnly = true }
        if let a = autoThrottle {
            let (lo, hi) = try RunOptions.parseRange(a)
            o.autoThrottleMin = lo
            o.autoThrottleMax = hi
        }
        guard pollInterval > 0 else { throw InvalidInput("--poll-interval must be positive, got \(pollInterval)") }
        try o.validate()
        if movesData { try o.requireThrottle(unthrottledOnPurpose: noThrottle) }
        return o
    }
}

/// Upper limits on the moves in flight at once, per broker and in the cluster (Cruise Control's
/// concurrency limits; by default a run starts as many as keep each broker's throttle busy): `--max-in-flight-per-broker`, `--max-in-flight`. Their old spellings
/// `--max-moves-per-broker` and `--max-moves` still work with a note; `--max-moves` is the planning
/// budget of `kscale plan`.
struct InFlightOptions: ParsableArguments {
    @Option(name: .long, help: "At most this many moves a broker sends or receives at once (default: as many as keep its throttle busy, \(MoveScheduler.defaultMaxPerBroker) without a throttle; was --max-moves-per-broker, deprecated).")
    var maxInFlightPerBroker: Int?
    @Option(name: .long, help: "At most this many moves in flight in the whole cluster (default: no cap with a throttle, \(MoveScheduler.defaultMaxTotal) without; was --max-moves, deprecated: --max-moves is the planning budget of `kscale plan`).")
    var maxInFlight: Int?
    @Option(name: .customLong("max-moves-per-broker"), help: .hidden)
    var deprecatedMaxMovesPerBroker: Int?
    @Option(name: .customLong("max-moves"), help: .hidden)
    var deprecatedMaxMoves: Int?

    /// The caps given; nil: byte pacing alone (`MoveScheduler`).
    var perBroker: Int? { maxInFlightPerBroker ?? deprecatedMaxMovesPerBroker }
    var total: Int? { maxInFlight ?? deprecatedMaxMoves }

    func validate() throws {
        try Deprecation.alias("--max-moves-per-broker", of: "--max-in-flight-per-broker", old: deprecatedMaxMovesPerBroker, new: maxInFlightPerBroker,
                              meaning: "the same cap on moves in flight per broker")
        try Deprecation.alias("--max-moves", of: "--max-in-flight", old: deprecatedMaxMoves, new: maxInFlight,
                              meaning: "the same cap on moves in flight; --max-moves is the planning budget of `kscale plan`")
    }
}
