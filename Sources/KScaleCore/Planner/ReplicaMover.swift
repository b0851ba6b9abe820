/// Moves replicas: first the ones that must leave (removed brokers), then the count surplus of
/// over-full brokers, choosing which replicas by size so bytes balance too, then polishes byte
/// balance with exchanges that keep every broker's count and, mostly, the number of moves.
///
/// Everything is integer arithmetic over dense indices with index tie-breaks, so the same input
/// always gives the same plan.
struct ReplicaMover {
    enum Mode {
        /// Reach count balance (spread <= 1, per rack when racks hold fixed shares) with the
        /// fewest moves, then byte balance.
        case balance
        /// Only the replicas on removed brokers move, placed for the best balance they allow.
        case fillOnly
    }

    var L: Layout
    var count: [Int]
    var bytes: [Int64]
    /// Per broker: slots moved onto it in this plan, ordered by (size, slot).
    var moved: [[Int32]]
    /// Per broker: the movable slots it held in the snapshot, ordered by (size, slot).
    var home: [[Int32]]
    /// Target broker -> balance group (its rack when racks hold fixed shares, else 0).
    var group: [Int]
    var groups: [[Int]] = []
    /// Whether every partition has exactly one replica per target rack.
    var rackShares = false
    /// Each topic's replicas per broker (goal 4), consulted to choose between equally good moves.
    var topics: TopicSpread
    /// Per (topic, group), while choosing who sheds: replicas of the topic already chosen to move
    /// into the group, and how many the group's receiving brokers can take before reaching
    /// their fair share's floor and ceiling. `t * groups.count + g`.
    var incoming: [Int32] = []
    var roomLo: [Int32] = []
    var roomHi: [Int32] = []
    /// Brokers of the group being shed from that have not picked yet (this one included).
    var shedLeft = 1
    /// Scratch for `pick`: topic -> its position among the shedding broker's topics, else -1.
    var topicScratch: [Int32] = []
    /// Partitions `repairRacks` moved because their snapshot placement broke the rack rule.
    var rackRepairs = 0

    init(_ layout: Layout) {
        L = layout
        let n = layout.brokerCount
        count = [Int](repeating: 0, count: n)
        bytes = [Int64](repeating: 0, count: n)
        for s in layout.replicas.indices {
            let b = Int(layout.replicas[s])
            count[b] += 1
            bytes[b] += layout.size[Int(layout.slotPartition[s])]
        }
        moved = [[Int32]](repeating: [], count: n)
        home = [[Int32]](repeating: [], count: n)
        // Visiting partitions by (size, index) fills every broker's list already in (size, slot) order.
        let size = layout.size
        let bySize = (0..<layout.partitionCount).sorted { size[$0] != size[$1] ? size[$0] < size[$1] : $0 < $1 }
        for p in bySize where layout.movable[p] {
            for s in layout.start[p]..<layout.start[p + 1] { home[Int(layout.replicas[s])].append(Int32(s)) }
        }
        group = [Int](repeating: 0, count: n)
        var uniformRF = true
        for p in 0..<layout.partitionCount where layout.rf(p) != layout.targetRackCount { uniformRF = false; break }
        rackShares = layout.targetRackCount > 1 && layout.partitionCount > 0 && uniformRF
        var byRack: [Int: [Int]] = [:]
        for b in 0..<n where layout.isTarget[b] { byRack[rackShares ? layout.rack[b] : 0, default: []].append(b) }
        let keys = byRack.keys.sorted()
        for (g, k) in keys.enumerated() {
            let members = byRack[k] ?? []
            groups.append(members)
            for b in members { group[b] = g }
        }
        topics = TopicSpread(layout, group: group, groups: groups, rackShares: rackShares)
    }

    @inline(__always)
    static func less(_ a: Int32, _ b: Int32, _ size: [Int64], _ part: [Int32]) -> Bool {
        let sa = size[Int(part[Int(a)])], sb = size[Int(part[Int(b)])]
        return sa != sb ? sa < sb : a < b
    }

    @inline(__always) func sizeOf(_ slot: Int32) -> Int64 { L.size[Int(L.slotPartition[Int(slot)])] }

    @inline(__always) func topicOf(_ slot: Int32) -> Int { topics.topic(ofPartition: Int(L.slotPartition[Int(slot)])) }

    // MARK: moving one slot

    /// Puts `slot` on broker `to`, keeping counts, bytes and the moved lists right.
    mutating func apply(_ slot: Int32, to: Int32) {
        let s = Int(slot)
        let from = L.replicas[s]
        if from == to { return }
        let sz = sizeOf(slot)
        count[Int(from)] -= 1; bytes[Int(from)] -= sz
        count[Int(to)] += 1; bytes[Int(to)] += sz
        if L.original[s] != from { remove(slot, from: Int(from)) }
        topics.move(topics.topic(ofPartition: Int(L.slotPartition[s])), from: Int(from), to: Int(to))
        L.replicas[s] = to
        if L.original[s] != to { insert(slot, into: Int(to)) }
    }

