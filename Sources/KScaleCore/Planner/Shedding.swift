/// Phase 3: which replicas the over-full brokers shed. Each broker with a surplus of `k` sheds `k`
/// of the replicas it held in the snapshot whose sizes add up to about its byte excess over its
/// group's mean, choosing among topics so that topics even out (goal 4) without giving up bytes
/// (goal 2). Reads the state and changes nothing in it: the chosen replicas are placed by the
/// next phase (`MoverState.place`).
///
/// The bookkeeping that makes brokers of one group pick different topics lives here and nowhere
/// else: per (topic, group), what is already on its way into the group and how much the group's
/// receiving brokers can take.
struct Shedding {
    /// Per (topic, group): replicas of the topic already chosen to move into the group (forced
    /// ones included from the start).
    private var incoming: PerTopicGroup<Int32>
    /// Per (topic, group): how many the group's receiving brokers can take before reaching
    /// their fair share's floor, and its ceiling.
    private var roomToFloor: PerTopicGroup<Int32>
    private var roomToCeiling: PerTopicGroup<Int32>
    /// Brokers of the group being shed from that have not picked yet (the picking one included).
    private var brokersLeftToPick = 1
    /// Topic -> its position among the picking broker's topics, else -1 (all -1 between picks).
    private var localTopicOf: PerTopic<Int>

    /// Topic classes `pick` tells apart (costs beyond +-classes/2 share the end classes).
    static let classes = 17
    /// Replicas nearest the wanted size that `pick` looks through before searching each topic.
    static let pickWindow = 64
    /// Topic-first picks may miss a broker's byte target by its bytes / this (0.5%; the polish
    /// mends that much); a broker that misses by more picks by size instead.
    static let pickByteTolerance: Int64 = 200
    /// Picking by size, replicas count as "nearly the size wanted" within the nearest one's miss
    /// plus the wanted size / this (a quarter of it); among those the best topic class wins.
    static let nearlyTheSizeDivisor: Int64 = 4
    /// Passes of the last step of a pick, which trades picks for other replicas of their topic
    /// while that brings the bytes nearer the target.
    static let byteTradePasses = 2
    /// Largest bonus (negative cost) `arrivalCost` gives a topic the group's receivers still lack,
    /// and how steeply the bonus grows with what they lack per broker still to pick.
    static let maxArrivalBonus = 4
    static let arrivalBonusSlope = 2

    /// Measures the room: the removed brokers' replicas are already on their way into their group.
    init(_ state: MoverState, _ goals: CountGoals) {
        let groups = state.groups, topics = state.topics
        let none = PerTopicGroup<Int32>(repeating: 0, topics: topics.topicCount, groups: groups.count)
        incoming = none
        roomToFloor = none
        roomToCeiling = none
        localTopicOf = PerTopic(repeating: -1, count: topics.topicCount)
        for leaver in goals.forced {
            if let group = leaver.forcedInto { incoming[state.topicOf(leaver.slot), group] += 1 }
        }
        for group in groups.indices {
            for receiver in groups.members[group] where goals.need[receiver] > 0 {
                for topic in topics.topics where !topics.isExcluded(topic) {
                    let (floor, ceiling) = topics.bounds(topic, group: group)
                    let holding = topics.onBroker(topic, receiver)
                    roomToFloor[topic, group] += max(0, floor - holding)
                    roomToCeiling[topic, group] += max(0, ceiling - holding)
                }
            }
        }
    }

    /// Every over-full broker's picks, group by group, broker by broker.
    mutating func shedAll(_ state: MoverState, _ goals: CountGoals) -> [SlotIndex] {
        var shed: [SlotIndex] = []
        for group in state.groups.indices {
            let members = state.groups.members[group]
            brokersLeftToPick = members.filter { goals.surplus[$0] > 0 }.count
            for broker in members where goals.surplus[broker] > 0 {
                shed += pick(from: broker, count: goals.surplus[broker], bytes: state.bytesOn[broker] - goals.byteMean[group], state)
                brokersLeftToPick -= 1
            }
        }
        return shed
    }

