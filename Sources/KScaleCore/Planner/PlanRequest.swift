/// What the operator asks the planner for. The planner is pure: the same snapshot and request
/// always give byte-identical plans.
public enum PlanKind: Sendable, Hashable {
    /// Spread the cluster onto the added brokers (registered empty brokers or brand new ids).
    case scaleOut(add: [BrokerID])
    /// Empty the removed brokers. Without `rebalance` only their replicas move (exactly that many
    /// moves); with it the plan may move more to reach full balance on the brokers left.
    case scaleIn(remove: [BrokerID], rebalance: Bool)
    /// Balance the cluster, optionally onto a restricted set of target brokers.
    case rebalance(brokers: [BrokerID]?)
    /// Reorder replicas only so preferred leaders are balanced; moves no data.
    case leaders
}

public struct PlanRequest: Sendable, Hashable {
    public var kind: PlanKind
    /// Topics whose name matches this regular expression are left exactly as they are.
    public var excludeTopics: String?
    /// Movement budgets: the plan is the best balance reachable without exceeding them.
    public var maxMoves: Int?
    public var maxBytes: Int64?
    /// Keep replicas of a partition on distinct racks (spread evenly when RF exceeds the racks).
    public var rackAware: Bool
    /// Racks of added brokers that are not in the snapshot yet (scale-out onto brand new ids).
    public var newBrokerRacks: [BrokerID: String]
    /// Brokers that keep what they hold but take no new replica: the brokers a later step of a
    /// stepped scale-in removes, so nothing is moved onto them only to be moved off again.
    public var keepOff: Set<BrokerID>
    /// `--byte-tolerance`: bytes max/min (within each balance group) a balance plan may spend
    /// moves beyond the count bound to reach, at most a tenth of the bound more (`ByteTrade`).
    public var byteTolerance: Double?

    /// Refuses a `--byte-tolerance` that is not a ratio above 1 (the planner, and a lifecycle
    /// command before it waits for anything).
    public static func checkByteTolerance(_ tolerance: Double) throws {
        guard tolerance.isFinite, tolerance > 1 else {
            throw InvalidInput("--byte-tolerance must be a ratio above 1 (bytes max/min, for example 1.05), not \(tolerance)")
        }
    }
    /// `--max-disk` and `--max-network`: the hard limits a plan that moves data never leaves a
    /// target broker above, where its capacity is known (`HardLimits`).
    public var limits: LoadLimits

    public init(kind: PlanKind, excludeTopics: String? = nil, maxMoves: Int? = nil, maxBytes: Int64? = nil,
                rackAware: Bool = true, newBrokerRacks: [BrokerID: String] = [:], keepOff: Set<BrokerID> = [],
                byteTolerance: Double? = nil, limits: LoadLimits = LoadLimits()) {
        self.byteTolerance = byteTolerance
        self.limits = limits
        self.kind = kind
        self.excludeTopics = excludeTopics
        self.maxMoves = maxMoves
        self.maxBytes = maxBytes
        self.rackAware = rackAware
        self.newBrokerRacks = newBrokerRacks
        self.keepOff = keepOff
    }
}

/// A plan, the rollback that restores the current assignment of the same partitions, and the
/// numbers an operator checks before executing.
public struct PlanResult: Sendable, Hashable {
    public var plan: ReassignmentPlan
    public var rollback: ReassignmentPlan
    public var summary: PlanSummary

    public init(plan: ReassignmentPlan, rollback: ReassignmentPlan, summary: PlanSummary) {
        self.plan = plan
        self.rollback = rollback
        self.summary = summary
    }
}

/// What a plan does, in numbers (`plan --output json` prints exactly this).
public struct PlanSummary: Sendable, Hashable, Codable {
    public struct BrokerLoad: Sendable, Hashable, Codable {
        public var broker: BrokerID
        public var rack: String?
        public var replicasBefore: Int
        public var replicasAfter: Int
        public var leadersBefore: Int
        public var leadersAfter: Int
        public var bytesBefore: Int64
        public var bytesAfter: Int64

        enum CodingKeys: String, CodingKey {
            case broker, rack
            case replicasBefore = "replicas_before", replicasAfter = "replicas_after"
            case leadersBefore = "leaders_before", leadersAfter = "leaders_after"
            case bytesBefore = "bytes_before", bytesAfter = "bytes_after"
        }
    }

