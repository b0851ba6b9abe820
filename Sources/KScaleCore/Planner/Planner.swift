/// The reassignment planner: pure, deterministic, offline. See docs/planner.md for what a good
/// plan is and how this one gets there.
public enum Planner {
    /// Moves beyond the count plan that rebalance and scale-in `--rebalance` may spend on byte
    /// balance: a tenth of the count lower bound, at least `minByteExtraMoves` (count balance
    /// alone can leave bytes uneven).
    static let byteExtraMovesDivisor = 10
    static let minByteExtraMoves = 4
    /// A rebalance of a snapshot with traffic may spend this share (permille) of all replicas on
    /// byte balance instead: the load phase's exchanges keep bytes within the range the byte polish
    /// leaves, so a cluster even in counts but not in bytes would otherwise stay uneven in bytes
    /// (issue 14's target, bytes max/min <= 1.10 after a traffic rebalance). The polish stops
    /// spending once bytes are within the byte goal.
    static let trafficByteExtraMovesPermille = 60

    public static func plan(_ snapshot: ClusterSnapshot, _ request: PlanRequest) throws -> PlanResult {
        if let limit = request.maxMoves, limit < 0 { throw InvalidInput("--max-moves must be 0 or more, not \(limit)") }
        if let limit = request.maxBytes, limit < 0 { throw InvalidInput("--max-bytes must be 0 or more, not \(limit)") }
        if request.byteTolerance != nil, request.kind == .leaders {
            throw InvalidInput("--byte-tolerance is for balance plans (scale-out, rebalance, scale-in --rebalance); a leaders plan moves no data")
        }
        let before = try LayoutBuilder.build(snapshot, request)
        if request.kind != .leaders { try HardLimits.checkTotals(before, snapshot: snapshot, request) }
        var layout = before
        var rackRepairs = 0
        var byteTrade: ByteTrade?

        if request.kind != .leaders {
            var mover = ReplicaMover(before)
            let mode: ReplicaMover.Mode
            var extraMoves = 0
            switch request.kind {
            case .scaleIn(_, let rebalance) where !rebalance: mode = .fillOnly
            case .rebalance, .scaleIn:
                mode = .balance
                extraMoves = max(minByteExtraMoves, mover.lowerBoundMoves / byteExtraMovesDivisor)
                if case .rebalance = request.kind, snapshot.hasTraffic {
                    extraMoves = max(extraMoves, before.replicas.count * trafficByteExtraMovesPermille / 1000)
                }
            default: mode = .balance
            }
            if request.maxMoves != nil || request.maxBytes != nil { extraMoves = 0 }
            if let tolerance = request.byteTolerance {
                try PlanRequest.checkByteTolerance(tolerance)
                guard mode == .balance else {
                    throw InvalidInput("--byte-tolerance is for balance plans (scale-out, rebalance, scale-in --rebalance); plain scale-in moves only the removed brokers' replicas")
                }
                guard request.maxMoves == nil && request.maxBytes == nil else {
                    throw InvalidInput("--byte-tolerance cannot be combined with --max-moves or --max-bytes: it sets its own move limit (a tenth beyond the count bound)")
                }
            }
            let outcome = mover.run(mode: mode, byteExtraMoves: extraMoves, byteTolerance: request.byteTolerance)
            rackRepairs = outcome.rackRepairs
            byteTrade = outcome.byteTrade
            layout = mover.layout
            try applyBudget(&layout, original: before, request)
        }

        var leaders = LeaderBalancer(layout)
        leaders.run()
        layout = leaders.layout
        if snapshot.hasTraffic {
            var balance = LoadBalance(layout: layout, load: LayoutLoad(layout: layout, snapshot: snapshot))
            if Self.evensNetworkIn(request) {
                if case .scaleOut = request.kind { balance.evenNetworkIn(extraMovesCapped: true) } else { balance.evenNetworkIn(extraMovesCapped: false) }
            }
            balance.evenNetworkOut()
            layout = balance.layout
        }
        if request.kind != .leaders { layout = try HardLimits.enforce(layout, snapshot: snapshot, request) }
        var result = PlanOutput.result(before: before, after: layout, kind: request.kind, rackRepairs: rackRepairs, byteTrade: byteTrade)
        if snapshot.hasTraffic || snapshot.hasNetworkCapacities {
            result.summary.load = UsageChange(snapshot: snapshot, plan: result.plan)
        }
        if request.kind != .leaders { try orderForDiskPeak(&result, snapshot) }
        return result
    }

    /// Orders a plan that moves data in the stages of `DiskPeak` (or refuses it), when some broker's
    /// disk is known; the summary records how many stages.
    static func orderForDiskPeak(_ result: inout PlanResult, _ snapshot: ClusterSnapshot) throws {
        guard snapshot.brokers.contains(where: { $0.diskTotalBytes != nil }), !result.plan.partitions.isEmpty else { return }
        let peak = try DiskPeak(snapshot: snapshot, plan: result.plan)
        result.plan = peak.ordered(result.plan)
        result.summary.diskPeakStages = peak.stages.count
    }

