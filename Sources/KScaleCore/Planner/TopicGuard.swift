/// Phase 7: no topic ends less even than the snapshot had it (issue 16, "topic spread").
///
/// A topic's spread in a balance group is the most minus the fewest of its replicas on one of the
/// group's brokers. The earlier phases weigh topic spread only as a tie-break (goal 4), so a
/// broker shedding its count surplus by size can take several replicas of one topic with it and
/// leave that topic less even than before (60k rebalance: worst topic 10 -> 15). This phase mends
/// that after the byte polish, with exchanges that cost nothing the higher goals paid for:
///
/// - an exchange swaps a moved replica of the topic on a crowded broker with a replica of another
///   topic on a sparse broker, so no broker's count changes, and never adds a move: the partner is
///   either a replica that already moves (the two trade destinations), or, when the sparse broker
///   is where the topic's replica came from, one it still holds from the snapshot (the broker
///   sheds that one instead: the topic's replica goes home, the partner moves in its place);
/// - an exchange never takes either broker's bytes outside the group's current range, so the
///   group's bytes max/min cannot widen (a `--byte-tolerance` reached stays reached);
/// - the other topic never ends above its own limit or above where it was;
/// - the rack rule holds (`Layout.canMove`).
///
/// A topic's limit is the larger of its spread before the plan and `topicSpreadAllowed`; topics
/// over it are mended first, then every topic above `topicSpreadAllowed` is brought down as far as
/// such exchanges allow. The phase is deterministic: topics, brokers and candidates are visited in
/// index order, ties broken by index.
extension MoverState {
    /// The spread every topic may end at, whatever it was before.
    static let topicSpreadAllowed: Int32 = 3
    /// Moved replicas either side of the same size tried on the receiving broker per candidate.
    static let topicGuardPartners = 16
    /// Exchanges tried per topic and group before the phase leaves the topic as it is.
    static let topicGuardExchangesPerTopic = 64
    /// Crowded brokers (holding moved replicas of the topic), and sparse brokers for each, that one
    /// exchange search tries: the nearest the topic's most and fewest first. Bounds a search that
    /// finds nothing on a cluster of a thousand brokers.
    static let topicGuardBrokersTried = 8

    /// Each topic's spread in each balance group now (before any move: the phase's baseline).
    func topicSpreads() -> PerTopicGroup<Int32> {
        var spreads = PerTopicGroup(repeating: Int32(0), topics: topics.topicCount, groups: groups.count)
        for topic in topics.topics where !topics.isExcluded(topic) {
            for group in groups.indices { spreads[topic, group] = spread(of: topic, among: groups.members[group]) }
        }
        return spreads
    }

    /// Most minus fewest replicas of `topic` on one of `members`.
    func spread(of topic: TopicIndex, among members: [BrokerIndex]) -> Int32 {
        var most = Int32.min, fewest = Int32.max
        for broker in members {
            let held = topics.onBroker(topic, broker)
            most = max(most, held)
            fewest = min(fewest, held)
        }
        return members.isEmpty ? 0 : most - fewest
    }

    /// The limit `guardTopicSpread` holds `topic` to in `group`.
    static func topicSpreadLimit(before: Int32) -> Int32 { max(before, topicSpreadAllowed) }

    /// Mends, in `group`, every topic whose spread is above its limit, then lowers those above
    /// `topicSpreadAllowed` where free exchanges allow.
    mutating func guardTopicSpread(in group: GroupIndex, before: PerTopicGroup<Int32>) {
        let members = groups.members[group]
        if members.count < 2 { return }
        var moved = MovedByTopic(self, members: members)
        for mendingWorsened in [true, false] {
            for topic in topics.topics where !topics.isExcluded(topic) {
                let limit = Self.topicSpreadLimit(before: before[topic, group])
                let target = mendingWorsened ? limit : Self.topicSpreadAllowed
                var exchanges = 0
                while exchanges < Self.topicGuardExchangesPerTopic, spread(of: topic, among: members) > target,
                      evenOnce(topic, members: members, group: group, before: before, moved: &moved) {
                    exchanges += 1
                }
            }
        }
    }

    /// One exchange that takes a replica of `topic` from a broker holding more of it to one holding
    /// at least two fewer, where one of them is at the topic's most or fewest in the group. False
    /// when no exchange meets the phase's rules.
    private mutating func evenOnce(_ topic: TopicIndex, members: [BrokerIndex], group: GroupIndex, before: PerTopicGroup<Int32>,
                                   moved: inout MovedByTopic) -> Bool {
        let held = members.map { topics.onBroker(topic, $0) }
        guard let most = held.max(), let fewest = held.min(), most - fewest >= 2 else { return false }
        var bytesLow = Int64.max, bytesHigh = Int64.min
        for broker in members {
            bytesLow = min(bytesLow, bytesOn[broker])
            bytesHigh = max(bytesHigh, bytesOn[broker])
        }
        // Crowded brokers at the most first, then those that can feed a broker at the fewest.
        let order = members.indices.sorted { held[$0] != held[$1] ? held[$0] > held[$1] : $0 < $1 }
        var crowdedTried = 0
        for crowdedPosition in order where held[crowdedPosition] >= fewest + 2 {
            if crowdedTried == Self.topicGuardBrokersTried { break }
            let crowded = members[crowdedPosition]
            let topicSlots = moved.slots(of: topic, on: crowded)
            if topicSlots.isEmpty { continue }
            crowdedTried += 1
            var sparseTried = 0
            for sparsePosition in order.reversed() where held[sparsePosition] + 2 <= held[crowdedPosition] {
                guard held[crowdedPosition] == most || held[sparsePosition] == fewest else { continue }
                if sparseTried == Self.topicGuardBrokersTried { break }
                sparseTried += 1
                let sparse = members[sparsePosition]
                if let partner = bestPartner(for: topicSlots, topic: topic, from: crowded, to: sparse, members: members,
                                             group: group, before: before, bytesRange: bytesLow...bytesHigh) {
                    apply(partner.outgoing, to: sparse)
                    apply(partner.incoming, to: crowded)
                    moved.update(partner.outgoing, topic: topic, from: crowded, to: sparse, self)
                    moved.update(partner.incoming, topic: topicOf(partner.incoming), from: sparse, to: crowded, self)
                    return true
                }
            }
        }
        return false
    }

