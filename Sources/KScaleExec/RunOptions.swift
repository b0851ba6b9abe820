import Foundation
import KScaleCore

/// The order pending partitions are started in. The budget is shared, so the order decides which
/// partitions wait: largest-first finishes a run soonest (long moves start early), smallest-first
/// shows progress soonest, risk-first protects partitions already short of in-sync replicas.
public enum MoveOrder: String, Sendable, Codable, CaseIterable {
    case smallestFirst = "smallest-first"
    case largestFirst = "largest-first"
    case riskFirst = "risk-first"
}

/// How a run paces and throttles its moves. Recorded in the journal so `resume` continues with the
/// same settings the operator chose.
public struct RunOptions: Sendable, Codable, Equatable {
    /// Replication throttle in bytes per second per broker; nil runs without throttles.
    public var throttle: Int64?
    /// `--max-in-flight-per-broker` and `--max-in-flight`: upper limits on the moves in flight per
    /// broker and in the cluster; nil (the default): none beyond byte pacing (`MoveScheduler`),
    /// or `MoveScheduler.defaultMaxPerBroker`/`defaultMaxTotal` when the run has no throttle.
    /// Journals written before byte pacing hold the old defaults, 5 and 100, which a resume keeps.
    public var maxMovesPerBroker: Int?
    public var maxMoves: Int?
    public var order: MoveOrder
    /// Accept reassignments in flight that this run did not start.
    public var additional: Bool
    /// Seconds without progress before a partition is reported stalled.
    public var stallTimeout: Double
    /// `--auto-throttle MIN..MAX` in bytes per second.
    public var autoThrottleMin: Int64?
    public var autoThrottleMax: Int64?
    /// Seconds between polls of the cluster.
    public var pollInterval: Double
    /// `--allow-rf-change`: accept a plan that changes partitions' replica counts (nil in journals
    /// written before the option existed: refused).
    public var allowReplicationFactorChange: Bool?
    /// `--adopt`: drive partitions already moving to the plan's targets that this run's journal
    /// did not submit (nil in older journals: refused).
    public var adopt: Bool?
    /// `--no-cluster-record`: keep the run only in its local state dir, not in the cluster's run
    /// record (`RunRegistry`), for clusters that forbid tool topics (nil: recorded).
    public var localStateOnly: Bool?
    /// `--allow-drift`: the run was started over partitions that moved since the plan was made,
    /// so its resume lets drift through too (nil in older journals, and for runs started without
    /// it: a resume refuses partitions not yet started that drifted).
    public var allowDrift: Bool?

    public init(throttle: Int64? = nil, maxMovesPerBroker: Int? = nil, maxMoves: Int? = nil, order: MoveOrder = .largestFirst,
                additional: Bool = false, stallTimeout: Double = 300, autoThrottleMin: Int64? = nil, autoThrottleMax: Int64? = nil,
                pollInterval: Double = 2) {
        self.throttle = throttle
        self.maxMovesPerBroker = maxMovesPerBroker
        self.maxMoves = maxMoves
        self.order = order
        self.additional = additional
        self.stallTimeout = stallTimeout
        self.autoThrottleMin = autoThrottleMin
        self.autoThrottleMax = autoThrottleMax
        self.pollInterval = pollInterval
    }

    /// Refuses settings that cannot make progress, naming the option.
    public func validate() throws {
        if let n = maxMovesPerBroker, n < 1 { throw InvalidInput("--max-in-flight-per-broker must be at least 1, got \(n)") }
        if let n = maxMoves, n < 1 { throw InvalidInput("--max-in-flight must be at least 1, got \(n)") }
        if let t = throttle, t <= 0 { throw InvalidInput("--throttle must be positive, got \(t) B/s") }
        guard stallTimeout > 0 else { throw InvalidInput("--stall-timeout must be positive") }
        if let lo = autoThrottleMin, let hi = autoThrottleMax {
            guard lo > 0, lo <= hi else { throw InvalidInput("--auto-throttle needs 0 < MIN <= MAX, got \(lo)..\(hi) B/s") }
        }
    }

    /// Moves on a live cluster are throttled unless the operator says otherwise out loud: a run
    /// that copies at full speed because a flag was forgotten saturates the brokers' networks and
    /// starves producers and consumers.
    public func requireThrottle(unthrottledOnPurpose: Bool) throws {
        if unthrottledOnPurpose {
            if throttle != nil || autoThrottleMin != nil { throw InvalidInput("--no-throttle contradicts --throttle/--auto-throttle: give one") }
            return
        }
        if throttle == nil && autoThrottleMin == nil {
            throw InvalidInput("moving data needs a replication throttle: give --throttle RATE (e.g. --throttle 50MB/s) or --auto-throttle MIN..MAX, or --no-throttle to copy at full speed on purpose")
        }
    }

    /// The rate to set when the run starts: the explicit throttle, clamped into the auto range.
    public var initialThrottle: Int64? {
        if let lo = autoThrottleMin, let hi = autoThrottleMax { return min(max(throttle ?? lo, lo), hi) }
        return throttle
    }

    /// Parses `MIN..MAX` with the usual rate units (`10MB/s..100MB/s`).
    public static func parseRange(_ text: String) throws -> (Int64, Int64) {
        let parts = text.components(separatedBy: "..")
        guard parts.count == 2 else { throw InvalidInput("\"\(text)\" is not a rate range: expected MIN..MAX such as 10MB/s..100MB/s") }
        let lo = try ByteUnits.parseThrottle(parts[0]), hi = try ByteUnits.parseThrottle(parts[1])
        guard lo > 0, lo <= hi else { throw InvalidInput("\"\(text)\": MIN must be positive and at most MAX") }
        return (lo, hi)
    }
}