    /// Network-in exchanges cost moves: not for leader plans, a plain scale-in (exactly the removed
    /// brokers' replicas move) or a plan within a budget.
    static func evensNetworkIn(_ request: PlanRequest) -> Bool {
        if request.maxMoves != nil || request.maxBytes != nil { return false }
        switch request.kind {
        case .leaders, .scaleIn(_, rebalance: false): return false
        default: return true
        }
    }

    /// Keeps whole partitions' changes, most useful first, until a budget would be exceeded;
    /// the rest go back to where they were (always valid: that is the snapshot's assignment).
    static func applyBudget(_ layout: inout Layout, original: Layout, _ request: PlanRequest) throws {
        guard request.maxMoves != nil || request.maxBytes != nil else { return }
        let maxMoves = request.maxMoves ?? Int.max
        let maxBytes = request.maxBytes ?? Int64.max
        /// One partition's planned change.
        struct Change {
            var partition: PartitionIndex
            var moves: Int
            var bytes: Int64
            /// Whether it moves a replica off a removed broker.
            var forced: Bool
            /// The lowest broker that loses a replica of it (nil when none does).
            var source: BrokerIndex?
        }
        var changes: [Change] = []
        for partition in layout.partitions {
            var moves = 0, forced = false
            var source: BrokerIndex?
            let partitionSlots = layout.slots(of: partition)
            for slot in partitionSlots {
                let planned = layout.replicas[slot]
                if !partitionSlots.contains(where: { original.replicas[$0] == planned }) { moves += 1 }
                let old = original.replicas[slot]
                if !layout.isTarget[old] { forced = true }
                if !partitionSlots.contains(where: { layout.replicas[$0] == old }) { source = min(source ?? old, old) }
            }
            if moves > 0 { changes.append(Change(partition: partition, moves: moves, bytes: Int64(moves) * layout.size[partition], forced: forced, source: source)) }
        }
        let forcedMoves = changes.filter(\.forced).reduce(0) { $0 + $1.moves }
        let forcedBytes = changes.filter(\.forced).reduce(Int64(0)) { $0 + $1.bytes }
        if forcedMoves > maxMoves || forcedBytes > maxBytes {
            throw InvalidInput("emptying the removed brokers needs \(forcedMoves) replica moves and \(ByteUnits.format(forcedBytes)), more than the budget (--max-moves/--max-bytes) allows")
        }
        // Forced first; then round-robin over the brokers that shed, smallest partitions first,
        // so every over-full broker gets relief and the byte budget buys the most moves.
        var bySource: [BrokerIndex?: [Change]] = [:]
        for change in changes where !change.forced { bySource[change.source, default: []].append(change) }
        let sources = bySource.keys.sorted { ($0?.position ?? Int.max) < ($1?.position ?? Int.max) }
        var queues = sources.map { source in
            (bySource[source] ?? []).sorted { $0.bytes != $1.bytes ? $0.bytes < $1.bytes : $0.partition < $1.partition }
        }
        var keep = changes.filter(\.forced)
        var dropped: [Change] = []
        var moves = forcedMoves, bytes = forcedBytes
        while queues.contains(where: { !$0.isEmpty }) {
            for queue in queues.indices where !queues[queue].isEmpty {
                let change = queues[queue].removeFirst()
                if moves + change.moves <= maxMoves && bytes + change.bytes <= maxBytes {
                    keep.append(change); moves += change.moves; bytes += change.bytes
                } else {
                    dropped.append(change)
                }
            }
        }
        var kept = PerPartition(repeating: false, count: layout.partitionCount)
        for change in keep { kept[change.partition] = true }
        let planned = layout.replicas
        for change in changes where !kept[change.partition] {
            for slot in layout.slots(of: change.partition) { layout.replicas[slot] = original.replicas[slot] }
        }
        // What is left of the budget buys single replicas of partitions that move several: a
        // replica moved alone still goes from a broker above its goal to one below, so the budget
        // is spent on balance rather than left over.
        for change in dropped where moves < maxMoves {
            let partition = change.partition
            for slot in layout.slots(of: partition) where planned[slot] != original.replicas[slot] && !layout.holds(partition, planned[slot]) {
                guard moves + 1 <= maxMoves, bytes + layout.size[partition] <= maxBytes else { break }
                if layout.rackViolation(partition, replacing: slot, with: planned[slot]) > layout.rackViolation(partition) { continue }
                layout.replicas[slot] = planned[slot]
                moves += 1
                bytes += layout.size[partition]
            }
        }
    }
}
