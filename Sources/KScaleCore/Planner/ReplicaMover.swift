/// Moves replicas: first the ones that must leave (removed brokers), then the count surplus of
/// over-full brokers, choosing which replicas by size so bytes balance too, then polishes byte
/// balance with exchanges that keep every broker's count and, mostly, the number of moves.
///
/// The phases run in this order, each in its own file; they share only `MoverState` (the
/// assignment and what is kept current with it) and pass everything else explicitly:
///
/// 1. rack repair (`RackRepair.swift`, balance plans only): partitions the snapshot has
///    breaking the rack rule are fixed first; returns the count for the summary.
/// 2. count goals (`CountGoals.swift`): per group, what every target broker ends with, so
///    who must take (`need`) and who must shed (`surplus`); the forced leavers and their groups.
/// 3. shedding (`Shedding.swift`): which replicas each over-full broker gives up, by size
///    and topic; owns the per-(topic, group) room it consults, reads the state only.
/// 4. placement (`Destinations.swift`): where every leaver goes, counting `need` down.
/// 5. topic evening (`TopicEvening.swift`): trades of moved replicas that even topics out.
/// 6. byte polish (`BytePolish.swift`): exchanges that even bytes out, counts kept.
/// 7. topic guard (`TopicGuard.swift`): exchanges of moved replicas, counts, moves and the byte
///    range kept, so that no topic ends less even than the snapshot had it.
struct ReplicaMover {
    enum Mode {
        /// Reach count balance (spread <= 1, per rack when racks hold fixed shares) with the
        /// fewest moves, then byte balance.
        case balance
        /// Only the replicas on removed brokers move, placed for the best balance they allow.
        case fillOnly
    }

    private(set) var state: MoverState

    init(_ layout: Layout) { state = MoverState(layout) }

    /// The layout after `run`: the planned assignment in `replicas`.
    var layout: Layout { state.layout }

    /// The score's count lower bound on the layout as it is now (see `CountGoals.lowerBoundMoves`).
    var lowerBoundMoves: Int { CountGoals.lowerBoundMoves(state) }

    /// What `run` reports for the summary.
    struct Outcome {
        var rackRepairs: Int
        var byteTrade: ByteTrade?
    }

    /// Runs every phase. `byteExtraMoves`: moves beyond the count plan the byte polish may spend,
    /// shared out over the groups. `byteTolerance` (`--byte-tolerance`, balance plans): the polish
    /// first runs with no extra move (the plan at the count bound), then spends up to a tenth of
    /// the count bound more, in all, to bring every group's bytes max/min within it; the outcome
    /// says what that traded.
    mutating func run(mode: Mode, byteExtraMoves: Int, byteTolerance: Double? = nil) -> Outcome {
        let lowerBound = byteTolerance == nil ? 0 : lowerBoundMoves
        let spreadsBefore = state.topicSpreads()
        let rackRepairs = mode == .balance ? state.repairRackPlacement() : 0
        var goals = CountGoals(state, mode: mode)
        state.measureBytesByDisk(goals.byteOffset)
        let floorAtBound = byteTolerance == nil ? nil : goals.byteRatioFloor(state)
        var shedding = Shedding(state, goals)
        let shed = shedding.shedAll(state, goals)
        var leavers = goals.forced
        leavers.reserveCapacity(leavers.count + shed.count)
        for slot in shed { leavers.append(Leaver(slot: slot, forcedInto: nil)) }
        state.place(consume leavers, need: &goals.need, byteMean: goals.byteMean, relay: mode == .balance)
        for group in state.groups.indices { state.evenTopics(in: group) }
        guard let byteTolerance else {
            let extraPerGroup = byteExtraMoves / max(1, state.groups.count)
            for group in state.groups.indices { state.polishBytes(in: group, extraMoves: extraPerGroup) }
            for group in state.groups.indices { state.guardTopicSpread(in: group, before: spreadsBefore) }
            return Outcome(rackRepairs: rackRepairs, byteTrade: nil)
        }
        for group in state.groups.indices { state.polishBytes(in: group, extraMoves: 0) }
        let atBound = state.layout.movement(), ratioAtBound = state.worstGroupByteRatio()
        let maxMoves = lowerBound + lowerBound / Self.byteTradeDivisor
        let extraPerGroup = max(0, maxMoves - atBound.moves) / max(1, state.groups.count)
        for group in state.groups.indices { state.polishBytes(in: group, extraMoves: extraPerGroup, tolerance: byteTolerance - 1) }
        for group in state.groups.indices { state.guardTopicSpread(in: group, before: spreadsBefore) }
        let after = state.layout.movement()
        let trade = ByteTrade(tolerance: byteTolerance, lowerBoundMoves: lowerBound, maxMoves: maxMoves,
                              movesAtBound: atBound.moves, bytesMovedAtBound: atBound.bytes, moves: after.moves, bytesMoved: after.bytes,
                              bytesRatioFloorAtBound: floorAtBound, bytesRatioAtBound: ratioAtBound, bytesRatio: state.worstGroupByteRatio())
        return Outcome(rackRepairs: rackRepairs, byteTrade: trade)
    }

    /// `--byte-tolerance` spends at most the count bound / this (a tenth) beyond the bound.
    static let byteTradeDivisor = 10
}
