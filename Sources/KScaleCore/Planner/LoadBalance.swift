/// Load goals, for snapshots with traffic (docs/planner.md, "Load"): after the replica phases have
/// balanced counts and bytes, network in is evened by exchanges that keep both, and network out by
/// the choice of preferred leaders, which copies nothing.
///
/// - Network in: while the busiest target broker's network in is above `networkSpreadPermille` of
///   the quietest one's, exchange a replica of the busiest with one of the quietest (or move one
///   when the busiest holds more replicas), choosing the pair whose produce-rate difference is
///   closest to half the gap; an exchange must keep the rack rule, leave both brokers' bytes inside
///   the byte range the replica phases left, and is spent from a move budget (`exchangeBudget`).
/// - Network out: while the busiest leader's network out can be lowered, hand one of its
///   leaderships to a follower where the larger of the two ends up smallest (with rates, preferred
///   leaders balance network out rather than leader counts).
struct LoadBalance {
    /// Network in is even when max/min is within this many permille (the 1.10 target, with margin).
    static let networkSpreadPermille: Int64 = 1080
    /// Extra moves the exchanges may spend: this share (permille) of the moves the replica phases
    /// made (a scale-out stays within 1.05 of the count bound), and for a rebalance at least this
    /// share of all replicas (a cluster even in counts but not in traffic has few planned moves).
    /// Exchanges that only re-target a planned move, or undo one, cost nothing.
    static let extraMovesPermilleOfPlanned = 45
    static let extraMovesPermilleOfReplicas = 150
    /// A rebalance's exchanges move at most this many permille of the network-in surplus (the
    /// traffic above the mean on the busy brokers, the least any plan must move): `load_moved_over_lb`.
    static let loadBudgetPermilleOfSurplus: Int64 = 1400
    /// Bytes per broker may drift this far (permille) from the mean while network in is evened,
    /// or stay within the range the replica phases left when that is wider.
    static let byteDriftPermille: Int64 = 20
    /// Exchange rounds per target broker (or one per replica, when that is more), a bound on the network-in pass.
    static let exchangeRoundsPerBroker = 64
    /// How many of the quietest brokers an exchange from the busiest is tried with.
    static let receiversTried = 8
    /// Candidates tried on each side of the wanted rate, per replica of the busiest broker.
    static let exchangeWindow = 6
    /// Leadership hand-overs at most this many per partition, a bound on the leader pass.
    static let leaderPassesPerPartition = 2

    private var state: LoadedLayout
    var layout: Layout { state.layout }
    private var load: LayoutLoad { state.load }
    private var usage: PerBroker<BrokerUsage> { state.usage }
    private var replicasOn: PerBroker<[SlotIndex]> { state.slotsOn }

    /// Per target broker, its bytes above the mean at an even share of its disk (0 with equal disks).
    private var byteOffset: PerBroker<Int64>

    init(layout: Layout, load: LayoutLoad) {
        state = LoadedLayout(layout: layout, load: load)
        byteOffset = PerBroker(repeating: 0, count: layout.brokerCount)
    }

    /// A broker's bytes as the exchanges keep them even: less its disk-share offset.
    private func measuredBytes(_ broker: BrokerIndex) -> Int64 { usage[broker].diskBytes - byteOffset[broker] }

    private var targets: [BrokerIndex] { layout.brokers.filter { layout.isTarget[$0] } }

    // MARK: network in

