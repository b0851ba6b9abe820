import ArgumentParser
import KScaleCore
import KScaleExec

/// Pacing, throttle and output options shared by execute and resume.
struct PacingOptions: ParsableArguments {
    @Option(name: .long, help: "Replication throttle per broker, e.g. 50MB/s (required to move data, or --auto-throttle, or --no-throttle).")
    var throttle: String?
    @Flag(name: .long, help: "Copy at full speed, unthrottled, on purpose.")
    var noThrottle = false
    @Flag(name: .long, help: "Accept a plan that changes partitions' replication factor.")
    var allowRfChange = false
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

    /// The run's options; `movesData` when the command copies replicas (a throttle is then required).
    func options(movesData: Bool = true) throws -> RunOptions {
        guard let order = MoveOrder(rawValue: order) else {
            throw InvalidInput("--order \"\(order)\" is not one of \(MoveOrder.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var o = RunOptions(throttle: try throttle.map { try parseThrottleOption($0, "--throttle") }, maxMovesPerBroker: maxMovesPerBroker,
                           maxMoves: maxMoves, order: order, stallTimeout: try parseDuration(stallTimeout, option: "--stall-timeout"),
                           pollInterval: pollInterval)
        if allowRfChange { o.allowReplicationFactorChange = true }
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
