/// Phase 5: topic repair after placement, inside each balance group.
extension MoverState {
    /// Passes of `evenTopics` over a group; each pass only ever lowers the topic imbalance.
    static let topicEveningRounds = 4
    /// Moved replicas either side of the same size that `evenTopics` tries on each partner broker.
    static let topicEveningPartners = 6

    /// Where placement had to put a topic beyond its share (late in the order, the only brokers
    /// with room left can be those that already hold it), trades moved replicas of similar size
    /// between receiving brokers of the group until no trade evens topics further. Counts and the
    /// number of moves stay as they are; the byte polish that follows mends the small byte
    /// differences the trades leave.
    mutating func evenTopics(in group: GroupIndex) {
        let members = groups.members[group]
        if members.count < 2 { return }
        for _ in 0..<Self.topicEveningRounds {
            var changed = false
            for crowded in members {
                // A copy: trades below change the list while this walks it.
                for slot in movedOnto[crowded] where layout.replicas[slot] == crowded {
                    let topic = topicOf(slot)
                    guard topics.leaveCost(topic, crowded, holding: topics.onBroker(topic, crowded)) < 0 else { continue }
                    var partner: (slot: SlotIndex, broker: BrokerIndex)?
                    var bestSizeDifference = Int64.max
                    for other in members where other != crowded && topics.arriveCost(topic, other, holding: topics.onBroker(topic, other)) <= 0 {
                        let otherMoved = movedOnto[other]
                        let nearest = lowerBound(otherMoved, size: sizeOf(slot))
                        for position in Self.window(around: nearest, Self.topicEveningPartners, in: otherMoved) {
                            let candidate = otherMoved[position]
                            let sizeDifference = abs(sizeOf(candidate) - sizeOf(slot))
                            if sizeDifference >= bestSizeDifference || topicOf(candidate) == topic
                                || layout.slotPartition[candidate] == layout.slotPartition[slot] { continue }
                            if topicCost((slot, crowded, other), then: (candidate, other, crowded)) >= 0 { continue }
                            if layout.canMove(slot: slot, to: other) && layout.canMove(slot: candidate, to: crowded) {
                                partner = (candidate, other)
                                bestSizeDifference = sizeDifference
                            }
                        }
                    }
                    if let partner {
                        apply(slot, to: partner.broker)
                        apply(partner.slot, to: crowded)
                        changed = true
                    }
                }
            }
            if !changed { return }
        }
    }
}