    /// Chooses `wanted` of `broker`'s replicas to shed, their sizes adding up to about `target`.
    ///
    /// Each pick is the unused replica nearest the average size still wanted, among the topics
    /// whose departure evens topics out most just now (the broker holds more than its share and
    /// the group's receiving brokers less). So a broker sheds a little of many topics, rather than
    /// every broker shedding the same few topics whose partitions happen to be the size wanted,
    /// and still sheds the bytes it must: brokers of equal counts can differ a lot in bytes, so
    /// some must shed their smallest replicas and others their largest.
    mutating func pick(from broker: BrokerIndex, count wanted: Int, bytes target: Int64, _ state: MoverState) -> [SlotIndex] {
        let candidates = state.homeSlots[broker].filter(state.isHome)
        if wanted >= candidates.count { return candidates }
        let topicsFirst = pick(from: broker, count: wanted, bytes: target, among: candidates, bytesFirst: false, state)
        // Bytes outrank topics: a broker that must shed far more or fewer bytes per replica
        // than it holds on average cannot do it from the topics it should shed; it picks by size.
        if abs(topicsFirst.missed) <= max(Int64(1), state.bytesOn[broker] / Self.pickByteTolerance) { return topicsFirst.picks }
        // Take back what the first attempt counted as on its way into the group.
        let group = state.groups.groupOf[broker]
        for slot in topicsFirst.picks { incoming[state.topicOf(slot), group] -= 1 }
        return pick(from: broker, count: wanted, bytes: target, among: candidates, bytesFirst: true, state).picks
    }

