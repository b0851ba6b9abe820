/// The snapshot's traffic in the planner's layout: produce and consume rates per partition index,
/// and the load model (`BrokerUsage`) walked over a layout. The relief and the load balance phases
/// read load through here, so they judge what the summary reports.
struct LayoutLoad {
    /// Per partition: bytes per second producers write, and consumers read.
    let produced: PerPartition<Int64>
    let consumed: PerPartition<Int64>
    /// Per broker: its capacities (network from the snapshot or a capacity file, disk from DescribeLogDirs).
    private let capacities: PerBroker<BrokerUsage>

    init(layout: Layout, snapshot: ClusterSnapshot) {
        var rates: [TopicPartition: (produced: Int64, consumed: Int64)] = [:]
        for topic in snapshot.topics {
            for partition in topic.partitions where partition.bytesInPerSec != nil || partition.bytesOutPerSec != nil {
                rates[TopicPartition(topic.name, partition.partition)] = (partition.bytesInPerSec ?? 0, partition.bytesOutPerSec ?? 0)
            }
        }
        produced = PerPartition(layout.partitions.map { rates[layout.names[$0]]?.produced ?? 0 })
        consumed = PerPartition(layout.partitions.map { rates[layout.names[$0]]?.consumed ?? 0 })
        let brokersByID = Dictionary(snapshot.brokers.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        capacities = PerBroker(layout.brokers.map { index in
            let id = layout.brokerIDs[index]
            let broker = brokersByID[id]
            return BrokerUsage(broker: id, networkInCapacity: broker?.networkInCapacity,
                               networkOutCapacity: broker?.networkOutCapacity, diskCapacity: broker?.diskTotalBytes)
        })
    }

    /// What leading `partition` sends (`BrokerUsage.leaderNetworkOut`).
    func leadership(_ partition: PartitionIndex, in layout: Layout) -> Int64 {
        BrokerUsage.leaderNetworkOut(produced: produced[partition], consumed: consumed[partition], followers: layout.rf(partition) - 1)
    }

    /// Every broker's load in `layout`, preferred (first) replicas leading.
    func usage(of layout: Layout) -> PerBroker<BrokerUsage> {
        var usage = capacities
        for partition in layout.partitions {
            let partitionSlots = layout.slots(of: partition)
            for slot in partitionSlots {
                usage[layout.replicas[slot]].hold(produced: produced[partition], size: layout.size[partition])
            }
            usage[layout.replicas[partitionSlots.lowerBound]]
                .lead(produced: produced[partition], consumed: consumed[partition], followers: partitionSlots.count - 1)
        }
        return usage
    }
}

/// A layout with its load kept current as replicas move and leaderships change hands: the one
/// place the relief and the load balance phases change a layout, so a move carries its disk,
/// network in and (for a leader) network out the same way in both.
struct LoadedLayout {
    private(set) var layout: Layout
    let load: LayoutLoad
    private(set) var usage: PerBroker<BrokerUsage>
    /// Slots per broker, kept current.
    private(set) var slotsOn: PerBroker<[SlotIndex]>

    init(layout: Layout, load: LayoutLoad) {
        self.layout = layout
        self.load = load
        usage = load.usage(of: layout)
        slotsOn = PerBroker(repeating: [], count: layout.brokerCount)
        for slot in layout.slots { slotsOn[layout.replicas[slot]].append(slot) }
    }

    /// What leading `partition` sends.
    func leadership(_ partition: PartitionIndex) -> Int64 { load.leadership(partition, in: layout) }

    /// Moves replica `slot` to `destination`; a leader's network out goes with it.
    mutating func move(_ slot: SlotIndex, to destination: BrokerIndex) {
        let source = layout.replicas[slot]
        let partition = layout.slotPartition[slot]
        let leads = slot == layout.slots(of: partition).lowerBound
        let leadership = leads ? self.leadership(partition) : 0
        layout.replicas[slot] = destination
        slotsOn[source].removeAll { $0 == slot }
        slotsOn[destination].append(slot)
        for (broker, sign) in [(source, Int64(-1)), (destination, Int64(1))] {
            usage[broker].networkIn += sign * load.produced[partition]
            usage[broker].diskBytes += sign * layout.size[partition]
            usage[broker].networkOut += sign * leadership
        }
    }

    /// Makes `slot`'s replica the preferred leader by swapping it with the first replica; the
    /// leadership's whole network out (replication fetches and consumers) moves with it.
    mutating func promote(_ partition: PartitionIndex, slot: SlotIndex) {
        let first = layout.slots(of: partition).lowerBound
        let old = layout.replicas[first], new = layout.replicas[slot]
        let leadership = self.leadership(partition)
        layout.replicas[first] = new
        layout.replicas[slot] = old
        slotsOn[old].removeAll { $0 == first }
        slotsOn[old].append(slot)
        slotsOn[new].removeAll { $0 == slot }
        slotsOn[new].append(first)
        usage[old].networkOut -= leadership
        usage[new].networkOut += leadership
    }
}