    /// The request kind: scale-out, scale-in, rebalance or leaders.
    public var kind: String
    /// Partitions listed in the plan (set or order changed).
    public var partitionsInPlan: Int
    /// New replica placements: the replicas whose data must be copied.
    public var replicasMoved: Int
    /// Partitions whose preferred leader (first replica) changes.
    public var leadersChanged: Int
    public var bytesMoved: Int64
    /// Partitions whose snapshot placement broke the rack rule and that the plan repairs.
    public var rackRepairs: Int
    public var brokers: [BrokerLoad]
    /// Network in, network out and disk per broker before and after the plan (the load model,
    /// `KScaleCore.BrokerUsage`), when the snapshot carries rates or capacities; absent otherwise.
    public var load: UsageChange?
    /// With `--byte-tolerance`: what the plan spent beyond the count bound for bytes, and what it bought.
    public var byteTrade: ByteTrade?
    /// How many stages the plan runs in to keep every receiving broker under the disk peak
    /// (`DiskPeak`; the plan lists its partitions in stage order), when some broker's disk is known.
    public var diskPeakStages: Int?

    enum CodingKeys: String, CodingKey {
        case diskPeakStages = "disk_peak_stages"
        case load
        case byteTrade = "byte_trade"
        case kind
        case partitionsInPlan = "partitions_in_plan"
        case replicasMoved = "replicas_moved"
        case leadersChanged = "leaders_changed"
        case bytesMoved = "bytes_moved"
        case rackRepairs = "rack_repairs"
        case brokers
    }
}

/// What `--byte-tolerance` traded: the plan at the count bound (every phase, the byte polish
/// spending no move beyond the count plan) against the plan after the extra moves.
public struct ByteTrade: Sendable, Hashable, Codable {
    /// The bytes max/min asked for, within each balance group.
    public var tolerance: Double
    /// The count lower bound, and the most moves the trade may reach (a tenth more).
    public var lowerBoundMoves: Int
    public var maxMoves: Int
    /// Replica moves and bytes copied at the count bound, and after the trade.
    public var movesAtBound: Int
    public var bytesMovedAtBound: Int64
    public var moves: Int
    public var bytesMoved: Int64
    /// The worst balance group's bytes max/min: the floor no plan at the bound goes below
    /// (`CountGoals.byteRatioFloor`, docs/planner.md), this plan's at the bound, and after the
    /// trade (nil: a broker holds or may hold nothing).
    public var bytesRatioFloorAtBound: Double?
    public var bytesRatioAtBound: Double?
    public var bytesRatio: Double?

    public init(tolerance: Double, lowerBoundMoves: Int, maxMoves: Int, movesAtBound: Int, bytesMovedAtBound: Int64,
                moves: Int, bytesMoved: Int64, bytesRatioFloorAtBound: Double?, bytesRatioAtBound: Double?, bytesRatio: Double?) {
        self.bytesRatioFloorAtBound = bytesRatioFloorAtBound
        self.tolerance = tolerance
        self.lowerBoundMoves = lowerBoundMoves
        self.maxMoves = maxMoves
        self.movesAtBound = movesAtBound
        self.bytesMovedAtBound = bytesMovedAtBound
        self.moves = moves
        self.bytesMoved = bytesMoved
        self.bytesRatioAtBound = bytesRatioAtBound
        self.bytesRatio = bytesRatio
    }

    enum CodingKeys: String, CodingKey {
        case tolerance
        case lowerBoundMoves = "lower_bound_moves", maxMoves = "max_moves"
        case movesAtBound = "moves_at_bound", bytesMovedAtBound = "bytes_moved_at_bound"
        case moves, bytesMoved = "bytes_moved"
        case bytesRatioFloorAtBound = "bytes_ratio_floor_at_bound"
        case bytesRatioAtBound = "bytes_ratio_at_bound", bytesRatio = "bytes_ratio"
    }
}

extension PlanRequest {
    /// kscale's own run record (`RunRegistry` in KScaleExec): a few kilobytes the planner leaves
    /// where they are unless a replica is on a broker being removed, so a rebalance does not move
    /// the record its own run is written to, nor count its tiny partition as a replica to balance.
    public static let runRecordTopic = "__kscale_runs"

    /// `--exclude-topics` compiled, or a refusal naming the pattern: the one place the pattern is
    /// judged, used by the planner and by the flows before they wait for anything.
    public static func excludePattern(_ pattern: String?) throws -> Regex<AnyRegexOutput>? {
        guard let pattern else { return nil }
        do { return try Regex(pattern) } catch {
            throw InvalidInput("--exclude-topics \"\(pattern)\" is not a valid regular expression: \(error)")
        }
    }
}
