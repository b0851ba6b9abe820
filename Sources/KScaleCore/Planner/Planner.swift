/// The reassignment planner: pure, deterministic, offline. See docs/planner.md for what a good
/// plan is and how this one gets there.
public enum Planner {
    public static func plan(_ snapshot: ClusterSnapshot, _ request: PlanRequest) throws -> PlanResult {
        if let m = request.maxMoves, m < 0 { throw InvalidInput("--max-moves must be 0 or more, not \(m)") }
        if let m = request.maxBytes, m < 0 { throw InvalidInput("--max-bytes must be 0 or more, not \(m)") }
        let before = try LayoutBuilder.build(snapshot, request)
        var layout = before
        var rackRepairs = 0

        if request.kind != .leaders {
            var mover = ReplicaMover(before)
            let mode: ReplicaMover.Mode
            var extra = 0
            switch request.kind {
            case .scaleIn(_, let rebalance) where !rebalance: mode = .fillOnly
            case .rebalance, .scaleIn:
                mode = .balance
                // Byte balance may need a few moves beyond count balance; allow a small share.
                extra = max(4, lowerBoundMoves(mover) / 10)
            default: mode = .balance
            }
            if request.maxMoves != nil || request.maxBytes != nil { extra = 0 }
            mover.run(mode: mode, byteExtraMoves: extra)
            rackRepairs = mover.rackRepairs
            layout = mover.L
            try applyBudget(&layout, original: before, request)
        }

        var leaders = LeaderBalancer(layout)
        leaders.run()
        layout = leaders.L
        return PlanOutput.result(before: before, after: layout, kind: request.kind, rackRepairs: rackRepairs)
    }

    /// The score's count lower bound: surplus above the goals plus everything on removed brokers.
    static func lowerBoundMoves(_ m: ReplicaMover) -> Int {
        var lb = 0
        for b in 0..<m.L.brokerCount where !m.L.isTarget[b] { lb += m.count[b] }
        for members in m.groups {
            let total = members.reduce(0) { $0 + m.count[$1] }
            let goal = m.balancedGoals(members, total: total)
            for (i, b) in members.enumerated() { lb += max(0, m.count[b] - goal[i]) }
        }
        return lb
    }

    /// Keeps whole partitions' changes, most useful first, until a budget would be exceeded;
    /// the rest go back to where they were (always valid: that is the snapshot's assignment).
    static func applyBudget(_ L: inout Layout, original: Layout, _ request: PlanRequest) throws {
        guard request.maxMoves != nil || request.maxBytes != nil else { return }
        let maxMoves = request.maxMoves ?? Int.max
        let maxBytes = request.maxBytes ?? Int64.max
        struct Change { var p: Int; var moves: Int; var bytes: Int64; var forced: Bool; var source: Int }
        var changes: [Change] = []
        for p in 0..<L.partitionCount {
            var moves = 0, forced = false, source = Int.max
            for i in L.start[p]..<L.start[p + 1] {
                let b = L.replicas[i]
                var wasThere = false
                for j in L.start[p]..<L.start[p + 1] where original.replicas[j] == b { wasThere = true }
                if !wasThere { moves += 1 }
                let o = Int(original.replicas[i])
                if !L.isTarget[o] { forced = true }
                var stays = false
                for j in L.start[p]..<L.start[p + 1] where L.replicas[j] == Int32(o) { stays = true }
                if !stays { source = min(source, o) }
            }
            if moves > 0 { changes.append(Change(p: p, moves: moves, bytes: Int64(moves) * L.size[p], forced: forced, source: source)) }
        }
        let forcedMoves = changes.filter(\.forced).reduce(0) { $0 + $1.moves }
        let forcedBytes = changes.filter(\.forced).reduce(Int64(0)) { $0 + $1.bytes }
        if forcedMoves > maxMoves || forcedBytes > maxBytes {
            throw InvalidInput("emptying the removed brokers needs \(forcedMoves) replica moves and \(ByteUnits.format(forcedBytes)), more than the budget (--max-moves/--max-bytes) allows")
        }
        // Forced first; then round-robin over the brokers that shed, smallest partitions first,
        // so every over-full broker gets relief and the byte budget buys the most moves.
        var bySource: [Int: [Change]] = [:]
        for c in changes where !c.forced { bySource[c.source, default: []].append(c) }
        var queues = bySource.keys.sorted().map { k in (bySource[k] ?? []).sorted { $0.bytes != $1.bytes ? $0.bytes < $1.bytes : $0.p < $1.p } }
        var keep = changes.filter(\.forced)
        var dropped: [Change] = []
        var moves = forcedMoves, bytes = forcedBytes
        while queues.contains(where: { !$0.isEmpty }) {
            for q in queues.indices where !queues[q].isEmpty {
                let c = queues[q].removeFirst()
                if moves + c.moves <= maxMoves && bytes + c.bytes <= maxBytes {
                    keep.append(c); moves += c.moves; bytes += c.bytes
                } else {
                    dropped.append(c)
                }
            }
        }
        var kept = [Bool](repeating: false, count: L.partitionCount)
        for c in keep { kept[c.p] = true }
        let planned = L.replicas
        for c in changes where !kept[c.p] {
            for i in L.start[c.p]..<L.start[c.p + 1] { L.replicas[i] = original.replicas[i] }
        }
        // What is left of the budget buys single replicas of partitions that move several: a
        // replica moved alone still goes from a broker above its goal to one below, so the budget
        // is spent on balance rather than left over.
        for c in dropped where moves < maxMoves {
            for i in L.start[c.p]..<L.start[c.p + 1] where planned[i] != original.replicas[i] && !L.holds(c.p, planned[i]) {
                guard moves + 1 <= maxMoves, bytes + L.size[c.p] <= maxBytes else { break }
                if L.rackViolation(c.p, replacing: i, with: planned[i]) > L.rackViolation(c.p) { continue }
                L.replicas[i] = planned[i]
                moves += 1
                bytes += L.size[c.p]
            }
        }
    }
}