    /// One attempt of `pick`: `bytesFirst` takes, among the replicas nearly the size wanted, the
    /// one whose topic evens out most; otherwise the size wanted is sought among the topics that
    /// even out most. Returns the picks and how many bytes they miss `target` by.
    ///
    /// Every search here is indexed, so a pick costs O(log) of the broker's replicas, never a walk
    /// over them: unused candidates are `PositionSet`s (by size, and by topic then size), and
    /// topics-first finds the nearest candidate of the best class through `ClassFiling`.
    private mutating func pick(from broker: BrokerIndex, count wanted: Int, bytes target: Int64, among candidates: [SlotIndex],
                               bytesFirst: Bool, _ state: MoverState) -> (picks: [SlotIndex], missed: Int64) {
        let group = state.groups.groupOf[broker]
        let topics = state.topics

        // The broker's topics in order of first appearance (`brokerTopics`), each candidate's
        // topic as a position in it (`topicOfCandidate`), and each topic's candidates as
        // positions in `candidates`: `candidatesByTopic[topicStart[local]..<topicStart[local + 1]]`,
        // ascending size; `byTopicIndex` is the inverse (candidate position -> index there).
        var brokerTopics: [TopicIndex] = []
        for slot in candidates where localTopicOf[state.topicOf(slot)] < 0 {
            localTopicOf[state.topicOf(slot)] = brokerTopics.count
            brokerTopics.append(state.topicOf(slot))
        }
        let topicOfCandidate = candidates.map { localTopicOf[state.topicOf($0)] }
        for topic in brokerTopics { localTopicOf[topic] = -1 }
        var topicStart = [Int](repeating: 0, count: brokerTopics.count + 1)
        for local in topicOfCandidate { topicStart[local + 1] += 1 }
        for local in brokerTopics.indices { topicStart[local + 1] += topicStart[local] }
        var candidatesByTopic = [Int](repeating: 0, count: candidates.count)
        var byTopicIndex = [Int](repeating: 0, count: candidates.count)
        var nextFree = topicStart
        for (position, local) in topicOfCandidate.enumerated() {
            candidatesByTopic[nextFree[local]] = position
            byTopicIndex[position] = nextFree[local]
            nextFree[local] += 1
        }

        // Topic classes: the cost of one more departure, clamped; the lowest non-empty class is
        // where the next pick comes from.
        var takenOfTopic = [Int](repeating: 0, count: brokerTopics.count)
        func costClass(_ local: Int) -> Int {
            let topic = brokerTopics[local]
            let cost = topics.leaveCost(topic, broker, holding: topics.onBroker(topic, broker) - Int32(takenOfTopic[local]))
                + arrivalCost(topic, group: group, topics)
            return min(Self.classes - 1, max(0, cost + Self.classes / 2))
        }
        var classOfTopic = brokerTopics.indices.map(costClass)
        var topicsInClass = [Int](repeating: 0, count: Self.classes)
        for topicClass in classOfTopic { topicsInClass[topicClass] += 1 }

        // Unused candidates by size position, and by position in `candidatesByTopic`.
        var unused = PositionSet(count: candidates.count, full: true)
        var unusedByTopic = PositionSet(count: candidates.count, full: true)
        var filing = ClassFiling(classOf: bytesFirst ? [] : candidates.indices.map { classOfTopic[topicOfCandidate[$0]] }, classes: Self.classes)
        var picked: [Int] = []
        picked.reserveCapacity(wanted)
        var bytesWanted = max(0, target)
        for picksLeft in stride(from: wanted, to: 0, by: -1) {
            guard let bestClass = topicsInClass.firstIndex(where: { $0 > 0 }) else { break }
            let sizeWanted = bytesWanted / Int64(picksLeft)
            let nearest = state.lowerBound(candidates, size: sizeWanted)
            var choice = -1
            if !bytesFirst {
                // Topics first: the unused candidate of the best class nearest the size wanted
                // (below it on a tie).
                let currentClass = { (position: Int) in classOfTopic[topicOfCandidate[position]] }
                let below = filing.nearest(ofClass: bestClass, from: nearest - 1, upward: false, currentClass: currentClass)
                let above = filing.nearest(ofClass: bestClass, from: nearest, upward: true, currentClass: currentClass)
                if let below, let above {
                    choice = sizeWanted - state.sizeOf(candidates[below]) <= state.sizeOf(candidates[above]) - sizeWanted ? below : above
                } else {
                    choice = below ?? above ?? -1
                }
            } else {
                // Bytes first: nearest first, within a window; among the replicas nearly the size
                // wanted, the best class.
                var choiceClass = Int.max, nearestMiss = Int64.max
                var below = unused.previous(from: nearest - 1), above = unused.next(from: nearest)
                for _ in 0..<Self.pickWindow {
                    let next: Int
                    if let belowPosition = below, let abovePosition = above {
                        next = sizeWanted - state.sizeOf(candidates[belowPosition]) <= state.sizeOf(candidates[abovePosition]) - sizeWanted
                            ? belowPosition : abovePosition
                    } else if let position = below ?? above {
                        next = position
                    } else {
                        break
                    }
                    if next == below { below = unused.previous(from: next - 1) } else { above = unused.next(from: next + 1) }
                    let candidateClass = classOfTopic[topicOfCandidate[next]]
                    let miss = abs(state.sizeOf(candidates[next]) - sizeWanted)
                    if nearestMiss == Int64.max { nearestMiss = miss }
                    if miss > nearestMiss + max(0, sizeWanted) / Self.nearlyTheSizeDivisor { break }
                    if candidateClass < choiceClass { choice = next; choiceClass = candidateClass }
                    if choiceClass == bestClass { break }
                }
            }
            guard choice >= 0 else { break }
            unused.remove(choice)
            unusedByTopic.remove(byTopicIndex[choice])
            if !bytesFirst { filing.remove(choice) }
            picked.append(choice)
            bytesWanted -= state.sizeOf(candidates[choice])
            let local = topicOfCandidate[choice]
            takenOfTopic[local] += 1
            incoming[brokerTopics[local], group] += 1
            topicsInClass[classOfTopic[local]] -= 1
            if takenOfTopic[local] < topicStart[local + 1] - topicStart[local] {
                classOfTopic[local] = costClass(local)
                topicsInClass[classOfTopic[local]] += 1
            } else {
                classOfTopic[local] = -1
            }
        }
        // The last picks have little room to hit the bytes: trade picks for other replicas of
        // the same topic (topic spread unchanged) while that brings the total nearer `target`.
        for _ in 0..<Self.byteTradePasses where bytesWanted != 0 {
            for pickIndex in picked.indices where bytesWanted != 0 {
                let current = picked[pickIndex], local = topicOfCandidate[current]
                let currentSize = state.sizeOf(candidates[current])
                guard let better = nearestUnused(candidates, candidatesByTopic, topicStart[local]..<topicStart[local + 1],
                                                 size: currentSize + bytesWanted, unused: unusedByTopic, state),
                      abs(bytesWanted - (state.sizeOf(candidates[better]) - currentSize)) < abs(bytesWanted) else { continue }
                bytesWanted -= state.sizeOf(candidates[better]) - currentSize
                unusedByTopic.insert(byTopicIndex[current])
                unusedByTopic.remove(byTopicIndex[better])
                picked[pickIndex] = better
            }
        }
        return (picked.map { candidates[$0] }, bytesWanted)
    }

