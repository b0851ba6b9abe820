/// Phase 6: byte balance inside each balance group, by exchanges that keep every broker's count.
extension MoverState {
    /// Byte spread (max/min - 1, in thousandths) at which plans that may spend extra moves stop:
    /// the byte goal `kscale check` judges by too.
    static let extraTolerancePermille = BalanceGoal.byteSpreadPermille
    /// The same when exchanges cost no extra moves: they are cheap, so polish further.
    static let freeTolerancePermille = 1
    /// How much topic imbalance one byte exchange may add when no exchange keeps topics even
    /// (squared-distance units: a broker one or two replicas past a topic's share, not ten).
    static let topicGiveBack = 3
    /// Partners tried for the heaviest and for the lightest broker in each polish round.
    static let polishPartners = 8
    /// Rounds of polish over a group: this many per broker, plus `polishRoundsBase`. Every round
    /// strictly narrows one gap, so the cap only bounds the time spent on ever smaller gains.
    static let polishRoundsPerBroker = 4
    static let polishRoundsBase = 400
    /// Replicas either side of the size an exchange wants that it tries, in each list it searches.
    static let exchangeWindow = 2
    /// Unmoved replicas of the lighter broker (its smallest) tried as partners for a swap of two
    /// unmoved replicas.
    static let homeSwapPartners = 4

    /// Exchanges between the heaviest and the lightest brokers of a group until no exchange
    /// lowers the spread. Free exchanges first (swap where two moved replicas land, or which
    /// replica a broker sheds); a move beyond the count plan only while `extraMoves` lasts.
    /// `tolerance`: the byte spread (max/min - 1) below which extra moves stop; by default the
    /// byte goal's. With a tolerance (`--byte-tolerance`) each extra move may also take a round.
    mutating func polishBytes(in group: GroupIndex, extraMoves: Int, tolerance: Double? = nil) {
        let members = groups.members[group]
        if members.count < 2 { return }
        var extra = extraMoves
        var rounds = 0
        let extraTolerance = tolerance ?? Double(Self.extraTolerancePermille) / 1000
        let maxRounds = Self.polishRoundsPerBroker * members.count + Self.polishRoundsBase + (tolerance == nil ? 0 : extraMoves)
        while rounds < maxRounds {
            rounds += 1
            let heaviestFirst = members.sorted { bytesOn[$0] != bytesOn[$1] ? bytesOn[$0] > bytesOn[$1] : $0 < $1 }
            guard let heaviest = heaviestFirst.first, let lightest = heaviestFirst.last, bytesOn[heaviest] > bytesOn[lightest] else { return }
            // Extra moves stop once bytes are within `extraTolerancePermille` of each other: every
            // further one copies data for a gain nobody would notice. Free exchanges go on.
            let gapPermille = Double(bytesOn[heaviest] - bytesOn[lightest]) * 1000
            if gapPermille <= Double(bytesOn[lightest]) * Double(Self.freeTolerancePermille) { return }
            let nearlyEven = gapPermille <= Double(bytesOn[lightest]) * extraTolerance * 1000
            if nearlyEven { extra = 0 }
            var improved = false
            // Pairs touching the extremes, closest to the extremes first. A handful of partners
            // per extreme bounds each round; the gap narrows from both ends.
            var pairs: [(heavy: BrokerIndex, light: BrokerIndex)] = []
            for partner in stride(from: heaviestFirst.count - 1, to: 0, by: -1).prefix(Self.polishPartners) {
                pairs.append((heaviest, heaviestFirst[partner]))
            }
            for partner in (1..<max(1, heaviestFirst.count - 1)).prefix(Self.polishPartners) {
                pairs.append((heaviestFirst[partner], lightest))
            }
            // Bytes come before topics (goal 2 before 4): while bytes are further apart than the
            // extra-move tolerance, an exchange that leaves a topic less even is taken when no
            // pair has one that does not. Closer than that, topics are not traded for bytes.
            pass: for keepTopics in nearlyEven ? [true] : [true, false] {
                for pair in pairs where exchange(heavy: pair.heavy, light: pair.light, extra: &extra, keepTopics: keepTopics, trading: tolerance != nil) {
                    improved = true
                    break pass
                }
            }
            if !improved { return }
        }
    }

    private enum Exchange {
        /// Moved `onHeavy` and moved `onLight` trade places.
        case swapMoved(onHeavy: SlotIndex, onLight: SlotIndex)
        /// `returning` (moved off `owner`) goes home, and `instead` leaves `owner` for where
        /// `returning` was: which replica `owner` sheds changes, the move count does not.
        case reselect(returning: SlotIndex, instead: SlotIndex, owner: BrokerIndex)
        /// `slot` on the heavy broker goes to the light one.
        case single(SlotIndex)
        /// Unmoved `onHeavy` and unmoved `onLight` trade places (two extra moves).
        case swapHome(onHeavy: SlotIndex, onLight: SlotIndex)
        /// `onHeavy` and `onLight` trade places where exactly one of them is unmoved and the other
        /// did not come from the broker it goes to (one extra move; counts kept): what a broker
        /// that only received can trade with one that only shed.
        case swapOneHome(onHeavy: SlotIndex, onLight: SlotIndex)
    }

