import KScaleCore

extension ClusterSnapshot {
    /// The rack given to a broker that holds replicas but is not registered (it is down) in a
    /// cluster whose brokers have racks: the planner refuses a broker without a rack among brokers
    /// with racks, and must still be able to plan moving data off it.
    public static let offlineRack = "unknown-offline"

    /// The planner's input from one reading of a live cluster, the one place a reading becomes a
    /// snapshot (the snapshot command, describe, the lifecycle flows): every registered broker with
    /// its rack and disk capacity, the brokers partitions name but that are not registered, and
    /// every partition with replicas, ISR, leader and the size of its largest copy. Brokers in
    /// `cordoned` (`ClusterObservation.cordonedBrokers`) are recorded `"cordoned": true`.
    public init(reading cluster: ClusterDescription, topics: [TopicDescription], logDirs: [BrokerLogDirs],
                topicConfigs: [String: [String: String]] = [:], cordoned: Set<BrokerID> = []) {
        let sizes = logDirs.largestReplicaSizes
        let disk = logDirs.diskCapacities
        let registered = Set(cluster.brokers.map(\.id))
        let racked = cluster.brokers.contains { $0.rack != nil }
        var brokers = cluster.brokers.map {
            Broker(id: $0.id, rack: $0.rack, diskTotalBytes: disk[$0.id]?.total, diskUsableBytes: disk[$0.id]?.usable,
                   cordoned: cordoned.contains($0.id) ? true : nil)
        }
        let referenced = Set(topics.flatMap { $0.partitions.flatMap(\.replicas) })
        brokers += referenced.subtracting(registered).map { Broker(id: $0, rack: racked ? Self.offlineRack : nil) }
        let states = topics.map { t in
            TopicState(name: t.name, partitions: t.partitions.sorted { $0.partition < $1.partition }.map { p in
                PartitionState(partition: p.partition, replicas: p.replicas, size: sizes[TopicPartition(t.name, p.partition)],
                               isr: p.isr, leader: p.leader.flatMap { $0 >= 0 ? $0 : nil })
            }, configs: topicConfigs[t.name].flatMap { $0.isEmpty ? nil : $0 })
        }
        self.init(brokers: brokers.sorted { $0.id < $1.id }, topics: states.sorted { $0.name < $1.name })
    }
}