    /// `extraMovesCapped`: a scale-out, whose moves stay near the count bound; otherwise the
    /// exchanges are bounded by the traffic they move.
    mutating func evenNetworkIn(extraMovesCapped: Bool) {
        let targets = self.targets
        guard targets.count > 1 else { return }
        // Bytes as shares of each disk when disks differ (`Layout.diskShareOffsets`).
        let offsets = layout.diskShareOffsets(targets, total: targets.reduce(Int64(0)) { $0 + usage[$1].diskBytes })
        for (broker, offset) in zip(targets, offsets) { byteOffset[broker] = offset }
        let bytes = targets.map { measuredBytes($0) }
        guard let lowestBytes = bytes.min(), let highestBytes = bytes.max() else { return }
        let meanBytes = bytes.reduce(0, +) / Int64(bytes.count)
        let drift = meanBytes / 1000 * Self.byteDriftPermille
        let byteRange = min(lowestBytes, meanBytes - drift)...max(highestBytes, meanBytes + drift)
        let planned = layout.slots.reduce(0) { $0 + (isNewPlacement(layout.replicas[$1], of: layout.slotPartition[$1]) ? 1 : 0) }
        var budget = max(1, planned * Self.extraMovesPermilleOfPlanned / 1000)
        if !extraMovesCapped { budget = max(budget, layout.replicas.count * Self.extraMovesPermilleOfReplicas / 1000) }
        let meanIn = targets.reduce(Int64(0)) { $0 + usage[$1].networkIn } / Int64(targets.count)
        let surplus = targets.reduce(Int64(0)) { $0 + max(0, usage[$1].networkIn - meanIn) }
        var loadBudget = extraMovesCapped ? Int64.max : surplus / 1000 * Self.loadBudgetPermilleOfSurplus
        var stuck = Set<BrokerIndex>()
        // Free exchanges cost no budget: the rounds are bounded on their own.
        var rounds = max(targets.count * Self.exchangeRoundsPerBroker, layout.replicas.count)
        // Each receiver's movable replicas by rate, sorted once and kept until a move changes its
        // replicas; the undoing ones per receiver for this round's busiest broker.
        var backsOf: [BrokerIndex: [RatedSlot]] = [:]
        while budget > 0, rounds > 0 {
            rounds -= 1
            var undoingOf: [BrokerIndex: [RatedSlot]] = [:]
            let open = targets.filter { !stuck.contains($0) }
            guard let busiest = open.max(by: { (usage[$0].networkIn, $1.position) < (usage[$1].networkIn, $0.position) }) else { return }
            let quietest = targets.sorted { (usage[$0].networkIn, $0.position) < (usage[$1].networkIn, $1.position) }
            guard let lowest = quietest.first, lowest != busiest else { return }
            let high = usage[busiest].networkIn
            if high * 1000 <= usage[lowest].networkIn * Self.networkSpreadPermille { return }
            // The quietest brokers in turn (those of the busiest's rack first: when racks hold fixed
            // shares, a replica can only change brokers inside its rack), until one takes an exchange.
            let sameRack = quietest.filter { layout.rack[$0] == layout.rack[busiest] }
            let otherRacks = quietest.filter { layout.rack[$0] != layout.rack[busiest] }
            var exchanged = false
            // Free exchanges with any receiver first, then ones that cost moves.
            let receivers = (sameRack + otherRacks).prefix(Self.receiversTried).filter { $0 != busiest && usage[$0].networkIn < high }
            for (receiver, allowance) in receivers.map({ ($0, 0) }) + receivers.map({ ($0, budget) }) {
                let backs = backsOf[receiver] ?? sortedByRate(receiver)
                backsOf[receiver] = backs
                let undoing = undoingOf[receiver] ?? backs.filter { !isNewPlacement(busiest, of: layout.slotPartition[$0.slot]) }
                undoingOf[receiver] = undoing
                guard let exchange = bestExchange(from: busiest, to: receiver, gap: high - usage[receiver].networkIn,
                                                  bytesWithin: byteRange, budget: allowance, backs: backs, undoing: undoing) else { continue }
                let moved = load.produced[layout.slotPartition[exchange.out]] + (exchange.back.map { load.produced[layout.slotPartition[$0]] } ?? 0)
                if exchange.cost > 0 {
                    guard moved <= loadBudget else { continue }
                    loadBudget -= moved
                }
                budget -= exchange.cost
                state.move(exchange.out, to: receiver)
                if let back = exchange.back { state.move(back, to: busiest) }
                backsOf[receiver] = nil
                backsOf[busiest] = nil
                exchanged = true
                break
            }
            if !exchanged { stuck.insert(busiest) }
        }
    }