    private func position(_ slot: Int32, in list: [Int32]) -> Int {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.less(list[mid], slot, L.size, L.slotPartition) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    private mutating func insert(_ slot: Int32, into b: Int) {
        let i = position(slot, in: moved[b])
        moved[b].insert(slot, at: i)
    }

    private mutating func remove(_ slot: Int32, from b: Int) {
        let i = position(slot, in: moved[b])
        if i < moved[b].count && moved[b][i] == slot { moved[b].remove(at: i) }
    }

    /// First index in `list` whose size is >= `value`.
    private func lowerBound(_ list: [Int32], size value: Int64) -> Int {
        lowerBound(list, size: value, in: 0..<list.count)
    }

    /// The same within `range` of `list`.
    private func lowerBound(_ list: [Int32], size value: Int64, in range: Range<Int>) -> Int {
        var lo = range.lowerBound, hi = range.upperBound
        while lo < hi {
            let mid = (lo + hi) / 2
            if sizeOf(list[mid]) < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    // MARK: the count phase

    /// Slots that must leave non-target brokers.
    func forcedSlots() -> [Int32] {
        var out: [Int32] = []
        for s in L.replicas.indices where !L.isTarget[Int(L.replicas[s])] && L.movable[Int(L.slotPartition[s])] {
            out.append(Int32(s))
        }
        return out
    }

    /// The group a forced slot must land in: the target rack its partition lacks when racks hold
    /// fixed shares, else the single group.
    func groupOfForced(_ slot: Int32) -> Int {
        guard rackShares else { return 0 }
        let p = Int(L.slotPartition[Int(slot)])
        let lo = L.start[p], hi = L.start[p + 1]
        var present = Set<Int>()
        for i in lo..<hi where L.isTarget[Int(L.replicas[i])] { present.insert(L.rack[Int(L.replicas[i])]) }
        let missing = groups.indices.filter { !present.contains(L.rack[groups[$0][0]]) }
        // A leaving replica keeps its own rack when that rack still has target brokers; the others
        // take the remaining missing racks in slot order.
        let groupOfRack: (Int) -> Int? = { r in missing.first { self.L.rack[self.groups[$0][0]] == r } }
        if let own = groupOfRack(L.rack[Int(L.replicas[Int(slot)])]) { return own }
        var claimed = Set<Int>()
        var rank = 0
        for i in lo..<hi where !L.isTarget[Int(L.replicas[i])] {
            if let g = groupOfRack(L.rack[Int(L.replicas[i])]) { claimed.insert(g) } else if i < Int(slot) { rank += 1 }
        }
        let free = missing.filter { !claimed.contains($0) }
        return free.isEmpty ? 0 : free[min(rank, free.count - 1)]
    }

    /// Runs the whole replica phase.
    mutating func run(mode: Mode, byteExtraMoves: Int) {
        if mode == .balance { repairRacks() }
        let forced = forcedSlots()
        var forcedByGroup = [[Int32]](repeating: [], count: groups.count)
        let forcedGroup = forced.map(groupOfForced)
        for (i, s) in forced.enumerated() { forcedByGroup[forcedGroup[i]].append(s) }

        var need = [Int](repeating: 0, count: L.brokerCount)
        var surplus = [Int](repeating: 0, count: L.brokerCount)
        var mean = [Int64](repeating: 0, count: groups.count)
        for (g, members) in groups.enumerated() {
            let arriving = forcedByGroup[g]
            let total = members.reduce(0) { $0 + count[$1] } + arriving.count
            let totalBytes = members.reduce(Int64(0)) { $0 + bytes[$1] } + arriving.reduce(Int64(0)) { $0 + sizeOf($1) }
            mean[g] = totalBytes / Int64(members.count)
            // Brokers kept off new replicas keep exactly what they hold; the others share the rest.
            let open = members.filter { L.acceptsNew[$0] }
            if open.isEmpty { continue }
            let goal: [Int]
            switch mode {
            case .balance: goal = balancedGoals(open, total: total - members.filter { !L.acceptsNew[$0] }.reduce(0) { $0 + count[$1] })
            case .fillOnly: goal = waterFill(open, adding: arriving.count)
            }
            for (i, b) in open.enumerated() {
                need[b] = max(0, goal[i] - count[b])
                surplus[b] = max(0, count[b] - goal[i])
            }
        }
        measureRoom(need: need, forced: forced, forcedGroup: forcedGroup)
        var shed: [Int32] = []
        for (g, members) in groups.enumerated() {
            shedLeft = members.filter { surplus[$0] > 0 }.count
            for b in members where surplus[b] > 0 {
                shed += pick(from: b, count: surplus[b], bytes: bytes[b] - mean[g])
                shedLeft -= 1
            }
        }
        assign(forced + shed, forcedGroup: forcedGroup, need: &need, mean: mean, relay: mode == .balance)
        for g in groups.indices { evenTopics(group: g) }
        for g in groups.indices { polish(group: g, extraMoves: byteExtraMoves / max(1, groups.count)) }
    }

    /// Count goals: the fullest brokers keep the `q + 1` shares (that is what makes the move
    /// count equal the lower bound).
    func balancedGoals(_ members: [Int], total: Int) -> [Int] {
        let q = total / members.count, r = total % members.count
        let order = members.indices.sorted { count[members[$0]] != count[members[$1]] ? count[members[$0]] > count[members[$1]] : $0 < $1 }
        var goal = [Int](repeating: q, count: members.count)
        for i in order.prefix(r) { goal[i] = q + 1 }
        return goal
    }

    /// Goals when only `adding` replicas arrive and nothing else moves: raise the emptiest first.
    func waterFill(_ members: [Int], adding: Int) -> [Int] {
        var goal = members.map { count[$0] }
        var left = adding
        let order = members.indices.sorted {
            let a = members[$0], b = members[$1]
            return count[a] != count[b] ? count[a] < count[b] : bytes[a] != bytes[b] ? bytes[a] < bytes[b] : a < b
        }
        while left > 0 {
            let level = order.map { goal[$0] }.min() ?? 0
            for i in order where goal[i] == level && left > 0 {
                goal[i] += 1
                left -= 1
            }
        }
        return goal
    }

    /// Fills `incoming`, `roomLo` and `roomHi` for the topic-aware choice of who sheds: the
    /// removed brokers' replicas are already on their way into their group.
    mutating func measureRoom(need: [Int], forced: [Int32], forcedGroup: [Int]) {
        let G = groups.count, T = topics.topicCount
        incoming = [Int32](repeating: 0, count: T * G)
        roomLo = [Int32](repeating: 0, count: T * G)
        roomHi = [Int32](repeating: 0, count: T * G)
        for (i, s) in forced.enumerated() { incoming[topicOf(s) * G + forcedGroup[i]] += 1 }
        for (g, members) in groups.enumerated() {
            for d in members where need[d] > 0 {
                for t in 0..<T where topics.total[t] >= 0 {
                    let (lo, hi) = topics.bounds(t, group: g)
                    let c = topics.onBroker(t, d)
                    roomLo[t * G + g] += max(0, lo - c)
                    roomHi[t * G + g] += max(0, hi - c)
                }
            }
        }
    }

    /// Chooses `k` of broker `b`'s replicas to shed, their sizes adding up to about `target`.
    ///
    /// Each pick is the unused replica nearest the average size still wanted, among the topics
    /// whose departure evens topics out most just now (b holds more than its share and the
    /// group's receiving brokers less). So a broker sheds a little of many topics, rather than
    /// every broker shedding the same few topics whose partitions happen to be the size wanted,
    /// and still sheds the bytes it must: brokers of equal counts can differ a lot in bytes, so
    /// some must shed their smallest replicas and others their largest.
    mutating func pick(from b: Int, count k: Int, bytes target: Int64) -> [Int32] {
        let list = home[b].filter { L.replicas[Int($0)] == L.original[Int($0)] }
        if k >= list.count { return list }
        let (topicsFirst, missed) = pick(from: b, count: k, bytes: target, in: list, bytesFirst: false)
        // Bytes outrank topics: a broker that must shed far more or fewer bytes per replica
        // than it holds on average cannot do it from the topics it should shed; it picks by size.
        if abs(missed) <= max(Int64(1), bytes[b] / Self.pickByteTolerance) { return topicsFirst }
        // Take back what the first attempt counted as on its way into the group.
        for s in topicsFirst { incoming[topicOf(s) * groups.count + group[b]] -= 1 }
        return pick(from: b, count: k, bytes: target, in: list, bytesFirst: true).picks
    }

    /// One attempt of `pick`: `bytesFirst` takes, among the replicas nearly the size wanted, the
    /// one whose topic evens out most; otherwise the size wanted is sought among the topics that
    /// even out most. Returns the picks and how many bytes they miss `target` by.
    private mutating func pick(from b: Int, count k: Int, bytes target: Int64, in list: [Int32], bytesFirst: Bool) -> (picks: [Int32], missed: Int64) {
        let G = groups.count, g = group[b]

        // Local topic index per replica of `list`, and each topic's replicas as positions in
        // `list` (`members[first[i]..<first[i + 1]]`, ascending size). `topicScratch` maps
        // topic -> local index meanwhile and is all -1 again after.
        if topicScratch.count != topics.topicCount { topicScratch = [Int32](repeating: -1, count: topics.topicCount) }
        var order: [Int] = []
        for s in list where topicScratch[topicOf(s)] < 0 {
            topicScratch[topicOf(s)] = Int32(order.count)
            order.append(topicOf(s))
        }
        let local = list.map { Int(topicScratch[topicOf($0)]) }
        for t in order { topicScratch[t] = -1 }
        var first = [Int](repeating: 0, count: order.count + 1)
        for i in local { first[i + 1] += 1 }
        for i in order.indices { first[i + 1] += first[i] }
        var members = [Int](repeating: 0, count: list.count)
        var fill = first
        for (pos, i) in local.enumerated() {
            members[fill[i]] = pos
            fill[i] += 1
        }

        // Topic classes: the cost of one more departure, clamped; the lowest non-empty class is
        // where the next pick comes from.
        var taken = [Int](repeating: 0, count: order.count)
        func cls(_ i: Int) -> Int {
            let t = order[i]
            let key = topics.leaveCost(t, b, holding: topics.onBroker(t, b) - Int32(taken[i])) + arrivalCost(t, group: g, G)
            return min(Self.classes - 1, max(0, key + Self.classes / 2))
        }
        var classOf = order.indices.map(cls)
        var inClass = [Int](repeating: 0, count: Self.classes)
        for c in classOf { inClass[c] += 1 }

        var used = [Bool](repeating: false, count: list.count)
        var chosen: [Int] = []
        chosen.reserveCapacity(k)
        var remaining = max(0, target)
        for left in stride(from: k, to: 0, by: -1) {
            guard let best = inClass.firstIndex(where: { $0 > 0 }) else { break }
            let want = remaining / Int64(left)
            let at = lowerBound(list, size: want)
            // Nearest first, within a window. Topics first: the nearest of the best class (past
            // the window, each topic of the class is searched). Bytes first: among the replicas
            // nearly the size wanted (within a quarter of it of the nearest), the best class.
            var choice = -1, choiceClass = Int.max, nearestErr = Int64.max
            var lo = at - 1, hi = at
            for _ in 0..<Self.pickWindow {
                while lo >= 0 && used[lo] { lo -= 1 }
                while hi < list.count && used[hi] { hi += 1 }
                let i: Int
                if lo < 0 && hi >= list.count { break } else if lo < 0 { i = hi } else if hi >= list.count { i = lo } else {
                    i = want - sizeOf(list[lo]) <= sizeOf(list[hi]) - want ? lo : hi
                }
                if i == lo { lo -= 1 } else { hi += 1 }
                let c = classOf[local[i]]
                if bytesFirst {
                    let err = abs(sizeOf(list[i]) - want)
                    if nearestErr == Int64.max { nearestErr = err }
                    if err > nearestErr + max(0, want) / 4 { break }
                    if c < choiceClass { choice = i; choiceClass = c }
                    if choiceClass == best { break }
                } else if c == best {
                    choice = i
                    break
                }
            }
            if choice < 0 {
                var bestErr = Int64.max
                for t in order.indices where classOf[t] == best {
                    guard let y = nearestUnused(list, members, first[t]..<first[t + 1], size: want, used: used) else { continue }
                    let err = abs(sizeOf(list[y]) - want)
                    if err < bestErr { bestErr = err; choice = y }
                }
            }
            guard choice >= 0 else { break }
            used[choice] = true
            chosen.append(choice)
            remaining -= sizeOf(list[choice])
            let i = local[choice]
            taken[i] += 1
            incoming[order[i] * G + g] += 1
            inClass[classOf[i]] -= 1
            if taken[i] < first[i + 1] - first[i] {
                classOf[i] = cls(i)
                inClass[classOf[i]] += 1
            } else {
                classOf[i] = -1
            }
        }
        // The last picks have little room to hit the bytes: trade picks for other replicas of
        // the same topic (topic spread unchanged) while that brings the total nearer `target`.
        for _ in 0..<2 where remaining != 0 {
            for j in chosen.indices where remaining != 0 {
                let x = chosen[j], i = local[x]
                guard let best = nearestUnused(list, members, first[i]..<first[i + 1], size: sizeOf(list[x]) + remaining, used: used),
                      abs(remaining - (sizeOf(list[best]) - sizeOf(list[x]))) < abs(remaining) else { continue }
                remaining -= sizeOf(list[best]) - sizeOf(list[x])
                used[x] = false
                used[best] = true
                chosen[j] = best
            }
        }
        return (chosen.map { list[$0] }, remaining)
    }

    /// The unused replica nearest `size` among `list[members[range]]` (ascending size).
    private func nearestUnused(_ list: [Int32], _ members: [Int], _ range: Range<Int>, size: Int64, used: [Bool]) -> Int? {
        var a = range.lowerBound, z = range.upperBound
        while a < z {
            let mid = (a + z) / 2
            if sizeOf(list[members[mid]]) < size { a = mid + 1 } else { z = mid }
        }
        var lo = a - 1, hi = a
        while lo >= range.lowerBound && used[members[lo]] { lo -= 1 }
        while hi < range.upperBound && used[members[hi]] { hi += 1 }
        if lo < range.lowerBound { return hi < range.upperBound ? members[hi] : nil }
        if hi >= range.upperBound { return members[lo] }
        return size - sizeOf(list[members[lo]]) <= sizeOf(list[members[hi]]) - size ? members[lo] : members[hi]
    }

    /// Topic classes `pick` tells apart (costs beyond +-classes/2 share the end classes).
    static let classes = 17
    /// Replicas nearest the wanted size that `pick` looks through before searching each topic.
    static let pickWindow = 64
    /// Topic-first picks may miss a broker's byte target by its bytes / this (the polish mends
    /// that much); a broker that misses by more picks by size instead.
    static let pickByteTolerance: Int64 = 200

    /// Estimated cost of one more replica of `t` arriving in group `g`: the more the group's
    /// receiving brokers still lack of it per shedding broker still to pick, the lower, so a
    /// topic that earlier brokers passed over (its sizes far from what they wanted) is taken
    /// first by the next ones.
    @inline(__always) private func arrivalCost(_ t: Int, group g: Int, _ G: Int) -> Int {
        guard topics.total[t] >= 0 else { return 0 }
        let i = t * G + g
        if incoming[i] < roomLo[i] { return -min(4, 1 + Int(roomLo[i] - incoming[i]) * 2 / max(1, shedLeft)) }
        return incoming[i] < roomHi[i] ? 0 : 1
    }

    /// Places the leaving slots, biggest first, each on the feasible destination that still needs
    /// the most bytes per free slot.
    /// `relay`: a forced replica may cost one more move to keep counts on their goals (not in
    /// plain scale-in, which moves exactly the removed brokers' replicas).
    mutating func assign(_ slots: [Int32], forcedGroup: [Int], need: inout [Int], mean: [Int64], relay: Bool) {
        let forcedCount = forcedGroup.count
        var order = Array(slots.indices)
        order.sort { i, j in
            let a = slots[i], b = slots[j]
            return sizeOf(a) != sizeOf(b) ? sizeOf(a) > sizeOf(b) : a < b
        }
        var isForced = [Bool](repeating: false, count: slots.count)
        for i in 0..<forcedCount { isForced[i] = true }
        var dests = [[Int]](repeating: [], count: groups.count)
        for (g, members) in groups.enumerated() { dests[g] = members.filter { need[$0] > 0 } }
        var failed: [Int32] = []
        // Slots already chosen to leave are not offered again as alternatives.
        var chosen = Set(slots)
        for i in order {
            let slot = slots[i]
            let from = Int(L.replicas[Int(slot)])
            let g = isForced[i] ? forcedGroup[i] : group[from]
            if let d = bestDestination(slot, among: dests[g], need: need, mean: mean[g]) {
                apply(slot, to: Int32(d))
                need[d] -= 1
                if need[d] == 0 { dests[g].removeAll { $0 == d } }
            } else if isForced[i] {
                if !relay || !self.relay(slot, among: dests[g], members: groups[g], need: &need) { failed.append(slot) }
                dests[g].removeAll { need[$0] == 0 }
            } else {
                // Shed another replica of the same broker instead, one that fits somewhere.
                if let (alt, d) = alternative(to: slot, from: from, among: dests[g], excluding: chosen) {
                    chosen.insert(alt)
                    apply(alt, to: Int32(d))
                    need[d] -= 1
                    if need[d] == 0 { dests[g].removeAll { $0 == d } }
                }
            }
        }
        // A forced replica with no free feasible slot still has to leave: least-loaded feasible target.
        for slot in failed {
            let p = Int(L.slotPartition[Int(slot)])
            let current = L.rackViolation(p)
            var best = -1
            for allowed in [0, current, Int.max] {
                for b in 0..<L.brokerCount where L.canMove(slot: Int(slot), to: Int32(b), allowedViolation: allowed) {
                    if best < 0 || count[b] < count[best] || (count[b] == count[best] && bytes[b] < bytes[best]) { best = b }
                }
                if best >= 0 { break }
            }
            if best >= 0 { apply(slot, to: Int32(best)) }
        }
    }

    /// Places a forced replica that no broker with room can take (they all hold its partition
    /// already) through a relay: it goes to a broker `c` that can take it, and `c` passes one
    /// of its replicas, preferably one this plan already moves, on to a broker `d` with room.
    /// Counts stay on their goals, at the cost of at most one more move.
    private mutating func relay(_ slot: Int32, among dests: [Int], members: [Int], need: inout [Int]) -> Bool {
        let p = L.slotPartition[Int(slot)]
        for d in dests where need[d] > 0 {
            for c in members where c != d && L.canMove(slot: Int(slot), to: Int32(c)) {
                let candidates = moved[c] + home[c].filter { L.replicas[Int($0)] == Int32(c) }
                for y in candidates where L.slotPartition[Int(y)] != p && L.canMove(slot: Int(y), to: Int32(d)) {
                    apply(slot, to: Int32(c))
                    apply(y, to: Int32(d))
                    need[d] -= 1
                    return true
                }
            }
        }
        return false
    }

    /// The destination that evens its topic out best, then needs the most bytes per free slot.
    private func bestDestination(_ slot: Int32, among dests: [Int], need: [Int], mean: Int64) -> Int? {
        var best = -1
        var bestTopic = Int.max
        var bestScore = 0.0
        let t = topicOf(slot)
        for d in dests where need[d] > 0 {
            let topic = max(0, topics.arriveCost(t, d, holding: topics.onBroker(t, d)))
            let score = Double(mean - bytes[d]) / Double(need[d])
            // The feasibility check is the costly part: only for a destination that would win.
            if best < 0 || topic < bestTopic || (topic == bestTopic && score > bestScore), L.canMove(slot: Int(slot), to: Int32(d)) {
                best = d; bestTopic = topic; bestScore = score
            }
        }
        return best < 0 ? nil : best
    }

    private func alternative(to slot: Int32, from b: Int, among dests: [Int], excluding chosen: Set<Int32>) -> (Int32, Int)? {
        let list = home[b]
        let at = lowerBound(list, size: sizeOf(slot))
        // Walk outwards from the same size so the byte choice changes as little as possible.
        var lo = at - 1, hi = at
        while lo >= 0 || hi < list.count {
            for i in [hi, lo] where i >= 0 && i < list.count {
                let s = list[i]
                if L.replicas[Int(s)] != L.original[Int(s)] || chosen.contains(s) { continue }
                for d in dests where L.canMove(slot: Int(s), to: Int32(d)) { return (s, d) }
            }
            lo -= 1; hi += 1
        }
        return nil
    }

    // MARK: rack repair

    /// Moves replicas of partitions whose snapshot placement breaks the rack rule (created before
    /// the brokers had racks, or moved by hand) until it holds: one replica at a time, from the
    /// most crowded rack (its last such replica, so the preferred leader stays) to the target
    /// broker of the emptiest rack that holds fewest replicas. Partitions with a replica on a
    /// removed broker are left to the forced moves, which land in the racks they lack anyway.
    /// Balance plans only: plain scale-in moves exactly the removed brokers' replicas.
    mutating func repairRacks() {
        let racks = L.targetRackCount
        guard racks > 1 else { return }
        var rackOf = [Int: Int]()  // rack index -> position in rackBrokers
        var rackBrokers: [[Int]] = []
        for b in 0..<L.brokerCount where L.isTarget[b] {
            if rackOf[L.rack[b]] == nil { rackOf[L.rack[b]] = rackBrokers.count; rackBrokers.append([]) }
            if L.acceptsNew[b] { rackBrokers[rackOf[L.rack[b]] ?? 0].append(b) }
        }
        for p in 0..<L.partitionCount where L.movable[p] && L.rackViolation(p) > 0 {
            let lo = L.start[p], hi = L.start[p + 1]
            if (lo..<hi).contains(where: { !L.isTarget[Int(L.replicas[$0])] }) { continue }
            var repaired = false
            while L.rackViolation(p) > 0 {
                var held = [Int](repeating: 0, count: rackBrokers.count)
                for i in lo..<hi { held[rackOf[L.rack[Int(L.replicas[i])]] ?? 0] += 1 }
                guard let crowded = held.indices.max(by: { held[$0] != held[$1] ? held[$0] < held[$1] : $0 > $1 }),
                      let emptiest = held.indices.min(by: { held[$0] != held[$1] ? held[$0] < held[$1] : $0 < $1 }),
                      let slot = (lo..<hi).last(where: { rackOf[L.rack[Int(L.replicas[$0])]] == crowded }) else { break }
                let current = L.rackViolation(p)
                var best = -1
                for d in rackBrokers[emptiest] where !L.holds(p, Int32(d)) && L.rackViolation(p, replacing: slot, with: Int32(d)) < current {
                    if best < 0 || count[d] < count[best] || (count[d] == count[best] && bytes[d] < bytes[best]) { best = d }
                }
                guard best >= 0 else { break }
                apply(Int32(slot), to: Int32(best))
                repaired = true
            }
            if repaired { rackRepairs += 1 }
        }
    }

    // MARK: topic repair

    /// Where assignment had to put a topic beyond its share (late in the order, the only
    /// brokers with room left can be those that already hold it), trades moved replicas of
    /// similar size between receiving brokers of the group until no trade evens topics further.
    /// Counts and the number of moves stay as they are; the byte polish that follows mends the
    /// small byte differences the trades leave.
    mutating func evenTopics(group g: Int) {
        let members = groups[g]
        if members.count < 2 { return }
        for _ in 0..<Self.topicRounds {
            var changed = false
            for d in members {
                for x in moved[d] where L.replicas[Int(x)] == Int32(d) {
                    let t = topicOf(x)
                    guard topics.leaveCost(t, d, holding: topics.onBroker(t, d)) < 0 else { continue }
                    var partner: (slot: Int32, broker: Int)?
                    var bestDiff = Int64.max
                    for e in members where e != d && topics.arriveCost(t, e, holding: topics.onBroker(t, e)) <= 0 {
                        let me = moved[e]
                        let at = lowerBound(me, size: sizeOf(x))
                        for k in max(0, at - Self.topicPartners)..<min(me.count, at + Self.topicPartners) {
                            let y = me[k]
                            let diff = abs(sizeOf(y) - sizeOf(x))
                            if diff >= bestDiff || topicOf(y) == t || L.slotPartition[Int(y)] == L.slotPartition[Int(x)] { continue }
                            if topics.pairCost(t, d, e, topicOf(y), e, d) >= 0 { continue }
                            if L.canMove(slot: Int(x), to: Int32(e)) && L.canMove(slot: Int(y), to: Int32(d)) {
                                partner = (y, e)
                                bestDiff = diff
                            }
                        }
                    }
                    if let (y, e) = partner {
                        apply(x, to: Int32(e))
                        apply(y, to: Int32(d))
                        changed = true
                    }
                }
            }
            if !changed { return }
        }
    }

    /// Passes of `evenTopics` over a group; each pass only ever lowers the topic imbalance.
    static let topicRounds = 4
    /// Moved replicas either side of the same size that `evenTopics` tries on each partner broker.
    static let topicPartners = 6

    // MARK: byte polish

    /// Exchanges between the heaviest and the lightest brokers of a group until no exchange
    /// lowers the spread. Free exchanges first (swap where two moved replicas land, or which
    /// replica a broker sheds); a move beyond the count plan only while `extraMoves` lasts.
    mutating func polish(group g: Int, extraMoves: Int) {
        let members = groups[g]
        if members.count < 2 { return }
        var extra = extraMoves
        var rounds = 0
        let cap = 4 * members.count + 400
        while rounds < cap {
            rounds += 1
            let order = members.sorted { bytes[$0] != bytes[$1] ? bytes[$0] > bytes[$1] : $0 < $1 }
            guard let heavy = order.first, let light = order.last, bytes[heavy] > bytes[light] else { return }
            // Extra moves stop once bytes are within `extraTolerancePermille` of each other: every
            // further one copies data for a gain nobody would notice. Free exchanges go on.
            let gap = Double(bytes[heavy] - bytes[light]) * 1000
            if gap <= Double(bytes[light]) * Double(Self.freeTolerancePermille) { return }
            let nearlyEven = gap <= Double(bytes[light]) * Double(Self.extraTolerancePermille)
            if nearlyEven { extra = 0 }
            var improved = false
            // Pairs touching the extremes, closest to the extremes first.
            var pairs: [(Int, Int)] = []
            // A handful of partners per extreme bounds each round; the gap narrows from both ends.
            for j in stride(from: order.count - 1, to: 0, by: -1).prefix(Self.partners) { pairs.append((heavy, order[j])) }
            for i in (1..<max(1, order.count - 1)).prefix(Self.partners) { pairs.append((order[i], light)) }
            // Bytes come before topics (goal 2 before 4): while bytes are further apart than the
            // extra-move tolerance, an exchange that leaves a topic less even is taken when no
            // pair has one that does not. Closer than that, topics are not traded for bytes.
            pass: for keepTopics in nearlyEven ? [true] : [true, false] {
                for (a, b) in pairs where exchange(heavy: a, light: b, extra: &extra, keepTopics: keepTopics) {
                    improved = true
                    break pass
                }
            }
            if !improved { return }
        }
    }

    /// Byte spread (max/min - 1, in thousandths) at which plans that may spend extra moves stop.
    static let extraTolerancePermille = 40
    /// The same when exchanges cost no extra moves: they are cheap, so polish further.
    static let freeTolerancePermille = 1
    /// How much topic imbalance one byte exchange may add when no exchange keeps topics even
    /// (squared-distance units: a broker one or two replicas past a topic's share, not ten).
    static let topicGiveBack = 3
    /// Partners tried for the heaviest and for the lightest broker in each polish round.
    static let partners = 8

    private enum Exchange {
        case swapMoved(Int32, Int32)        // moved x on a <-> moved y on b
        case reselect(Int32, Int32, Int32)  // slot x goes home to `home`, y takes its place at the other broker
        case single(Int32)                  // slot x on a goes to b
        case swapHome(Int32, Int32)         // unmoved y on a <-> unmoved z on b (two extra moves)
    }

    /// Looks for the exchange that moves closest to half the byte gap from `a` to `b`; applies it
    /// when it strictly narrows the gap.
    private mutating func exchange(heavy a: Int, light b: Int, extra: inout Int, keepTopics: Bool) -> Bool {
        let diff = bytes[a] - bytes[b]
        if diff <= 0 { return false }
        let half = diff / 2
        var best: Exchange?
        var bestErr = half  // must beat "no transfer"
        var bestCost = Int.max
        var bestTopic = Int.max
        // Cheapest tests first: the rack check (`feasible`) only for an exchange that would win.
        func consider(_ e: Exchange, transfer t: Int64, cost: Int, feasible: () -> Bool) {
            guard t > 0, t < diff else { return }
            let err = abs(t - half)
            guard err <= bestErr else { return }
            let topic = topicCost(of: e, a, b)
            if topic > (keepTopics ? 0 : Self.topicGiveBack) { return }
            guard err < bestErr || (topic, cost) < (bestTopic, bestCost), feasible() else { return }
            best = e; bestErr = err; bestCost = cost; bestTopic = topic
        }
        let ma = moved[a], mb = moved[b]
        let A = Int32(a), B = Int32(b)
        // Moved x on a and moved y on b trade places: transfer size(x) - size(y).
        if !mb.isEmpty {
            for x in ma {
                let want = sizeOf(x) - half
                let at = lowerBound(mb, size: want)
                for k in max(0, at - 2)..<min(mb.count, at + 2) {
                    let y = mb[k]
                    if L.slotPartition[Int(x)] == L.slotPartition[Int(y)] { continue }
                    consider(.swapMoved(x, y), transfer: sizeOf(x) - sizeOf(y), cost: 0) {
                        L.canMove(slot: Int(x), to: B) && L.canMove(slot: Int(y), to: A)
                    }
                }
            }
        }
        // a shed x (now on b): a keeps x and sheds y instead: transfer size(y) - size(x).
        let ha = home[a], hb = home[b]
        for x in mb where L.original[Int(x)] == A {
            let at = lowerBound(ha, size: sizeOf(x) + half)
            for k in max(0, at - 2)..<min(ha.count, at + 2) {
                let y = ha[k]
                if L.replicas[Int(y)] != A || L.slotPartition[Int(x)] == L.slotPartition[Int(y)] { continue }
                consider(.reselect(x, y, A), transfer: sizeOf(y) - sizeOf(x), cost: 0) {
                    canReturn(x) && L.canMove(slot: Int(y), to: B)
                }
            }
        }
        // b shed x (now on a): b keeps x and sheds y instead: transfer size(x) - size(y).
        for x in ma where L.original[Int(x)] == B {
            let at = lowerBound(hb, size: sizeOf(x) - half)
            for k in max(0, at - 2)..<min(hb.count, at + 2) {
                let y = hb[k]
                if L.replicas[Int(y)] != B || L.slotPartition[Int(x)] == L.slotPartition[Int(y)] { continue }
                consider(.reselect(x, y, B), transfer: sizeOf(x) - sizeOf(y), cost: 0) {
                    canReturn(x) && L.canMove(slot: Int(y), to: A)
                }
            }
        }
        // a has a replica more than b: one replica moves over and the counts stay balanced.
        if count[a] > count[b] {
            let at = lowerBound(ma, size: half)
            for k in max(0, at - 2)..<min(ma.count, at + 2) {
                consider(.single(ma[k]), transfer: sizeOf(ma[k]), cost: L.original[Int(ma[k])] == B ? -1 : 0) {
                    L.canMove(slot: Int(ma[k]), to: B)
                }
            }
            if extra > 0 {
                let at = lowerBound(ha, size: half)
                for k in max(0, at - 2)..<min(ha.count, at + 2) where L.replicas[Int(ha[k])] == A {
                    consider(.single(ha[k]), transfer: sizeOf(ha[k]), cost: 1) { L.canMove(slot: Int(ha[k]), to: B) }
                }
            }
        }
        // Two unmoved replicas trade places: two extra moves, the smallest partner on b.
        if best == nil && extra > 1 {
            var partners: [Int32] = []
            for z in hb where L.replicas[Int(z)] == B {
                partners.append(z)
                if partners.count == 4 { break }
            }
            for z in partners {
                let at = lowerBound(ha, size: sizeOf(z) + half)
                for k in max(0, at - 2)..<min(ha.count, at + 2) {
                    let y = ha[k]
                    if L.replicas[Int(y)] != A || L.slotPartition[Int(y)] == L.slotPartition[Int(z)] { continue }
                    consider(.swapHome(y, z), transfer: sizeOf(y) - sizeOf(z), cost: 2) {
                        L.canMove(slot: Int(y), to: B) && L.canMove(slot: Int(z), to: A)
                    }
                }
            }
        }
        guard let chosen = best else { return false }
        switch chosen {
        case .swapMoved(let x, let y):
            apply(x, to: B); apply(y, to: A)
        case .reselect(let x, let y, let owner):
            let other = L.replicas[Int(x)]
            apply(x, to: owner); apply(y, to: other)
        case .single(let x):
            if L.original[Int(x)] == A { extra -= 1 }
            apply(x, to: B)
        case .swapHome(let y, let z):
            extra -= 2
            apply(y, to: B); apply(z, to: A)
        }
        return true
    }

    /// How an exchange between `a` and `b` changes topic spread.
    private mutating func topicCost(of e: Exchange, _ a: Int, _ b: Int) -> Int {
        switch e {
        case .swapMoved(let x, let y), .swapHome(let x, let y):
            return topics.pairCost(topicOf(x), a, b, topicOf(y), b, a)
        case .reselect(let x, let y, let owner):
            let other = Int(L.replicas[Int(x)])
            return topics.pairCost(topicOf(x), other, Int(owner), topicOf(y), Int(owner), other)
        case .single(let x):
            return topics.moveCost(topicOf(x), from: a, to: b)
        }
    }

    /// Whether a moved slot can go back to the broker it came from.
    private func canReturn(_ x: Int32) -> Bool {
        L.canMove(slot: Int(x), to: L.original[Int(x)], allowedViolation: L.rackViolation(Int(L.slotPartition[Int(x)])))
    }
}
