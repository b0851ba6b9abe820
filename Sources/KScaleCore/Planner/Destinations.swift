/// Phase 4: where the leaving replicas go (forced off removed brokers, and shed by over-full
/// brokers), one at a time, biggest first.
extension MoverState {
    /// Places `leavers`, biggest first, each on the feasible destination of its group that evens
    /// its topic out best and then still needs the most bytes per free slot. `need` (from
    /// `CountGoals`) is counted down as destinations fill.
    /// `relay`: a forced replica may cost one more move to keep counts on their goals (not in
    /// plain scale-in, which moves exactly the removed brokers' replicas).
    mutating func place(_ leavers: consuming [Leaver], need: inout PerBroker<Int>, byteMean: PerGroup<Int64>, relay: Bool) {
        // Sorted in place: a scale-out or scale-in of a large cluster has 100,000s of leavers.
        leavers.sort { leaver, other in
            sizeOf(leaver.slot) != sizeOf(other.slot) ? sizeOf(leaver.slot) > sizeOf(other.slot) : leaver.slot < other.slot
        }
        let biggestFirst = leavers
        var destinations = PerGroup<[BrokerIndex]>(repeating: [], count: groups.count)
        for group in groups.indices { destinations[group] = groups.members[group].filter { need[$0] > 0 } }
        var unplaced: [SlotIndex] = []
        // Slots already chosen to leave are not offered again as alternatives.
        var leaving = Set(biggestFirst.lazy.map(\.slot))
        deferMovedOrder()
        defer { orderMovedLists() }
        for leaver in biggestFirst {
            let slot = leaver.slot
            let source = layout.replicas[slot]
            let group = leaver.forcedInto ?? groups.groupOf[source]
            if let destination = bestDestination(slot, among: destinations[group], need: need, byteMean: byteMean[group]) {
                apply(slot, to: destination)
                need[destination] -= 1
                if need[destination] == 0 { destinations[group].removeAll { $0 == destination } }
            } else if leaver.forcedInto != nil {
                if !relay || !self.relay(slot, among: destinations[group], members: groups.members[group], need: &need) { unplaced.append(slot) }
                destinations[group].removeAll { need[$0] == 0 }
            } else {
                // Shed another replica of the same broker instead, one that fits somewhere.
                if let (replacement, destination) = substitute(for: slot, from: source, among: destinations[group], excluding: leaving) {
                    leaving.insert(replacement)
                    apply(replacement, to: destination)
                    need[destination] -= 1
                    if need[destination] == 0 { destinations[group].removeAll { $0 == destination } }
                }
            }
        }
        // A forced replica with no free feasible slot still has to leave: the least-loaded target
        // that can take it, keeping the rack rule if any can, else no worse, else anywhere.
        for slot in unplaced {
            let current = layout.rackViolation(layout.slotPartition[slot])
            var best: BrokerIndex?
            for allowed in [0, current, Int.max] {
                for broker in layout.brokers where layout.canMove(slot: slot, to: broker, allowedViolation: allowed) {
                    if best.map({ isLighter(broker, than: $0) }) ?? true { best = broker }
                }
                if best != nil { break }
            }
            if let best { apply(slot, to: best) }
        }
    }

    /// Places a forced replica that no broker with room can take (they all hold its partition
    /// already) through a relay: it goes to a broker `via` that can take it, and `via` passes one
    /// of its replicas, preferably one this plan already moves, on to a broker with room.
    /// Counts stay on their goals, at the cost of at most one more move.
    private mutating func relay(_ slot: SlotIndex, among destinations: [BrokerIndex], members: [BrokerIndex],
                                need: inout PerBroker<Int>) -> Bool {
        let partition = layout.slotPartition[slot]
        for destination in destinations where need[destination] > 0 {
            for via in members where via != destination && layout.canMove(slot: slot, to: via) {
                orderMovedList(of: via)
                let passOn = movedOnto[via] + homeSlots[via].filter { layout.replicas[$0] == via }
                for other in passOn where layout.slotPartition[other] != partition && layout.canMove(slot: other, to: destination) {
                    apply(slot, to: via)
                    apply(other, to: destination)
                    need[destination] -= 1
                    return true
                }
            }
        }
        return false
    }

    /// The destination that evens its topic out best, then needs the most bytes per free slot.
    private func bestDestination(_ slot: SlotIndex, among destinations: [BrokerIndex], need: PerBroker<Int>,
                                 byteMean: Int64) -> BrokerIndex? {
        var best: BrokerIndex?
        var bestTopicCost = Int.max
        var bestBytesPerSlot = 0.0
        let topic = topicOf(slot)
        for destination in destinations where need[destination] > 0 {
            let topicCost = max(0, topics.arriveCost(topic, destination, holding: topics.onBroker(topic, destination)))
            let bytesPerSlot = Double(byteMean - bytesOn[destination]) / Double(need[destination])
            // The feasibility check is the costly part: only for a destination that would win.
            if best == nil || topicCost < bestTopicCost || (topicCost == bestTopicCost && bytesPerSlot > bestBytesPerSlot),
               layout.canMove(slot: slot, to: destination) {
                best = destination; bestTopicCost = topicCost; bestBytesPerSlot = bytesPerSlot
            }
        }
        return best
    }

    /// Another replica of `source` to shed in place of `slot`, nearest it in size so the byte
    /// choice changes as little as possible, with a destination that can take it.
    private func substitute(for slot: SlotIndex, from source: BrokerIndex, among destinations: [BrokerIndex],
                            excluding leaving: Set<SlotIndex>) -> (SlotIndex, BrokerIndex)? {
        let list = homeSlots[source]
        let nearest = lowerBound(list, size: sizeOf(slot))
        var below = nearest - 1, above = nearest
        while below >= 0 || above < list.count {
            for position in [above, below] where position >= 0 && position < list.count {
                let candidate = list[position]
                if !isHome(candidate) || leaving.contains(candidate) { continue }
                for destination in destinations where layout.canMove(slot: candidate, to: destination) { return (candidate, destination) }
            }
            below -= 1; above += 1
        }
        return nil
    }
}