    /// A replica and its partition's produce rate.
    typealias RatedSlot = (slot: SlotIndex, rate: Int64)

    /// `broker`'s movable replicas, by produce rate then slot.
    private func sortedByRate(_ broker: BrokerIndex) -> [RatedSlot] {
        replicasOn[broker].filter { layout.movable[layout.slotPartition[$0]] }
            .map { (slot: $0, rate: load.produced[layout.slotPartition[$0]]) }
            .sorted { ($0.rate, $0.slot) < ($1.rate, $1.slot) }
    }

    /// The replica of `busiest` to give `quietest`, and the one to take back (nil: a plain move, when
    /// the busiest holds more replicas), whose produce-rate difference is closest to half `gap`.
    /// For each replica of the busiest only the `exchangeWindow` candidates of the quietest nearest
    /// the wanted rate are tried.
    /// An exchange that costs nothing (re-targeting or undoing planned moves) is preferred to any
    /// that costs moves; among each kind, the one closest to half the gap, within `budget`.
    /// `backs`: the quietest broker's movable replicas by rate (`sortedByRate`); `undoing`: those of
    /// them a planned move took off the busiest broker (taking one back undoes that move, so the
    /// exchange is free; searched on their own so the window finds them).
    private func bestExchange(from busiest: BrokerIndex, to quietest: BrokerIndex, gap: Int64,
                              bytesWithin range: ClosedRange<Int64>, budget: Int,
                              backs: [RatedSlot], undoing: [RatedSlot]) -> (out: SlotIndex, back: SlotIndex?, cost: Int)? {
        let wanted = gap / 2
        var best: (out: SlotIndex, back: SlotIndex?, miss: Int64, cost: Int)?
        var bestFree: (out: SlotIndex, back: SlotIndex?, miss: Int64, cost: Int)?
        let countsAllowMove = replicasOn[busiest].count > replicasOn[quietest].count
        func consider(_ out: SlotIndex, _ back: SlotIndex?, backRate: Int64, outRate: Int64) {
            let shift = outRate - backRate
            guard shift > 0, shift < gap else { return }
            let miss = abs(shift - wanted)
            let cost = moveCost(out, to: quietest) + (back.map { moveCost($0, to: busiest) } ?? 0)
            let free = cost <= 0
            guard cost <= budget else { return }
            if free { if let current = bestFree, miss >= current.miss { return } } else if let current = best, miss >= current.miss { return }
            if let back, layout.slotPartition[back] == layout.slotPartition[out] { return }
            let byteShift = layout.size(ofSlot: out) - (back.map { layout.size(ofSlot: $0) } ?? 0)
            guard range.contains(measuredBytes(busiest) - byteShift), range.contains(measuredBytes(quietest) + byteShift) else { return }
            guard layout.canMove(slot: out, to: quietest) else { return }
            if let back { guard layout.canMove(slot: back, to: busiest) else { return } }
            if free { bestFree = (out, back, miss, cost) } else { best = (out, back, miss, cost) }
        }
        for out in replicasOn[busiest] where layout.movable[layout.slotPartition[out]] {
            let outRate = load.produced[layout.slotPartition[out]]
            guard outRate > 0 else { continue }
            if countsAllowMove { consider(out, nil, backRate: 0, outRate: outRate) }
            let target = outRate - wanted
            for candidates in [backs, undoing] {
                var low = 0, high = candidates.count
                while low < high {
                    let middle = (low + high) / 2
                    if candidates[middle].rate < target { low = middle + 1 } else { high = middle }
                }
                for index in max(0, low - Self.exchangeWindow)..<min(candidates.count, low + Self.exchangeWindow) {
                    consider(out, candidates[index].slot, backRate: candidates[index].rate, outRate: outRate)
                }
            }
            if bestFree?.miss == 0 { break }
        }
        return (bestFree ?? best).map { ($0.out, $0.back, max(0, $0.cost)) }
    }

