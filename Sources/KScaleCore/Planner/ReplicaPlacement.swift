/// Where new partitions go (add-partitions, new topics): on the brokers with the fewest replicas,
/// leaders on the brokers leading the fewest, one replica per rack while racks last.
public enum ReplicaPlacement {
    public static func placeNewPartitions(in snapshot: ClusterSnapshot, topic: String, count: Int,
                                          replicationFactor rf: Int, rackAware: Bool) throws -> [[BrokerID]] {
        guard count >= 0 else { throw InvalidInput("cannot add \(count) partitions to \(topic)") }
        guard rf >= 1 else { throw InvalidInput("replication factor \(rf) for \(topic) must be at least 1") }
        let brokers = snapshot.brokers.sorted { $0.id < $1.id }
        guard rf <= brokers.count else {
            throw InvalidInput("replication factor \(rf) for \(topic) is larger than the \(brokers.count) broker(s) in the cluster")
        }
        if rackAware {
            let withRack = brokers.filter { $0.rack != nil }.map(\.id)
            let without = brokers.filter { $0.rack == nil }.map(\.id)
            if !withRack.isEmpty && !without.isEmpty {
                throw InvalidInput("brokers \(LayoutBuilder.list(withRack)) have a rack but brokers \(LayoutBuilder.list(without)) have none; give every broker a rack, or place with rack awareness disabled")
            }
        }
        let index = Dictionary(uniqueKeysWithValues: brokers.enumerated().map { ($1.id, $0) })
        var replicas = [Int](repeating: 0, count: brokers.count)
        var leaders = replicas
        var inTopic = replicas
        for t in snapshot.topics {
            for p in t.partitions {
                for (i, id) in p.replicas.enumerated() {
                    guard let b = index[id] else { continue }
                    replicas[b] += 1
                    if i == 0 { leaders[b] += 1 }
                    if t.name == topic { inTopic[b] += 1 }
                }
            }
        }
        let rackNames = rackAware ? Set(brokers.compactMap(\.rack)).sorted() : []
        let rackOf = brokers.map { b in rackAware ? b.rack.flatMap { rackNames.firstIndex(of: $0) } ?? 0 : 0 }
        let racks = max(1, rackNames.count)
        let maxPerRack = (rf + racks - 1) / racks

        var out: [[BrokerID]] = []
        for _ in 0..<count {
            var chosen: [Int] = []
            var perRack = [Int](repeating: 0, count: racks)
            for position in 0..<rf {
                // Racks not used yet first (then evenly), then the lightest broker: fewest of this
                // topic, fewest leaders for the leader slot, fewest replicas, lowest id.
                let usedRacks = perRack.filter { $0 > 0 }.count
                let needNewRack = usedRacks < min(rf, racks)
                var best = -1
                for b in brokers.indices where !chosen.contains(b) {
                    let r = rackOf[b]
                    if perRack[r] >= maxPerRack { continue }
                    if needNewRack && perRack[r] > 0 { continue }
                    if best < 0 || lighter(b, than: best, leaderSlot: position == 0) { best = b }
                }
                if best < 0 {  // racks too small for an even spread: any broker not used yet
                    best = brokers.indices.filter { !chosen.contains($0) }.min { lighter($0, than: $1, leaderSlot: position == 0) } ?? 0
                }
                chosen.append(best)
                perRack[rackOf[best]] += 1
            }
            for (i, b) in chosen.enumerated() {
                replicas[b] += 1
                inTopic[b] += 1
                if i == 0 { leaders[b] += 1 }
            }
            out.append(chosen.map { brokers[$0].id })
        }
        return out

        func lighter(_ a: Int, than b: Int, leaderSlot: Bool) -> Bool {
            if leaderSlot && leaders[a] != leaders[b] { return leaders[a] < leaders[b] }
            if replicas[a] != replicas[b] { return replicas[a] < replicas[b] }
            if inTopic[a] != inTopic[b] { return inTopic[a] < inTopic[b] }
            return a < b
        }
    }
}
