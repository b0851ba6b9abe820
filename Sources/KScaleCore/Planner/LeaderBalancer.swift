/// Balances preferred leaders (the first replica) over the target brokers by reordering
/// replicas, which moves no data. A greedy pass does nearly all of it; augmenting paths
/// (leadership handed along a chain of partitions) finish what single swaps cannot.
struct LeaderBalancer {
    var L: Layout
    var leaders: [Int]
    /// Per broker: movable partitions it leads, and each partition's index in that list.
    private var led: [[Int32]]
    private var ledPos: [Int32]

    init(_ layout: Layout) {
        L = layout
        leaders = [Int](repeating: 0, count: layout.brokerCount)
        led = [[Int32]](repeating: [], count: layout.brokerCount)
        ledPos = [Int32](repeating: -1, count: layout.partitionCount)
        for p in 0..<layout.partitionCount {
            let b = Int(layout.replicas[layout.start[p]])
            leaders[b] += 1
            if layout.movable[p] {
                ledPos[p] = Int32(led[b].count)
                led[b].append(Int32(p))
            }
        }
    }

    /// Makes broker at replica position `i` of `p` the leader, keeping the others' order.
    private mutating func promote(_ p: Int, position i: Int) {
        let s = L.start[p]
        let old = Int(L.replicas[s]), new = Int(L.replicas[s + i])
        var j = s + i
        while j > s { L.replicas[j] = L.replicas[j - 1]; j -= 1 }
        L.replicas[s] = Int32(new)
        leaders[old] -= 1; leaders[new] += 1
        let at = Int(ledPos[p])
        let last = led[old].removeLast()
        if Int(last) != p { led[old][at] = last; ledPos[Int(last)] = Int32(at) }
        ledPos[p] = Int32(led[new].count)
        led[new].append(Int32(p))
    }

    mutating func run() {
        let targets = (0..<L.brokerCount).filter { L.isTarget[$0] }
        guard !targets.isEmpty else { return }
        let total = L.partitionCount
        let lo = total / targets.count
        let hi = lo + (total % targets.count == 0 ? 0 : 1)
        // Greedy: hand leadership from over-full leaders to the least-leading replica.
        for _ in 0..<4 {
            var changed = false
            for p in 0..<L.partitionCount where L.movable[p] {
                let s = L.start[p], e = L.start[p + 1]
                let cur = Int(L.replicas[s])
                var best = -1
                for i in (s + 1)..<max(s + 1, e) {
                    let b = Int(L.replicas[i])
                    if L.isTarget[b] && (best < 0 || leaders[b] < leaders[Int(L.replicas[best])]) { best = i }
                }
                guard best >= 0 else { continue }
                let cand = leaders[Int(L.replicas[best])]
                if (leaders[cur] > hi && cand < hi) || (leaders[cur] > lo && cand < lo) || (!L.isTarget[cur]) {
                    promote(p, position: best - s)
                    changed = true
                }
            }
            if !changed { break }
        }
        // Augmenting paths for whatever single swaps could not fix.
        var guardRounds = 0
        while guardRounds < 100_000 {
            guardRounds += 1
            let over = targets.contains { leaders[$0] > hi }
            let under = targets.contains { leaders[$0] < lo }
            if !over && !under { return }
            let sources = targets.filter { over ? leaders[$0] > hi : leaders[$0] > lo }
            if !augment(from: sources, sinkBelow: over ? hi : lo) { return }
        }
    }

    /// Breadth-first search over brokers; an edge a -> b is a partition led by a with a replica
    /// on b. Shifting leadership along the path moves one leadership from a source to a sink.
    private mutating func augment(from sources: [Int], sinkBelow limit: Int) -> Bool {
        var parentBroker = [Int](repeating: -1, count: L.brokerCount)
        var parentPartition = [Int](repeating: -1, count: L.brokerCount)
        var visited = [Bool](repeating: false, count: L.brokerCount)
        var queue: [Int] = sources
        for s in sources { visited[s] = true }
        var head = 0
        var sink = -1
        search: while head < queue.count {
            let a = queue[head]; head += 1
            for p32 in led[a] {
                let p = Int(p32)
                for i in (L.start[p] + 1)..<L.start[p + 1] {
                    let b = Int(L.replicas[i])
                    if visited[b] || !L.isTarget[b] { continue }
                    visited[b] = true
                    parentBroker[b] = a
                    parentPartition[b] = p
                    if leaders[b] < limit { sink = b; break search }
                    queue.append(b)
                }
            }
        }
        guard sink >= 0 else { return false }
        var b = sink
        while parentBroker[b] >= 0 {
            let p = parentPartition[b]
            let s = L.start[p]
            var pos = 1
            while Int(L.replicas[s + pos]) != b { pos += 1 }
            promote(p, position: pos)
            b = parentBroker[b]
        }
        return true
    }
}