    /// Replica moves `slot` going to `destination` adds to the plan: 1 when it goes to a broker
    /// that did not hold the partition in the snapshot, -1 when it comes back to one that did, 0
    /// when it re-targets a planned move. Judged on the partition's brokers, not the slot's: the
    /// leader phase reorders slots before this one runs, and a reordered replica is no move (the
    /// plan's replica moves, `replicas_moved`, count new placements).
    private func moveCost(_ slot: SlotIndex, to destination: BrokerIndex) -> Int {
        let partition = layout.slotPartition[slot]
        return (isNewPlacement(destination, of: partition) ? 1 : 0) - (isNewPlacement(layout.replicas[slot], of: partition) ? 1 : 0)
    }

    /// Whether `broker` holding a replica of `partition` is a new placement (it held none in the snapshot).
    private func isNewPlacement(_ broker: BrokerIndex, of partition: PartitionIndex) -> Bool {
        !layout.slots(of: partition).contains { layout.original[$0] == broker }
    }

    // MARK: network out

    /// Lowers the busiest broker's network out, or, when it cannot, raises the quietest one's,
    /// one leadership hand-over at a time, each lowering the larger of the two brokers it touches
    /// and never raising the cluster's maximum.
    mutating func evenNetworkOut() {
        let targets = self.targets
        guard targets.count > 1 else { return }
        var passes = layout.partitionCount * Self.leaderPassesPerPartition
        var settled = Set<BrokerIndex>()
        while passes > 0 {
            passes -= 1
            let open = targets.filter { !settled.contains($0) }
            guard let busiest = targets.max(by: { (usage[$0].networkOut, $1.position) < (usage[$1].networkOut, $0.position) }),
                  let quietest = open.min(by: { (usage[$0].networkOut, $0.position) < (usage[$1].networkOut, $1.position) }) else { return }
            let ceiling = usage[busiest].networkOut
            if let handOver = bestHandOver(from: busiest, ceiling: ceiling) ?? bestHandOver(to: quietest, ceiling: ceiling) {
                state.promote(handOver.partition, slot: handOver.slot)
            } else {
                settled.insert(quietest)
            }
        }
    }

    /// A leadership of `leader` to give to one of its followers, leaving both below `ceiling`.
    private func bestHandOver(from leader: BrokerIndex, ceiling: Int64) -> (partition: PartitionIndex, slot: SlotIndex)? {
        var best: (partition: PartitionIndex, slot: SlotIndex, peak: Int64)?
        for slot in replicasOn[leader] {
            let partition = layout.slotPartition[slot]
            let partitionSlots = layout.slots(of: partition)
            guard slot == partitionSlots.lowerBound, layout.movable[partition] else { continue }
            let gain = load.leadership(partition, in: layout)
            guard gain > 0 else { continue }
            for follower in partitionSlots.dropFirst() where layout.isTarget[layout.replicas[follower]] {
                let peak = max(usage[leader].networkOut - gain, usage[layout.replicas[follower]].networkOut + gain)
                guard peak < ceiling, best.map({ peak < $0.peak }) ?? true else { continue }
                best = (partition, follower, peak)
            }
        }
        return best.map { ($0.partition, $0.slot) }
    }

    /// A leadership for `follower` to take from the leader of a partition it follows, where the
    /// larger of the two ends lower than the leader was and below `ceiling`.
    private func bestHandOver(to follower: BrokerIndex, ceiling: Int64) -> (partition: PartitionIndex, slot: SlotIndex)? {
        var best: (partition: PartitionIndex, slot: SlotIndex, peak: Int64)?
        for slot in replicasOn[follower] {
            let partition = layout.slotPartition[slot]
            let first = layout.slots(of: partition).lowerBound
            guard slot != first, layout.movable[partition] else { continue }
            let leader = layout.replicas[first]
            let gain = load.leadership(partition, in: layout)
            guard gain > 0 else { continue }
            let peak = max(usage[leader].networkOut - gain, usage[follower].networkOut + gain)
            guard peak < usage[leader].networkOut, peak < ceiling, best.map({ peak < $0.peak }) ?? true else { continue }
            best = (partition, slot, peak)
        }
        return best.map { ($0.partition, $0.slot) }
    }
}