    /// Looks for the exchange that moves closest to half the byte gap from `heavy` to `light`;
    /// applies it when it strictly narrows the gap.
    /// `trading`: under `--byte-tolerance`, which may also swap an unmoved replica for a moved one.
    private mutating func exchange(heavy: BrokerIndex, light: BrokerIndex, extra: inout Int, keepTopics: Bool, trading: Bool) -> Bool {
        let gap = bytesOn[heavy] - bytesOn[light]
        if gap <= 0 { return false }
        let half = gap / 2
        var best: Exchange?
        var bestMiss = half  // must beat "no transfer"
        var bestMoveCost = Int.max
        var bestTopicCost = Int.max
        // Cheapest tests first: the rack check (`feasible`) only for an exchange that would win.
        func consider(_ candidate: Exchange, transfer: Int64, moveCost: Int, feasible: () -> Bool) {
            guard transfer > 0, transfer < gap else { return }
            let miss = abs(transfer - half)
            guard miss <= bestMiss else { return }
            let topicChange = topicCost(of: candidate, heavy: heavy, light: light)
            if topicChange > (keepTopics ? 0 : Self.topicGiveBack) { return }
            guard miss < bestMiss || (topicChange, moveCost) < (bestTopicCost, bestMoveCost), feasible() else { return }
            best = candidate; bestMiss = miss; bestMoveCost = moveCost; bestTopicCost = topicChange
        }
        let window = Self.exchangeWindow
        let movedOntoHeavy = movedOnto[heavy], movedOntoLight = movedOnto[light]
        // A moved replica on each side trades places: transfer size(heavy's) - size(light's).
        // Each replica of the shorter list is tried against those of the longer one nearest the
        // size that makes the transfer half the gap, so a round costs the shorter list.
        func considerSwap(_ heavySlot: SlotIndex, _ lightSlot: SlotIndex) {
            if layout.slotPartition[heavySlot] == layout.slotPartition[lightSlot] { return }
            consider(.swapMoved(onHeavy: heavySlot, onLight: lightSlot), transfer: sizeOf(heavySlot) - sizeOf(lightSlot), moveCost: 0) {
                layout.canMove(slot: heavySlot, to: light) && layout.canMove(slot: lightSlot, to: heavy)
            }
        }
        if !movedOntoLight.isEmpty && movedOntoHeavy.count <= movedOntoLight.count {
            for heavySlot in movedOntoHeavy {
                let nearest = lowerBound(movedOntoLight, size: sizeOf(heavySlot) - half)
                for position in Self.window(around: nearest, window, in: movedOntoLight) { considerSwap(heavySlot, movedOntoLight[position]) }
            }
        } else if !movedOntoHeavy.isEmpty {
            for lightSlot in movedOntoLight {
                let nearest = lowerBound(movedOntoHeavy, size: sizeOf(lightSlot) + half)
                for position in Self.window(around: nearest, window, in: movedOntoHeavy) { considerSwap(movedOntoHeavy[position], lightSlot) }
            }
        }
        // heavy shed `returning` (now on light): heavy keeps it and sheds `instead`:
        // transfer size(instead) - size(returning).
        let homeOfHeavy = homeSlots[heavy], homeOfLight = homeSlots[light]
        func considerOneHome(_ heavySlot: SlotIndex, _ lightSlot: SlotIndex) {
            if layout.slotPartition[heavySlot] == layout.slotPartition[lightSlot] { return }
            consider(.swapOneHome(onHeavy: heavySlot, onLight: lightSlot), transfer: sizeOf(heavySlot) - sizeOf(lightSlot), moveCost: 1) {
                layout.canMove(slot: heavySlot, to: light) && layout.canMove(slot: lightSlot, to: heavy)
            }
        }
        for returning in moved(onto: light, from: heavy) {
            let nearest = lowerBound(homeOfHeavy, size: sizeOf(returning) + half)
            for position in Self.window(around: nearest, window, in: homeOfHeavy) {
                let instead = homeOfHeavy[position]
                if layout.replicas[instead] != heavy || layout.slotPartition[returning] == layout.slotPartition[instead] { continue }
                consider(.reselect(returning: returning, instead: instead, owner: heavy), transfer: sizeOf(instead) - sizeOf(returning), moveCost: 0) {
                    canReturn(returning) && layout.canMove(slot: instead, to: light)
                }
            }
        }
        // light shed `returning` (now on heavy): light keeps it and sheds `instead`:
        // transfer size(returning) - size(instead).
        for returning in moved(onto: heavy, from: light) {
            let nearest = lowerBound(homeOfLight, size: sizeOf(returning) - half)
            for position in Self.window(around: nearest, window, in: homeOfLight) {
                let instead = homeOfLight[position]
                if layout.replicas[instead] != light || layout.slotPartition[returning] == layout.slotPartition[instead] { continue }
                consider(.reselect(returning: returning, instead: instead, owner: light), transfer: sizeOf(returning) - sizeOf(instead), moveCost: 0) {
                    canReturn(returning) && layout.canMove(slot: instead, to: heavy)
                }
            }
        }
        // heavy has a replica more than light: one replica moves over and the counts stay balanced.
        if replicasOn[heavy] > replicasOn[light] {
            let nearest = lowerBound(movedOntoHeavy, size: half)
            for position in Self.window(around: nearest, window, in: movedOntoHeavy) {
                let slot = movedOntoHeavy[position]
                // Sent back where it came from: one move fewer.
                consider(.single(slot), transfer: sizeOf(slot), moveCost: layout.original[slot] == light ? -1 : 0) {
                    layout.canMove(slot: slot, to: light)
                }
            }
            if extra > 0 {
                let nearest = lowerBound(homeOfHeavy, size: half)
                for position in Self.window(around: nearest, window, in: homeOfHeavy) where layout.replicas[homeOfHeavy[position]] == heavy {
                    let slot = homeOfHeavy[position]
                    consider(.single(slot), transfer: sizeOf(slot), moveCost: 1) { layout.canMove(slot: slot, to: light) }
                }
            }
        }
        // An unmoved replica of one side trades places with a moved one of the other: one extra
        // move. Each moved replica is tried against the other side's unmoved ones nearest the
        // size wanted.
        if trading && extra > 0 {
            for lightSlot in movedOntoLight where layout.original[lightSlot] != heavy {
                let nearest = lowerBound(homeOfHeavy, size: sizeOf(lightSlot) + half)
                for position in Self.window(around: nearest, window, in: homeOfHeavy) where layout.replicas[homeOfHeavy[position]] == heavy {
                    considerOneHome(homeOfHeavy[position], lightSlot)
                }
            }
            for heavySlot in movedOntoHeavy where layout.original[heavySlot] != light {
                let nearest = lowerBound(homeOfLight, size: sizeOf(heavySlot) - half)
                for position in Self.window(around: nearest, window, in: homeOfLight) where layout.replicas[homeOfLight[position]] == light {
                    considerOneHome(heavySlot, homeOfLight[position])
                }
            }
        }
        // Two unmoved replicas trade places: two extra moves, the smallest partners on light.
        if best == nil && extra > 1 {
            for lightSlot in smallestStillHome(light, limit: Self.homeSwapPartners) {
                let nearest = lowerBound(homeOfHeavy, size: sizeOf(lightSlot) + half)
                for position in Self.window(around: nearest, window, in: homeOfHeavy) {
                    let heavySlot = homeOfHeavy[position]
                    if layout.replicas[heavySlot] != heavy || layout.slotPartition[heavySlot] == layout.slotPartition[lightSlot] { continue }
                    consider(.swapHome(onHeavy: heavySlot, onLight: lightSlot), transfer: sizeOf(heavySlot) - sizeOf(lightSlot), moveCost: 2) {
                        layout.canMove(slot: heavySlot, to: light) && layout.canMove(slot: lightSlot, to: heavy)
                    }
                }
            }
        }
        guard let chosen = best else { return false }
        switch chosen {
        case .swapMoved(let heavySlot, let lightSlot):
            apply(heavySlot, to: light); apply(lightSlot, to: heavy)
        case .reselect(let returning, let instead, let owner):
            let other = layout.replicas[returning]
            apply(returning, to: owner); apply(instead, to: other)
        case .single(let slot):
            if layout.original[slot] == heavy { extra -= 1 }
            apply(slot, to: light)
        case .swapHome(let heavySlot, let lightSlot):
            extra -= 2
            apply(heavySlot, to: light); apply(lightSlot, to: heavy)
        case .swapOneHome(let heavySlot, let lightSlot):
            extra -= 1
            apply(heavySlot, to: light); apply(lightSlot, to: heavy)
        }
        return true
    }

    /// How an exchange between `heavy` and `light` changes topic spread.
    private mutating func topicCost(of exchange: Exchange, heavy: BrokerIndex, light: BrokerIndex) -> Int {
        switch exchange {
        case .swapMoved(let heavySlot, let lightSlot), .swapHome(let heavySlot, let lightSlot), .swapOneHome(let heavySlot, let lightSlot):
            return topicCost((heavySlot, heavy, light), then: (lightSlot, light, heavy))
        case .reselect(let returning, let instead, let owner):
            let other = layout.replicas[returning]
            return topicCost((returning, other, owner), then: (instead, owner, other))
        case .single(let slot):
            return topics.moveCost(topicOf(slot), from: heavy, to: light)
        }
    }

    /// Whether a moved slot can go back to the broker it came from.
    private func canReturn(_ slot: SlotIndex) -> Bool {
        layout.canMove(slot: slot, to: layout.original[slot], allowedViolation: layout.rackViolation(layout.slotPartition[slot]))
    }
}