    /// Among the moved replicas on `sparse` near each of `topicSlots` in size, the exchange with the
    /// smallest size difference that keeps bytes in range, the other topic within its limit and the
    /// rack rule.
    private func bestPartner(for topicSlots: [SlotIndex], topic: TopicIndex, from crowded: BrokerIndex, to sparse: BrokerIndex,
                             members: [BrokerIndex], group: GroupIndex, before: PerTopicGroup<Int32>,
                             bytesRange: ClosedRange<Int64>) -> (outgoing: SlotIndex, incoming: SlotIndex)? {
        var best: (outgoing: SlotIndex, incoming: SlotIndex)?
        var bestDifference = Int64.max
        for outgoing in topicSlots {
            let size = sizeOf(outgoing)
            // Moved partners trade destinations; a partner still home is shed instead of the
            // topic's replica, so only where that replica came from.
            let shedsInstead = layout.original[outgoing] == sparse
            for candidates in shedsInstead ? [movedOnto[sparse], homeSlots[sparse]] : [movedOnto[sparse]] {
            let nearest = lowerBound(candidates, size: size)
            for position in Self.window(around: nearest, Self.topicGuardPartners, in: candidates) {
                let incoming = candidates[position]
                if layout.replicas[incoming] != sparse { continue }
                let difference = abs(sizeOf(incoming) - size)
                if difference >= bestDifference { continue }
                let other = topicOf(incoming)
                if other == topic || layout.slotPartition[incoming] == layout.slotPartition[outgoing] { continue }
                let shift = size - sizeOf(incoming)
                guard bytesRange.contains(bytesOn[crowded] - shift), bytesRange.contains(bytesOn[sparse] + shift) else { continue }
                guard otherTopicStaysWithin(other, arrivingOn: crowded, leaving: sparse, members: members,
                                            limit: Self.topicSpreadLimit(before: before[other, group])) else { continue }
                guard layout.canMove(slot: outgoing, to: sparse), layout.canMove(slot: incoming, to: crowded) else { continue }
                best = (outgoing, incoming)
                bestDifference = difference
            }
            }
        }
        return best
    }

    /// Whether `topic`'s spread stays at most its limit, or at most where it is, after one of its
    /// replicas goes from `source` to `destination`.
    private func otherTopicStaysWithin(_ topic: TopicIndex, arrivingOn destination: BrokerIndex, leaving source: BrokerIndex,
                                       members: [BrokerIndex], limit: Int32) -> Bool {
        if topics.isExcluded(topic) { return true }
        var most = Int32.min, fewest = Int32.max
        for broker in members {
            var held = topics.onBroker(topic, broker)
            if broker == destination { held += 1 } else if broker == source { held -= 1 }
            most = max(most, held)
            fewest = min(fewest, held)
        }
        return most - fewest <= max(limit, spread(of: topic, among: members))
    }
}

/// The moved replicas of each topic on each broker of one group, built once when the guard starts
/// on the group and kept current by its own exchanges (nothing else moves meanwhile), so finding a
/// crowded broker's replicas of a topic is a lookup, not a walk over everything moved onto it.
struct MovedByTopic {
    private var lists: [Int: [SlotIndex]] = [:]
    private let brokerCount: Int

    init(_ state: MoverState, members: [BrokerIndex]) {
        brokerCount = state.layout.brokerCount
        for broker in members {
            for slot in state.movedOnto[broker] { lists[key(state.topicOf(slot), broker), default: []].append(slot) }
        }
    }

    private func key(_ topic: TopicIndex, _ broker: BrokerIndex) -> Int { topic.position * brokerCount + broker.position }

    func slots(of topic: TopicIndex, on broker: BrokerIndex) -> [SlotIndex] { lists[key(topic, broker)] ?? [] }

    /// `slot` (of `topic`) went from `source` to `destination`: it leaves the source's list, and is on
    /// the destination's unless it went home.
    mutating func update(_ slot: SlotIndex, topic: TopicIndex, from source: BrokerIndex, to destination: BrokerIndex, _ state: MoverState) {
        let sourceKey = key(topic, source)
        if let at = lists[sourceKey]?.firstIndex(of: slot) { lists[sourceKey]?.remove(at: at) }
        if state.layout.original[slot] != destination { lists[key(topic, destination), default: []].append(slot) }
    }
}
