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
