/// The target brokers whose replica counts are balanced against each other: one group per rack
/// when racks hold fixed shares (every partition has exactly one replica per target rack, so a
/// rack's brokers share exactly one replica of each partition and racks of different sizes
/// cannot be balanced against each other), else one group of all targets.
struct BalanceGroups {
    /// Target broker -> its group (non-target brokers read as group 0 and are never members).
    let groupOf: PerBroker<GroupIndex>
    /// Group -> its brokers, ascending.
    let members: PerGroup<[BrokerIndex]>
    /// Whether every partition has exactly one replica per target rack.
    let racksHoldShares: Bool

    init(_ layout: Layout) {
        var uniformRF = true
        for partition in layout.partitions where layout.rf(partition) != layout.targetRackCount { uniformRF = false; break }
        let racksHoldShares = layout.targetRackCount > 1 && layout.partitionCount > 0 && uniformRF
        var byRack: [Int: [BrokerIndex]] = [:]
        for broker in layout.brokers where layout.isTarget[broker] { byRack[racksHoldShares ? layout.rack[broker] : 0, default: []].append(broker) }
        var groupOf = PerBroker(repeating: GroupIndex(0), count: layout.brokerCount)
        var members: [[BrokerIndex]] = []
        for rack in byRack.keys.sorted() {
            let brokers = byRack[rack] ?? []
            for broker in brokers { groupOf[broker] = GroupIndex(members.count) }
            members.append(brokers)
        }
        self.groupOf = groupOf
        self.members = PerGroup(members)
        self.racksHoldShares = racksHoldShares
    }

    var count: Int { members.count }
    var indices: Range<GroupIndex> { members.indices }
}

/// The assignment the replica phases change, and what every phase keeps current with it: counts
/// and bytes per broker, which slots each broker holds that moved, and each topic's spread. All
/// changes go through `apply`, so these never disagree with `layout.replicas`.
///
/// Everything is integer arithmetic over dense indices with index tie-breaks, so the same input
/// always gives the same plan.
struct MoverState {
    /// `replicas` is the assignment so far, `original` the snapshot's.
    var layout: Layout
    var replicasOn: PerBroker<Int>
    var bytesOn: PerBroker<Int64>
    /// Per broker: slots moved onto it in this plan, ordered by (size, slot).
    private(set) var movedOnto: PerBroker<[SlotIndex]>
    /// Per broker: the movable slots it held in the snapshot, ordered by (size, slot). Fixed: a
    /// slot that moved away is still listed (compare `layout.replicas` with `layout.original`).
    let homeSlots: PerBroker<[SlotIndex]>
    let groups: BalanceGroups
    /// Each topic's replicas per broker (goal 4), consulted to choose between equally good moves.
    private(set) var topics: TopicSpread

    init(_ layout: Layout) {
        self.layout = layout
        let brokerCount = layout.brokerCount
        var replicasOn = PerBroker(repeating: 0, count: brokerCount)
        var bytesOn = PerBroker(repeating: Int64(0), count: brokerCount)
        for slot in layout.slots {
            let broker = layout.replicas[slot]
            replicasOn[broker] += 1
            bytesOn[broker] += layout.size(ofSlot: slot)
        }
        self.replicasOn = replicasOn
        self.bytesOn = bytesOn
        movedOnto = PerBroker(repeating: [], count: brokerCount)
        // Visiting partitions by (size, index) fills every broker's list already in (size, slot) order.
        var homeSlots = PerBroker<[SlotIndex]>(repeating: [], count: brokerCount)
        let size = layout.size
        let bySize = layout.partitions.sorted { size[$0] != size[$1] ? size[$0] < size[$1] : $0 < $1 }
        for partition in bySize where layout.movable[partition] {
            for slot in layout.slots(of: partition) { homeSlots[layout.replicas[slot]].append(slot) }
        }
        self.homeSlots = homeSlots
        groups = BalanceGroups(layout)
        topics = TopicSpread(layout, groups: groups)
    }

    @inline(__always) func sizeOf(_ slot: SlotIndex) -> Int64 { layout.size(ofSlot: slot) }

    @inline(__always) func topicOf(_ slot: SlotIndex) -> TopicIndex { topics.topic(of: layout.slotPartition[slot]) }

    /// Whether `slot` is where the snapshot had it.
    @inline(__always) func isHome(_ slot: SlotIndex) -> Bool { layout.replicas[slot] == layout.original[slot] }

    /// Fewer replicas, then fewer bytes: where a replica with a free choice of broker goes.
    @inline(__always) func isLighter(_ broker: BrokerIndex, than other: BrokerIndex) -> Bool {
        replicasOn[broker] < replicasOn[other] || (replicasOn[broker] == replicasOn[other] && bytesOn[broker] < bytesOn[other])
    }

    /// Cost in topic spread of an exchange: two moves made one after the other.
    mutating func topicCost(_ first: (slot: SlotIndex, from: BrokerIndex, to: BrokerIndex),
                            then second: (slot: SlotIndex, from: BrokerIndex, to: BrokerIndex)) -> Int {
        topics.pairCost((topicOf(first.slot), first.from, first.to), (topicOf(second.slot), second.from, second.to))
    }

    // MARK: moving one slot

    /// Puts `slot` on broker `destination`, keeping counts, bytes, topic spread and the moved
    /// lists right.
    mutating func apply(_ slot: SlotIndex, to destination: BrokerIndex) {
        let source = layout.replicas[slot]
        if source == destination { return }
        let size = sizeOf(slot)
        replicasOn[source] -= 1; bytesOn[source] -= size
        replicasOn[destination] += 1; bytesOn[destination] += size
        if layout.original[slot] != source { removeMoved(slot, from: source) }
        topics.move(topicOf(slot), from: source, to: destination)
        layout.replicas[slot] = destination
        if layout.original[slot] != destination { insertMoved(slot, onto: destination) }
    }

    /// Order of the moved and home lists: by size, then slot.
    @inline(__always) private func precedes(_ slot: SlotIndex, _ other: SlotIndex) -> Bool {
        let size = sizeOf(slot), otherSize = sizeOf(other)
        return size != otherSize ? size < otherSize : slot < other
    }

    private func position(of slot: SlotIndex, in list: [SlotIndex]) -> Int {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if precedes(list[mid], slot) { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func insertMoved(_ slot: SlotIndex, onto broker: BrokerIndex) {
        let at = position(of: slot, in: movedOnto[broker])
        movedOnto[broker].insert(slot, at: at)
    }

    private mutating func removeMoved(_ slot: SlotIndex, from broker: BrokerIndex) {
        let at = position(of: slot, in: movedOnto[broker])
        if at < movedOnto[broker].count && movedOnto[broker][at] == slot { movedOnto[broker].remove(at: at) }
    }

    /// First position in `list` (ordered by size) whose size is >= `size`.
    func lowerBound(_ list: [SlotIndex], size: Int64) -> Int {
        var low = 0, high = list.count
        while low < high {
            let mid = (low + high) / 2
            if sizeOf(list[mid]) < size { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Positions of `list` within `window` either side of `center`, clamped to the list.
    @inline(__always) static func window(around center: Int, _ window: Int, in list: [SlotIndex]) -> Range<Int> {
        max(0, center - window)..<min(list.count, center + window)
    }
}
