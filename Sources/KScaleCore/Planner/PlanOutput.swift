/// Turns the before and after layouts into the plan, its rollback and the summary.
enum PlanOutput {
    static func result(before: Layout, after: Layout, kind: PlanKind, rackRepairs: Int = 0, byteTrade: ByteTrade? = nil) -> PlanResult {
        var plan: [PartitionAssignment] = []
        var rollback: [PartitionAssignment] = []
        var replicasMoved = 0, leadersChanged = 0
        var bytesMoved: Int64 = 0
        for partition in after.partitions {
            let partitionSlots = after.slots(of: partition)
            if !partitionSlots.contains(where: { after.replicas[$0] != before.replicas[$0] }) { continue }
            let tp = after.names[partition]
            let newIDs = partitionSlots.map { after.brokerIDs[after.replicas[$0]] }
            let oldIDs = partitionSlots.map { before.brokerIDs[before.replicas[$0]] }
            plan.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: newIDs, originalReplicas: oldIDs))
            rollback.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: oldIDs))
            let added = after.addedReplicas(partition)
            replicasMoved += added
            bytesMoved += Int64(added) * after.size[partition]
            if newIDs[0] != oldIDs[0] { leadersChanged += 1 }
        }
        let loadBefore = load(before), loadAfter = load(after)
        let brokers = before.brokers.map { broker in
            PlanSummary.BrokerLoad(broker: before.brokerIDs[broker], rack: before.rackNames[broker],
                                   replicasBefore: loadBefore.replicas[broker], replicasAfter: loadAfter.replicas[broker],
                                   leadersBefore: loadBefore.leaders[broker], leadersAfter: loadAfter.leaders[broker],
                                   bytesBefore: loadBefore.bytes[broker], bytesAfter: loadAfter.bytes[broker])
        }
        let summary = PlanSummary(kind: kind.name, partitionsInPlan: plan.count, replicasMoved: replicasMoved,
                                  leadersChanged: leadersChanged, bytesMoved: bytesMoved, rackRepairs: rackRepairs, brokers: brokers,
                                  byteTrade: byteTrade)
        return PlanResult(plan: ReassignmentPlan(partitions: plan), rollback: ReassignmentPlan(partitions: rollback), summary: summary)
    }

    private static func load(_ layout: Layout) -> (replicas: PerBroker<Int>, leaders: PerBroker<Int>, bytes: PerBroker<Int64>) {
        var replicas = PerBroker(repeating: 0, count: layout.brokerCount)
        var leaders = replicas
        var bytes = PerBroker(repeating: Int64(0), count: layout.brokerCount)
        for partition in layout.partitions {
            let partitionSlots = layout.slots(of: partition)
            leaders[layout.replicas[partitionSlots.lowerBound]] += 1
            for slot in partitionSlots {
                replicas[layout.replicas[slot]] += 1
                bytes[layout.replicas[slot]] += layout.size[partition]
            }
        }
        return (replicas, leaders, bytes)
    }
}

extension Layout {
    /// New placements of `partition`: brokers in `replicas` that `original` does not have, each a
    /// copy of the partition's data. The one count of moves (summary, byte trade).
    func addedReplicas(_ partition: PartitionIndex) -> Int {
        slots(of: partition).filter { !heldInSnapshot(replicas[$0], partition) }.count
    }

    /// Whether `broker` held a replica of `partition` in the snapshot (`original`).
    @inline(__always) func heldInSnapshot(_ broker: BrokerIndex, _ partition: PartitionIndex) -> Bool {
        slots(of: partition).contains { original[$0] == broker }
    }

    /// Replica moves and the bytes they copy, from `original` to `replicas`.
    func movement() -> (moves: Int, bytes: Int64) {
        var moves = 0
        var bytes: Int64 = 0
        for partition in partitions {
            let added = addedReplicas(partition)
            moves += added
            bytes += Int64(added) * size[partition]
        }
        return (moves, bytes)
    }
}

extension PlanKind {
    /// The command-line spelling.
    public var name: String {
        switch self {
        case .scaleOut: "scale-out"
        case .scaleIn: "scale-in"
        case .rebalance: "rebalance"
        case .leaders: "leaders"
        }
    }
}
