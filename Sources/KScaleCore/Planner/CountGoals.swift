/// A replica that leaves its broker in this plan: forced off a removed broker (into the group of
/// the rack its partition lacks), or shed by an over-full broker (staying in its broker's group).
struct Leaver {
    var slot: SlotIndex
    /// The group a forced replica must land in; nil for a shed one.
    var forcedInto: GroupIndex?
}

/// Phase 2: how many replicas each target broker must end with, and so how many each must take
/// (`need`) or shed (`surplus`). Made once from the state after rack repair; the shedding and
/// placement phases read it, and placement counts `need` down as it fills brokers.
struct CountGoals {
    /// Replicas that must leave non-target (removed) brokers, in slot order, with their groups.
    let forced: [Leaver]
    /// Per target broker: replicas it must still take to reach its goal.
    var need: PerBroker<Int>
    /// Per target broker: replicas it must shed to come down to its goal.
    let surplus: PerBroker<Int>
    /// Per group: the bytes each of its brokers holds when bytes are even (forced arrivals included).
    let byteMean: PerGroup<Int64>
    /// Per broker: its bytes above the group's mean when bytes are spread in proportion to disk
    /// (`Layout.diskShareOffsets`; all 0 with equal or unknown disks). The mover measures bytes
    /// less this (`MoverState.measureBytesByDisk`).
    let byteOffset: PerBroker<Int64>

    init(_ state: MoverState, mode: ReplicaMover.Mode) {
        let layout = state.layout, groups = state.groups
        var forced: [Leaver] = []
        for slot in layout.slots where !layout.isTarget[layout.replicas[slot]] && layout.movable[layout.slotPartition[slot]] {
            forced.append(Leaver(slot: slot, forcedInto: Self.groupOfForced(slot, state)))
        }
        var arrivingCount = PerGroup(repeating: 0, count: groups.count)
        var arrivingBytes = PerGroup(repeating: Int64(0), count: groups.count)
        for leaver in forced {
            guard let group = leaver.forcedInto else { continue }
            arrivingCount[group] += 1
            arrivingBytes[group] += state.sizeOf(leaver.slot)
        }

        var need = PerBroker(repeating: 0, count: layout.brokerCount)
        var surplus = PerBroker(repeating: 0, count: layout.brokerCount)
        var byteMean = PerGroup(repeating: Int64(0), count: groups.count)
        var byteOffset = PerBroker(repeating: Int64(0), count: layout.brokerCount)
        for group in groups.indices {
            let members = groups.members[group]
            let total = members.reduce(0) { $0 + state.replicasOn[$1] } + arrivingCount[group]
            let totalBytes = members.reduce(Int64(0)) { $0 + state.bytesOn[$1] } + arrivingBytes[group]
            byteMean[group] = totalBytes / Int64(members.count)
            for (broker, offset) in zip(members, layout.diskShareOffsets(members, total: totalBytes)) { byteOffset[broker] = offset }
            // Brokers kept off new replicas keep exactly what they hold; the others share the rest.
            let open = members.filter { layout.acceptsNew[$0] }
            if open.isEmpty { continue }
            let goal: [Int]
            switch mode {
            case .balance:
                let keptOff = members.filter { !layout.acceptsNew[$0] }.reduce(0) { $0 + state.replicasOn[$1] }
                goal = Self.balanced(open, total: total - keptOff, replicasOn: state.replicasOn)
            case .fillOnly:
                goal = Self.waterFill(open, adding: arrivingCount[group], state)
            }
            for (position, broker) in open.enumerated() {
                need[broker] = max(0, goal[position] - state.replicasOn[broker])
                surplus[broker] = max(0, state.replicasOn[broker] - goal[position])
            }
        }
        self.forced = forced
        self.need = need
        self.surplus = surplus
        self.byteMean = byteMean
        self.byteOffset = byteOffset
    }

    /// The group a forced slot must land in: the target rack its partition lacks when racks hold
    /// fixed shares, else the single group.
    static func groupOfForced(_ slot: SlotIndex, _ state: MoverState) -> GroupIndex {
        let layout = state.layout, groups = state.groups
        guard groups.racksHoldShares else { return GroupIndex(0) }
        let partitionSlots = layout.slots(of: layout.slotPartition[slot])
        let rackOfGroup = { (group: GroupIndex) in layout.rack[groups.members[group][0]] }
        var present = Set<Int>()
        for other in partitionSlots where layout.isTarget[layout.replicas[other]] { present.insert(layout.rack[layout.replicas[other]]) }
        let missing = groups.indices.filter { !present.contains(rackOfGroup($0)) }
        // A leaving replica keeps its own rack when that rack still has target brokers; the others
        // take the remaining missing racks in slot order.
        let missingGroupOfRack = { (rack: Int) in missing.first { rackOfGroup($0) == rack } }
        if let own = missingGroupOfRack(layout.rack[layout.replicas[slot]]) { return own }
        var claimed = Set<GroupIndex>()
        var rank = 0
        for other in partitionSlots where !layout.isTarget[layout.replicas[other]] {
            if let group = missingGroupOfRack(layout.rack[layout.replicas[other]]) { claimed.insert(group) } else if other < slot { rank += 1 }
        }
        let free = missing.filter { !claimed.contains($0) }
        return free.isEmpty ? GroupIndex(0) : free[min(rank, free.count - 1)]
    }