    /// The unused candidate nearest `size` among `candidates[positions[range]]` (ascending size);
    /// `unused` holds the unused indices of `positions`.
    private func nearestUnused(_ candidates: [SlotIndex], _ positions: [Int], _ range: Range<Int>, size: Int64,
                               unused: PositionSet, _ state: MoverState) -> Int? {
        var low = range.lowerBound, high = range.upperBound
        while low < high {
            let mid = (low + high) / 2
            if state.sizeOf(candidates[positions[mid]]) < size { low = mid + 1 } else { high = mid }
        }
        let below = unused.previous(from: low - 1).flatMap { $0 >= range.lowerBound ? $0 : nil }
        let above = unused.next(from: low).flatMap { $0 < range.upperBound ? $0 : nil }
        guard let below else { return above.map { positions[$0] } }
        guard let above else { return positions[below] }
        let sizeBelow = state.sizeOf(candidates[positions[below]]), sizeAbove = state.sizeOf(candidates[positions[above]])
        return size - sizeBelow <= sizeAbove - size ? positions[below] : positions[above]
    }

    /// Estimated cost of one more replica of `topic` arriving in `group`: the more the group's
    /// receiving brokers still lack of it per shedding broker still to pick, the lower, so a
    /// topic that earlier brokers passed over (its sizes far from what they wanted) is taken
    /// first by the next ones.
    @inline(__always) private func arrivalCost(_ topic: TopicIndex, group: GroupIndex, _ topics: TopicSpread) -> Int {
        guard !topics.isExcluded(topic) else { return 0 }
        let arriving = incoming[topic, group]
        if arriving < roomToFloor[topic, group] {
            return -min(Self.maxArrivalBonus, 1 + Int(roomToFloor[topic, group] - arriving) * Self.arrivalBonusSlope / max(1, brokersLeftToPick))
        }
        return arriving < roomToCeiling[topic, group] ? 0 : 1
    }
}

/// The unused candidates of one `pick`, filed by the class their topic had when last looked at,
/// so the nearest candidate of a class is found without walking a broker's replicas. A topic's
/// class only rises while one broker picks (each departure makes the next one cost more, and the
/// group's receivers lack the topic less), so a candidate filed too low is moved up when a search
/// meets it, at most once per class: the filing costs O(classes) per candidate in all.
struct ClassFiling {
    private var filed: [PositionSet]
    private var filedClass: [Int]

    init(classOf: [Int], classes: Int) {
        filed = (0..<classes).map { _ in PositionSet(count: classOf.count, full: false) }
        filedClass = classOf
        for (position, candidateClass) in classOf.enumerated() { filed[candidateClass].insert(position) }
    }

    /// A candidate that has been taken.
    mutating func remove(_ position: Int) { filed[filedClass[position]].remove(position) }

    /// The unused candidate of class `wanted` (by `currentClass`, the candidate's topic's class
    /// now) nearest `start` on one side: at or below it, or at or above it when `upward`.
    /// `wanted` must be the lowest class any unused candidate has.
    mutating func nearest(ofClass wanted: Int, from start: Int, upward: Bool, currentClass: (Int) -> Int) -> Int? {
        func step(_ set: PositionSet) -> Int? { upward ? set.next(from: start) : set.previous(from: start) }
        // Everything filed below `wanted` is stale: refile it, nearest first, until one of
        // class `wanted` is met (anything further is further than that one).
        for lower in 0..<wanted {
            while let position = step(filed[lower]) {
                let actual = currentClass(position)
                refile(position, to: actual)
                if actual == wanted { break }
            }
        }
        while let position = step(filed[wanted]) {
            let actual = currentClass(position)
            if actual == wanted { return position }
            refile(position, to: actual)
        }
        return nil
    }

    private mutating func refile(_ position: Int, to candidateClass: Int) {
        filed[filedClass[position]].remove(position)
        filedClass[position] = candidateClass
        filed[candidateClass].insert(position)
    }
}
