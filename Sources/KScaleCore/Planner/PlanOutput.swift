/// Turns the before and after layouts into the plan, its rollback and the summary.
enum PlanOutput {
    static func result(before: Layout, after: Layout, kind: PlanKind, rackRepairs: Int = 0) -> PlanResult {
        var plan: [PartitionAssignment] = []
        var rollback: [PartitionAssignment] = []
        var replicasMoved = 0, leadersChanged = 0
        var bytesMoved: Int64 = 0
        for p in 0..<after.partitionCount {
            let s = after.start[p], e = after.start[p + 1]
            var same = true
            for i in s..<e where after.replicas[i] != before.replicas[i] { same = false; break }
            if same { continue }
            let tp = after.names[p]
            let newIDs = (s..<e).map { after.brokerIDs[Int(after.replicas[$0])] }
            let oldIDs = (s..<e).map { before.brokerIDs[Int(before.replicas[$0])] }
            plan.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: newIDs))
            rollback.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: oldIDs))
            let added = newIDs.filter { !oldIDs.contains($0) }.count
            replicasMoved += added
            bytesMoved += Int64(added) * after.size[p]
            if newIDs[0] != oldIDs[0] { leadersChanged += 1 }
        }
        let b = load(before), a = load(after)
        let brokers = before.brokerIDs.indices.map { i in
            PlanSummary.BrokerLoad(broker: before.brokerIDs[i], rack: before.rackNames[i],
                                   replicasBefore: b.replicas[i], replicasAfter: a.replicas[i],
                                   leadersBefore: b.leaders[i], leadersAfter: a.leaders[i],
                                   bytesBefore: b.bytes[i], bytesAfter: a.bytes[i])
        }
        let summary = PlanSummary(kind: kind.name, partitionsInPlan: plan.count, replicasMoved: replicasMoved,
                                  leadersChanged: leadersChanged, bytesMoved: bytesMoved, rackRepairs: rackRepairs, brokers: brokers)
        return PlanResult(plan: ReassignmentPlan(partitions: plan), rollback: ReassignmentPlan(partitions: rollback), summary: summary)
    }

    private static func load(_ L: Layout) -> (replicas: [Int], leaders: [Int], bytes: [Int64]) {
        var r = [Int](repeating: 0, count: L.brokerCount)
        var l = r
        var bytes = [Int64](repeating: 0, count: L.brokerCount)
        for p in 0..<L.partitionCount {
            l[Int(L.replicas[L.start[p]])] += 1
            for i in L.start[p]..<L.start[p + 1] {
                r[Int(L.replicas[i])] += 1
                bytes[Int(L.replicas[i])] += L.size[p]
            }
        }
        return (r, l, bytes)
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