    /// Count goals: `total` divided `q`/`q + 1` over `members`, the fullest brokers keeping the
    /// `q + 1` shares (that is what makes the move count equal the lower bound).
    static func balanced(_ members: [BrokerIndex], total: Int, replicasOn: PerBroker<Int>) -> [Int] {
        let share = total / members.count, larger = total % members.count
        let fullestFirst = members.indices.sorted {
            replicasOn[members[$0]] != replicasOn[members[$1]] ? replicasOn[members[$0]] > replicasOn[members[$1]] : $0 < $1
        }
        var goal = [Int](repeating: share, count: members.count)
        for position in fullestFirst.prefix(larger) { goal[position] = share + 1 }
        return goal
    }

    /// Goals when only `adding` replicas arrive and nothing else moves: raise the emptiest first.
    static func waterFill(_ members: [BrokerIndex], adding: Int, _ state: MoverState) -> [Int] {
        let replicasOn = state.replicasOn, bytesOn = state.bytesOn
        var goal = members.map { replicasOn[$0] }
        var left = adding
        let emptiestFirst = members.indices.sorted {
            let broker = members[$0], other = members[$1]
            if replicasOn[broker] != replicasOn[other] { return replicasOn[broker] < replicasOn[other] }
            return bytesOn[broker] != bytesOn[other] ? bytesOn[broker] < bytesOn[other] : broker < other
        }
        while left > 0 {
            let level = emptiestFirst.map { goal[$0] }.min() ?? 0
            for position in emptiestFirst where goal[position] == level && left > 0 {
                goal[position] += 1
                left -= 1
            }
        }
        return goal
    }

    /// The floor on bytes max/min at the count bound: no plan with exactly the bound's moves goes
    /// below it, in the worst group. At the bound a broker only sheds (when above its share) or
    /// only takes (when below) or keeps what it holds: with `q` the group's share, a broker of
    /// `c > q` replicas sheds `c - q - 1` or `c - q` (which brokers keep the `q + 1` shares is
    /// free among equals), one of `c <= q` takes `q - c` or `q + 1 - c`. So each broker ends
    /// between its bytes minus its most-shed largest replicas plus its least-taken times the
    /// smallest movable replica, and its bytes minus its least-shed smallest plus its most-taken
    /// times the largest. A broker below the mean bytes but above its count goal can only shed:
    /// that is what forces the imbalance. The floor is the largest lowest end over the smallest
    /// highest end, per group. Nil when a broker may end empty.
    func byteRatioFloor(_ state: MoverState) -> Double? {
        let layout = state.layout
        var smallest = Int64.max, largest: Int64 = 0
        for partition in layout.partitions where layout.movable[partition] {
            smallest = min(smallest, layout.size[partition])
            largest = max(largest, layout.size[partition])
        }
        if smallest == Int64.max { smallest = 0 }
        var worst = 1.0
        for members in state.groups.members.values where !members.isEmpty {
            let open = members.filter { layout.acceptsNew[$0] }
            // What the open brokers hold after the plan: their goals' sum.
            let total = open.reduce(0) { $0 + state.replicasOn[$1] - surplus[$1] + need[$1] }
            let share = open.isEmpty ? 0 : total / open.count
            var highestLow = Int64.min, lowestHigh = Int64.max
            for broker in members {
                var low = state.bytesOn[broker], high = state.bytesOn[broker]
                if layout.acceptsNew[broker] {
                    let count = state.replicasOn[broker]
                    let sizes = count > share ? state.homeSlots[broker].filter(state.isHome).map(state.sizeOf) : []
                    let mostShed = min(max(0, count - share), sizes.count), leastShed = min(max(0, count - share - 1), sizes.count)
                    let mostTaken = max(0, share + 1 - count), leastTaken = max(0, share - count)
                    low += -sizes.suffix(mostShed).reduce(0, +) + Int64(leastTaken) * smallest
                    high += -sizes.prefix(leastShed).reduce(0, +) + Int64(mostTaken) * largest
                }
                highestLow = max(highestLow, low)
                lowestHigh = min(lowestHigh, high)
            }
            if lowestHigh <= 0 { return nil }
            worst = max(worst, Double(highestLow) / Double(lowestHigh))
        }
        return worst
    }

    /// The score's count lower bound: surplus above the balanced goals plus everything on removed
    /// brokers.
    static func lowerBoundMoves(_ state: MoverState) -> Int {
        var bound = 0
        for broker in state.layout.brokers where !state.layout.isTarget[broker] { bound += state.replicasOn[broker] }
        for members in state.groups.members.values {
            let total = members.reduce(0) { $0 + state.replicasOn[$1] }
            let goal = balanced(members, total: total, replicasOn: state.replicasOn)
            for (position, broker) in members.enumerated() { bound += max(0, state.replicasOn[broker] - goal[position]) }
        }
        return bound
    }
}
