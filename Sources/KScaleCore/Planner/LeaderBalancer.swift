/// Balances preferred leaders (the first replica) over the target brokers by reordering
/// replicas, which moves no data. A greedy pass does nearly all of it; augmenting paths
/// (leadership handed along a chain of partitions) finish what single swaps cannot.
struct LeaderBalancer {
    /// Passes of the greedy hand-over; later passes only pick up what earlier ones unlocked.
    static let greedyPasses = 4
    /// At most this many augmenting paths (each moves one leadership from a source to a sink).
    static let maxAugmentingPaths = 100_000

    private(set) var layout: Layout
    private var leadersOn: PerBroker<Int>
    /// Per broker: movable partitions it leads, and each partition's position in that list.
    private var led: PerBroker<[PartitionIndex]>
    private var ledPosition: PerPartition<Int32>

    init(_ layout: Layout) {
        self.layout = layout
        leadersOn = PerBroker(repeating: 0, count: layout.brokerCount)
        led = PerBroker(repeating: [], count: layout.brokerCount)
        ledPosition = PerPartition(repeating: -1, count: layout.partitionCount)
        for partition in layout.partitions {
            let leader = layout.replicas[layout.slots(of: partition).lowerBound]
            leadersOn[leader] += 1
            if layout.movable[partition] {
                ledPosition[partition] = Int32(led[leader].count)
                led[leader].append(partition)
            }
        }
    }

    /// Makes the replica in slot `slot` of `partition` the leader, keeping the others' order.
    private mutating func promote(_ partition: PartitionIndex, slot: SlotIndex) {
        let first = layout.slots(of: partition).lowerBound
        let old = layout.replicas[first], new = layout.replicas[slot]
        var shifting = slot
        while shifting > first {
            layout.replicas[shifting] = layout.replicas[shifting.advanced(by: -1)]
            shifting = shifting.advanced(by: -1)
        }
        layout.replicas[first] = new
        leadersOn[old] -= 1; leadersOn[new] += 1
        let at = Int(ledPosition[partition])
        let last = led[old].removeLast()
        if last != partition { led[old][at] = last; ledPosition[last] = Int32(at) }
        ledPosition[partition] = Int32(led[new].count)
        led[new].append(partition)
    }

    mutating func run() {
        let targets = layout.brokers.filter { layout.isTarget[$0] }
        guard !targets.isEmpty else { return }
        let total = layout.partitionCount
        let floor = total / targets.count
        let ceiling = floor + (total % targets.count == 0 ? 0 : 1)
        // Greedy: hand leadership from over-full leaders to the least-leading replica.
        for _ in 0..<Self.greedyPasses {
            var changed = false
            for partition in layout.partitions where layout.movable[partition] {
                let partitionSlots = layout.slots(of: partition)
                let current = layout.replicas[partitionSlots.lowerBound]
                var best: SlotIndex?
                for slot in partitionSlots.dropFirst() {
                    let broker = layout.replicas[slot]
                    if layout.isTarget[broker] && (best.map { leadersOn[broker] < leadersOn[layout.replicas[$0]] } ?? true) { best = slot }
                }
                guard let best else { continue }
                let candidate = leadersOn[layout.replicas[best]]
                if (leadersOn[current] > ceiling && candidate < ceiling) || (leadersOn[current] > floor && candidate < floor) || !layout.isTarget[current] {
                    promote(partition, slot: best)
                    changed = true
                }
            }
            if !changed { break }
        }
        // Augmenting paths for whatever single swaps could not fix.
        var paths = 0
        while paths < Self.maxAugmentingPaths {
            paths += 1
            let over = targets.contains { leadersOn[$0] > ceiling }
            let under = targets.contains { leadersOn[$0] < floor }
            if !over && !under { return }
            let sources = targets.filter { over ? leadersOn[$0] > ceiling : leadersOn[$0] > floor }
            if !augment(from: sources, sinkBelow: over ? ceiling : floor) { return }
        }
    }

    /// Breadth-first search over brokers; an edge from one broker to another is a partition the first
    /// leads with a replica on the other. Shifting leadership along the path moves one leadership
    /// from a source to a sink.
    private mutating func augment(from sources: [BrokerIndex], sinkBelow limit: Int) -> Bool {
        /// How the search reached a broker: from which broker, over which partition.
        var reachedFrom = PerBroker<(broker: BrokerIndex, partition: PartitionIndex)?>(repeating: nil, count: layout.brokerCount)
        var visited = PerBroker(repeating: false, count: layout.brokerCount)
        var queue: [BrokerIndex] = sources
        for source in sources { visited[source] = true }
        var head = 0
        var sink: BrokerIndex?
        search: while head < queue.count {
            let from = queue[head]; head += 1
            for partition in led[from] {
                for slot in layout.slots(of: partition).dropFirst() {
                    let broker = layout.replicas[slot]
                    if visited[broker] || !layout.isTarget[broker] { continue }
                    visited[broker] = true
                    reachedFrom[broker] = (from, partition)
                    if leadersOn[broker] < limit { sink = broker; break search }
                    queue.append(broker)
                }
            }
        }
        guard var broker = sink else { return false }
        while let (from, partition) = reachedFrom[broker] {
            guard let slot = layout.slots(of: partition).dropFirst().first(where: { layout.replicas[$0] == broker }) else { break }
            promote(partition, slot: slot)
            broker = from
        }
        return true
    }
}
