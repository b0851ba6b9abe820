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
    /// Per broker: slots moved onto it in this plan, ordered by (size, slot) (except while
    /// placement defers the order: `deferMovedOrder`).
    private(set) var movedOnto: PerBroker<[SlotIndex]>
    /// Per broker: whether its `movedOnto` list was appended to out of order.
    private var movedOutOfOrder: PerBroker<Bool>
    private var defersMovedOrder = false
    /// The moved slots again, per (broker they are on, broker they came from), ordered like
    /// `movedOnto` (`moved(onto:from:)`): what the byte polish's reselect looks through.
    private var movedBetween: [Int: [SlotIndex]] = [:]
    /// Keys of `movedBetween` appended to out of order while placement defers the order.
    private var pairsOutOfOrder: Set<Int> = []
    /// Per broker: the movable slots it held in the snapshot, ordered by (size, slot). Fixed: a
    /// slot that moved away is still listed (compare `layout.replicas` with `layout.original`).
    let homeSlots: PerBroker<[SlotIndex]>
    /// Per broker: the positions in `homeSlots` whose slot is still there (kept by `apply`), so
    /// the smallest replicas a broker still holds from the snapshot are found without walking
    /// past those that left.
    private(set) var stillHome: PerBroker<PositionSet>
    /// Per slot: its position in its snapshot broker's `homeSlots` (-1 for unmovable partitions).
    private let homePosition: PerSlot<Int32>
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
        movedOutOfOrder = PerBroker(repeating: false, count: brokerCount)
        // Visiting partitions by (size, index) fills every broker's list already in (size, slot) order.
        var homeSlots = PerBroker<[SlotIndex]>(repeating: [], count: brokerCount)
        let size = layout.size
        let bySize = layout.partitions.sorted { size[$0] != size[$1] ? size[$0] < size[$1] : $0 < $1 }
        for partition in bySize where layout.movable[partition] {
            for slot in layout.slots(of: partition) { homeSlots[layout.replicas[slot]].append(slot) }
        }
        var homePosition = PerSlot<Int32>(repeating: -1, count: layout.replicas.count)
        for broker in layout.brokers {
            for (position, slot) in homeSlots[broker].enumerated() { homePosition[slot] = Int32(position) }
        }
        self.homeSlots = homeSlots
        self.homePosition = homePosition
        stillHome = PerBroker(layout.brokers.map { PositionSet(count: homeSlots[$0].count, full: true) })
        groups = BalanceGroups(layout)
        topics = TopicSpread(layout, groups: groups)
    }

    @inline(__always) func sizeOf(_ slot: SlotIndex) -> Int64 { layout.size(ofSlot: slot) }

    @inline(__always) func topicOf(_ slot: SlotIndex) -> TopicIndex { topics.topic(of: layout.slotPartition[slot]) }

    /// Whether `slot` is where the snapshot had it.
    @inline(__always) func isHome(_ slot: SlotIndex) -> Bool { layout.replicas[slot] == layout.original[slot] }

    /// From here on, bytes per broker are measured less `offset` (`CountGoals.byteOffset`): with
    /// disks of different sizes, even bytes mean even shares of each disk.
    mutating func measureBytesByDisk(_ offset: PerBroker<Int64>) {
        for broker in layout.brokers { bytesOn[broker] -= offset[broker] }
    }

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
        if layout.original[slot] != source { removeMoved(slot, from: source) } else { leaveHome(slot) }
        topics.move(topicOf(slot), from: source, to: destination)
        layout.replicas[slot] = destination
        if layout.original[slot] != destination { insertMoved(slot, onto: destination) } else { returnHome(slot) }
    }

    private mutating func leaveHome(_ slot: SlotIndex) {
        let position = Int(homePosition[slot])
        if position >= 0 { stillHome[layout.original[slot]].remove(position) }
    }

    private mutating func returnHome(_ slot: SlotIndex) {
        let position = Int(homePosition[slot])
        if position >= 0 { stillHome[layout.original[slot]].insert(position) }
    }

    /// Up to `limit` of the slots `broker` still holds from the snapshot, smallest first.
    func smallestStillHome(_ broker: BrokerIndex, limit: Int) -> [SlotIndex] {
        var found: [SlotIndex] = []
        var next = stillHome[broker].next(from: 0)
        while let position = next, found.count < limit {
            found.append(homeSlots[broker][position])
            next = stillHome[broker].next(from: position + 1)
        }
        return found
    }

    /// The worst balance group's bytes max/min now; nil when a broker of a group holds nothing.
    func worstGroupByteRatio() -> Double? {
        var worst = 1.0
        for members in groups.members.values where !members.isEmpty {
            let bytes = members.map { bytesOn[$0] }
            guard let lightest = bytes.min(), let heaviest = bytes.max() else { continue }
            if lightest <= 0 { return heaviest <= 0 ? worst : nil }
            worst = max(worst, Double(heaviest) / Double(lightest))
        }
        return worst
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

    /// The key of `movedBetween` for slots on `broker` that came from `source`.
    @inline(__always) private func pairKey(onto broker: BrokerIndex, from source: BrokerIndex) -> Int {
        broker.position * layout.brokerCount + source.position
    }

    /// The slots on `broker` that the snapshot had on `source`, ordered by (size, slot).
    func moved(onto broker: BrokerIndex, from source: BrokerIndex) -> [SlotIndex] {
        movedBetween[pairKey(onto: broker, from: source)] ?? []
    }

    private mutating func insertMoved(_ slot: SlotIndex, onto broker: BrokerIndex) {
        let pair = pairKey(onto: broker, from: layout.original[slot])
        if defersMovedOrder {
            movedOnto[broker].append(slot)
            movedOutOfOrder[broker] = true
            movedBetween[pair, default: []].append(slot)
            pairsOutOfOrder.insert(pair)
            return
        }
        let at = position(of: slot, in: movedOnto[broker])
        movedOnto[broker].insert(slot, at: at)
        let atInPair = position(of: slot, in: movedBetween[pair] ?? [])
        movedBetween[pair, default: []].insert(slot, at: atInPair)
    }

    private mutating func removeMoved(_ slot: SlotIndex, from broker: BrokerIndex) {
        let pair = pairKey(onto: broker, from: layout.original[slot])
        if movedOutOfOrder[broker] {
            if let at = movedOnto[broker].lastIndex(of: slot) { movedOnto[broker].remove(at: at) }
        } else {
            let at = position(of: slot, in: movedOnto[broker])
            if at < movedOnto[broker].count && movedOnto[broker][at] == slot { movedOnto[broker].remove(at: at) }
        }
        if pairsOutOfOrder.contains(pair) {
            if let at = movedBetween[pair]?.lastIndex(of: slot) { movedBetween[pair]?.remove(at: at) }
        } else {
            let list = movedBetween[pair] ?? []
            let at = position(of: slot, in: list)
            if at < list.count && list[at] == slot { movedBetween[pair]?.remove(at: at) }
        }
    }

    /// Placement puts replicas biggest first, so keeping each moved list in order as it goes would
    /// insert every arrival at the front of its broker's list (quadratic in a broker's arrivals).
    /// Between this and `orderMovedLists`, `apply` appends; a broker's list read in between is
    /// put in order first (`orderMovedList(of:)`). The lists end exactly as if kept in order.
    mutating func deferMovedOrder() { defersMovedOrder = true }

    mutating func orderMovedLists() {
        for broker in layout.brokers where movedOutOfOrder[broker] { orderMovedList(of: broker) }
        let size = layout.size, partitionOf = layout.slotPartition
        for pair in pairsOutOfOrder {
            movedBetween[pair]?.sort { slot, other in
                let slotSize = size[partitionOf[slot]], otherSize = size[partitionOf[other]]
                return slotSize != otherSize ? slotSize < otherSize : slot < other
            }
        }
        pairsOutOfOrder = []
        defersMovedOrder = false
    }

    mutating func orderMovedList(of broker: BrokerIndex) {
        guard movedOutOfOrder[broker] else { return }
        let size = layout.size, partitionOf = layout.slotPartition
        movedOnto[broker].sort { slot, other in
            let slotSize = size[partitionOf[slot]], otherSize = size[partitionOf[other]]
            return slotSize != otherSize ? slotSize < otherSize : slot < other
        }
        movedOutOfOrder[broker] = false
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
