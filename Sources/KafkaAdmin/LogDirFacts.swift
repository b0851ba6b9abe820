import KScaleCore

// The facts kscale takes from DescribeLogDirs, each computed here and nowhere else: what a
// partition weighs (its largest copy), what a broker holds, and a broker's disk.
//
// One rule for every count: only healthy log dirs (an offline dir's replicas are not readable),
// and never future replicas. A future replica is an intra-broker move to another log dir
// (KIP-113); it is a second copy of a replica the broker already holds, and counting it would
// make a broker look fuller for the length of the move and then shrink back.

extension BrokerLogDirs {
    /// Bytes of each partition this broker holds, current replicas in healthy dirs.
    /// Calls `body` with each partition this broker holds and its size, as `replicaSizes` counts
    /// them; a broker with one healthy dir (the usual case) is read straight from it, without
    /// building the table.
    func forEachReplicaSize(_ body: (TopicPartition, Int64) -> Void) {
        let healthy = dirs.filter { $0.error == nil }
        if healthy.count == 1 {
            for replica in healthy[0].replicas where !replica.isFuture { body(replica.topicPartition, replica.size) }
        } else {
            for (partition, size) in replicaSizes { body(partition, size) }
        }
    }

    public var replicaSizes: [TopicPartition: Int64] {
        var sizes: [TopicPartition: Int64] = [:]
        for dir in dirs where dir.error == nil {
            for replica in dir.replicas where !replica.isFuture {
                sizes[replica.topicPartition, default: 0] += replica.size
            }
        }
        return sizes
    }

    /// Bytes this broker holds: the sum of `replicaSizes`.
    public var bytesHeld: Int64 {
        var total: Int64 = 0
        for dir in dirs where dir.error == nil {
            for replica in dir.replicas where !replica.isFuture { total += replica.size }
        }
        return total
    }

    /// The broker's disk, summed over its healthy log dirs, when every one of them reports its
    /// total and usable bytes (Kafka 3.3+, KIP-827); nil otherwise rather than understated.
    public var diskCapacity: (total: Int64, usable: Int64)? {
        let healthy = dirs.filter { $0.error == nil }
        guard !healthy.isEmpty else { return nil }
        var total: Int64 = 0, usable: Int64 = 0
        for dir in healthy {
            guard let dirTotal = dir.totalBytes, let dirUsable = dir.usableBytes, dirTotal > 0 else { return nil }
            total += dirTotal
            usable += dirUsable
        }
        return (total, usable)
    }

    /// Share of the disk in use (everything on it, not only Kafka's bytes), in percent.
    public var diskUsedPercent: Double? {
        diskCapacity.map { Double($0.total - $0.usable) * 100 / Double($0.total) }
    }
}

extension Sequence where Element == BrokerLogDirs {
    /// Bytes of each partition's largest current replica across brokers: the leader's copy, which
    /// is what a move copies; a lagging follower's is smaller.
    public var largestReplicaSizes: [TopicPartition: Int64] {
        var sizes: [TopicPartition: Int64] = [:]
        func raise(_ largest: inout Int64, to size: Int64) { if size > largest { largest = size } }
        for broker in self { broker.forEachReplicaSize { raise(&sizes[$0, default: 0], to: $1) } }
        return sizes
    }

    /// Each broker's largest replica (`replicaSizes`' largest).
    public var largestReplicaByBroker: [BrokerID: Int64] {
        var largest: [BrokerID: Int64] = [:]
        for broker in self {
            var size: Int64 = 0
            broker.forEachReplicaSize { size = Swift.max(size, $1) }
            largest[broker.broker] = Swift.max(largest[broker.broker] ?? 0, size)
        }
        return largest
    }

    /// `replicaSizes` of every broker: how far an adding replica has copied.
    public var replicaSizesByBroker: [BrokerID: [TopicPartition: Int64]] {
        var byBroker: [BrokerID: [TopicPartition: Int64]] = [:]
        for broker in self { byBroker[broker.broker, default: [:]].merge(broker.replicaSizes, uniquingKeysWith: +) }
        return byBroker
    }

    /// `diskCapacity` of every broker that reports one.
    public var diskCapacities: [BrokerID: (total: Int64, usable: Int64)] {
        var out: [BrokerID: (total: Int64, usable: Int64)] = [:]
        for broker in self { out[broker.broker] = broker.diskCapacity }
        return out
    }
}
