/// Load goals, for snapshots with traffic (docs/planner.md, "Load"): after the replica phases have
/// balanced counts and bytes, network in is evened by exchanges that keep both, and network out by
/// the choice of preferred leaders, which copies nothing.
///
/// - Network in: while the busiest target broker's network in is above `networkSpreadPermille` of
///   the quietest one's, exchange a replica of the busiest with one of the quietest (or move one
///   when the busiest holds more replicas), choosing the pair whose produce-rate difference is
///   closest to half the gap; an exchange must keep the rack rule, leave both brokers' bytes inside
///   the byte range the replica phases left, and is spent from a move budget
///   (`extraMovesPermilleOfPlanned`, `extraMovesPermilleOfReplicas`). Free exchanges (which only
///   re-target or undo planned moves) are searched first, from the few replicas of changed
///   partitions; then the busiest's replicas from the highest rate down, stopping once no lower
///   rate can do better. `RateIndex` keeps what both searches walk sorted between moves, so a
///   round costs the candidates it tries, not a walk over the brokers' replicas.
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
    /// An exchange whose shift is within this many permille of half the gap is taken without
    /// searching further down the busiest broker's rates.
    static let exchangeMissPermille: Int64 = 10
    /// Leadership hand-overs at most this many per partition, a bound on the leader pass.
    static let leaderPassesPerPartition = 2

    /// A replica and its partition's produce rate.
    typealias RatedSlot = (slot: SlotIndex, rate: Int64)

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
        var index = RateIndex(state: state)
        var stuck = Set<BrokerIndex>()
        // Free exchanges cost no budget: the rounds are bounded on their own.
        var rounds = max(targets.count * Self.exchangeRoundsPerBroker, layout.replicas.count)
        while budget > 0, rounds > 0 {
            rounds -= 1
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
            let searches = receivers.map { (receiver: $0, free: true) } + receivers.map { (receiver: $0, free: false) }
            for (receiver, free) in searches {
                let search = ExchangeSearch(busiest: busiest, quietest: receiver, gap: high - usage[receiver].networkIn, bytesWithin: byteRange)
                guard let exchange = free ? freeExchange(search, index: index) : costingExchange(search, budget: budget, index: index) else { continue }
                let moved = load.produced[layout.slotPartition[exchange.out]] + (exchange.back.map { load.produced[layout.slotPartition[$0]] } ?? 0)
                if exchange.cost > 0 {
                    guard moved <= loadBudget else { continue }
                    loadBudget -= moved
                }
                budget -= exchange.cost
                index.move(exchange.out, to: receiver, in: &state)
                if let back = exchange.back { index.move(back, to: busiest, in: &state) }
                exchanged = true
                break
            }
            if !exchanged { stuck.insert(busiest) }
        }
    }

    /// One exchange search: a replica from `busiest` to `quietest`, perhaps one back, shifting
    /// network in by as near half `gap` as the candidates allow, both brokers' bytes kept `bytesWithin`.
    private struct ExchangeSearch {
        let busiest: BrokerIndex
        let quietest: BrokerIndex
        let gap: Int64
        let bytesWithin: ClosedRange<Int64>
        var wanted: Int64 { gap / 2 }
    }

    /// A chosen exchange: `back` nil is a plain move (the busiest holds more replicas); `cost` the
    /// replica moves it adds to the plan (0 when it only re-targets or undoes planned moves).
    private struct Exchange {
        let out: SlotIndex
        let back: SlotIndex?
        let miss: Int64
        let cost: Int
    }

    /// The best of the candidates offered: the smallest miss from half the gap, the first found
    /// on a tie, within `budget` moves (0: only free exchanges), keeping the rack rule and bytes.
    private struct ExchangeChoice {
        let search: ExchangeSearch
        let budget: Int
        let countsAllowMove: Bool
        var best: Exchange?

        var bestMiss: Int64 { best?.miss ?? Int64.max }
    }

    private func consider(_ out: RatedSlot, back: RatedSlot?, in choice: inout ExchangeChoice) {
        let search = choice.search
        guard back != nil || choice.countsAllowMove else { return }
        let shift = out.rate - (back?.rate ?? 0)
        guard shift > 0, shift < search.gap else { return }
        let miss = abs(shift - search.wanted)
        guard miss < choice.bestMiss else { return }
        if let back, layout.slotPartition[back.slot] == layout.slotPartition[out.slot] { return }
        let cost = moveCost(out.slot, to: search.quietest) + (back.map { moveCost($0.slot, to: search.busiest) } ?? 0)
        guard cost <= choice.budget else { return }
        let byteShift = layout.size(ofSlot: out.slot) - (back.map { layout.size(ofSlot: $0.slot) } ?? 0)
        guard search.bytesWithin.contains(measuredBytes(search.busiest) - byteShift),
              search.bytesWithin.contains(measuredBytes(search.quietest) + byteShift) else { return }
        guard layout.canMove(slot: out.slot, to: search.quietest) else { return }
        if let back { guard layout.canMove(slot: back.slot, to: search.busiest) else { return } }
        choice.best = Exchange(out: out.slot, back: back?.slot, miss: miss, cost: max(0, cost))
    }

    /// Offers `out` with each of the `exchangeWindow` replicas on either side of the wanted rate in
    /// `backs` (sorted by rate), and alone.
    private func considerWindow(out: RatedSlot, backs: RatedSlots, in choice: inout ExchangeChoice) {
        consider(out, back: nil, in: &choice)
        for position in backs.window(around: out.rate - choice.search.wanted, reach: Self.exchangeWindow) {
            consider(out, back: backs[position], in: &choice)
        }
    }

    /// The best exchange that costs no moves. Such an exchange touches a changed partition on one
    /// side (`RateIndex.changed`): a replica of the busiest that a planned move put there or whose
    /// partition the quietest held in the snapshot, or a replica of the quietest that a planned
    /// move took off the busiest (taking it back undoes the move). Those are few, and searched
    /// against the other broker's replicas by rate.
    private func freeExchange(_ search: ExchangeSearch, index: RateIndex) -> Exchange? {
        var choice = ExchangeChoice(search: search, budget: 0, countsAllowMove: countsAllowMove(search), best: nil)
        for out in index.changed[search.busiest].slots where moveCost(out.slot, to: search.quietest) <= 0 {
            considerWindow(out: out, backs: index.byRate[search.quietest], in: &choice)
        }
        let outs = index.byRate[search.busiest]
        for back in index.changed[search.quietest].slots where !isNewPlacement(search.busiest, of: layout.slotPartition[back.slot]) {
            for position in outs.window(around: back.rate + search.wanted, reach: Self.exchangeWindow) {
                consider(outs[position], back: back, in: &choice)
            }
        }
        return choice.best
    }

    /// The best exchange within `budget` moves: the busiest's replicas from the highest rate down,
    /// each with the quietest's replicas nearest the wanted rate, until no lower rate can come
    /// nearer half the gap than the best found (a shift is at most the rate given away), or one
    /// comes within `exchangeMissPermille` of it.
    private func costingExchange(_ search: ExchangeSearch, budget: Int, index: RateIndex) -> Exchange? {
        var choice = ExchangeChoice(search: search, budget: budget, countsAllowMove: countsAllowMove(search), best: nil)
        let outs = index.byRate[search.busiest], backs = index.byRate[search.quietest]
        let closeEnough = search.wanted / 1000 * Self.exchangeMissPermille
        for position in stride(from: outs.count - 1, through: 0, by: -1) {
            let out = outs[position]
            guard out.rate > 0, search.wanted - out.rate < choice.bestMiss, choice.bestMiss > closeEnough else { break }
            considerWindow(out: out, backs: backs, in: &choice)
        }
        return choice.best
    }

    /// A plain move (no replica back) only from a broker holding more replicas than the receiver.
    private func countsAllowMove(_ search: ExchangeSearch) -> Bool {
        replicasOn[search.busiest].count > replicasOn[search.quietest].count
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
        !layout.heldInSnapshot(broker, partition)
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

/// A broker's replicas with their partitions' produce rates, sorted by rate then slot.
struct RatedSlots {
    private(set) var slots: [LoadBalance.RatedSlot] = []

    var count: Int { slots.count }
    subscript(_ position: Int) -> LoadBalance.RatedSlot { slots[position] }

    /// The position of the first replica whose rate is at least `rate` (`count` when none is).
    func firstIndex(rateAtLeast rate: Int64) -> Int {
        var low = 0, high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle].rate < rate { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The positions of the `reach` replicas on either side of where `rate` falls.
    func window(around rate: Int64, reach: Int) -> Range<Int> {
        let start = firstIndex(rateAtLeast: rate)
        return max(0, start - reach)..<min(slots.count, start + reach)
    }

    /// The position `entry` has or would have.
    private func position(of entry: LoadBalance.RatedSlot) -> Int {
        var low = 0, high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if (slots[middle].rate, slots[middle].slot) < (entry.rate, entry.slot) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    mutating func insert(_ entry: LoadBalance.RatedSlot) { slots.insert(entry, at: position(of: entry)) }

    mutating func remove(_ entry: LoadBalance.RatedSlot) {
        let position = position(of: entry)
        if position < slots.count, slots[position].slot == entry.slot { slots.remove(at: position) }
    }

    /// Built from unsorted entries.
    init(_ entries: [LoadBalance.RatedSlot] = []) { slots = entries.sorted { ($0.rate, $0.slot) < ($1.rate, $1.slot) } }
}

/// What the network-in exchanges search, kept current as they move replicas: per broker its
/// movable replicas by produce rate (`byRate`), and those of them whose partition a planned move
/// changed (`changed`: its brokers differ from the snapshot's), where every free exchange starts.
struct RateIndex {
    private(set) var byRate: PerBroker<RatedSlots>
    private(set) var changed: PerBroker<RatedSlots>

    init(state: LoadedLayout) {
        let layout = state.layout
        var all = PerBroker<[LoadBalance.RatedSlot]>(repeating: [], count: layout.brokerCount)
        var touched = PerBroker<[LoadBalance.RatedSlot]>(repeating: [], count: layout.brokerCount)
        for partition in layout.partitions where layout.movable[partition] {
            let rate = state.load.produced[partition]
            let isChanged = layout.addedReplicas(partition) > 0
            for slot in layout.slots(of: partition) {
                all[layout.replicas[slot]].append((slot: slot, rate: rate))
                if isChanged { touched[layout.replicas[slot]].append((slot: slot, rate: rate)) }
            }
        }
        byRate = PerBroker(all.values.map { RatedSlots($0) })
        changed = PerBroker(touched.values.map { RatedSlots($0) })
    }

    /// Moves `slot` to `destination` in `state`, and keeps both indexes current.
    mutating func move(_ slot: SlotIndex, to destination: BrokerIndex, in state: inout LoadedLayout) {
        let partition = state.layout.slotPartition[slot]
        let rate = state.load.produced[partition]
        let partitionSlots = state.layout.slots(of: partition)
        if state.layout.addedReplicas(partition) > 0 {
            for each in partitionSlots { changed[state.layout.replicas[each]].remove((slot: each, rate: rate)) }
        }
        byRate[state.layout.replicas[slot]].remove((slot: slot, rate: rate))
        state.move(slot, to: destination)
        byRate[destination].insert((slot: slot, rate: rate))
        if state.layout.addedReplicas(partition) > 0 {
            for each in partitionSlots { changed[state.layout.replicas[each]].insert((slot: each, rate: rate)) }
        }
    }
}
