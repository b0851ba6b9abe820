/// Phase 1 (balance plans only): partitions whose snapshot placement breaks the rack rule.
extension MoverState {
    /// Moves replicas of partitions whose snapshot placement breaks the rack rule (created before
    /// the brokers had racks, or moved by hand) until it holds: one replica at a time, from the
    /// most crowded rack (its last such replica, so the preferred leader stays) to the lightest
    /// target broker of the rack that holds fewest replicas. Partitions with a replica on a
    /// removed broker are left to the forced moves, which land in the racks they lack anyway.
    /// Plain scale-in skips this: it moves exactly the removed brokers' replicas.
    /// Returns how many partitions it repaired (the summary's `rack_repairs`).
    mutating func repairRackPlacement() -> Int {
        guard layout.targetRackCount > 1 else { return 0 }
        // Target racks in broker order, and each one's brokers that take new replicas.
        var rackPosition: [Int: Int] = [:]
        var openBrokersOfRack: [[BrokerIndex]] = []
        for broker in layout.brokers where layout.isTarget[broker] {
            if rackPosition[layout.rack[broker]] == nil {
                rackPosition[layout.rack[broker]] = openBrokersOfRack.count
                openBrokersOfRack.append([])
            }
            if layout.acceptsNew[broker] { openBrokersOfRack[rackPosition[layout.rack[broker]] ?? 0].append(broker) }
        }
        func rackPositionOf(_ slot: SlotIndex) -> Int { rackPosition[layout.rack[layout.replicas[slot]]] ?? 0 }

        var repairedPartitions = 0
        for partition in layout.partitions where layout.movable[partition] && layout.rackViolation(partition) > 0 {
            let partitionSlots = layout.slots(of: partition)
            if partitionSlots.contains(where: { !layout.isTarget[layout.replicas[$0]] }) { continue }
            var repaired = false
            while layout.rackViolation(partition) > 0 {
                var replicasInRack = [Int](repeating: 0, count: openBrokersOfRack.count)
                for slot in partitionSlots { replicasInRack[rackPositionOf(slot)] += 1 }
                guard let crowded = replicasInRack.indices.max(by: {
                          replicasInRack[$0] != replicasInRack[$1] ? replicasInRack[$0] < replicasInRack[$1] : $0 > $1
                      }),
                      let emptiest = replicasInRack.indices.min(by: {
                          replicasInRack[$0] != replicasInRack[$1] ? replicasInRack[$0] < replicasInRack[$1] : $0 < $1
                      }),
                      let slot = partitionSlots.last(where: { rackPositionOf($0) == crowded }) else { break }
                let current = layout.rackViolation(partition)
                var best: BrokerIndex?
                for destination in openBrokersOfRack[emptiest]
                where !layout.holds(partition, destination) && layout.rackViolation(partition, replacing: slot, with: destination) < current {
                    if best.map({ isLighter(destination, than: $0) }) ?? true { best = destination }
                }
                guard let best else { break }
                apply(slot, to: best)
                repaired = true
            }
            if repaired { repairedPartitions += 1 }
        }
        return repairedPartitions
    }
}
