import KScaleCore

/// Client traffic on simulated time: what producers write and consumer groups read, per partition.
///
/// Kafka's leader appends produced records to its log (`UnifiedLog.append`: the log end offset
/// moves by the records appended, the size by their bytes) and its consumers commit the offsets
/// they have read to the group coordinator (`GroupCoordinator`/`OffsetCommit`; OffsetFetch answers
/// the last commit). Each broker meters what it serves as leader (`BrokerTopicStats`: the JMX
/// meters `kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec|BytesOutPerSec|MessagesInPerSec`,
/// per topic and for all topics).
///
/// Modelled, lazily (nothing is stepped; every value is a base plus rate x time):
/// - a partition with a leader grows at its `bytes_in_per_sec` (`ingestRate`), in records of
///   `SimDefaults.bytesPerRecord` (1 KiB) each, so its log end offset advances at bytes_in / 1 KiB
///   per second and its size at bytes_in;
/// - each traffic group reading a topic commits, on every partition, an offset that advances at
///   its share of the partition's `bytes_out_per_sec` (split evenly among the groups reading the
///   topic) / 1 KiB per second, from the log end at the start, never past the log end (a group
///   cannot read what was not written: a partition's measured bytes out is at most groups x bytes in);
/// - groups come from the snapshot's `consumer_groups`; a snapshot with rates but no groups gets,
///   per topic with bytes out, ceil(bytes_out / bytes_in) groups named `kafkasim-<topic>-<i>`
///   (the fan-out: how many times the topic is read), so each reads at most what is produced;
/// - a broker's counters are what it served as leader: bytes in and messages in at the produce
///   rate (plus real Produce requests), bytes out at the consume rate.
extension ClusterModel {
    /// Rates and groups from the snapshot, at model start.
    mutating func installTraffic(_ snapshot: ClusterSnapshot) {
        sharesNetwork = brokers.values.contains { $0.networkInCapacity != nil || $0.networkOutCapacity != nil }
        if let declared = snapshot.consumerGroups {
            for group in declared {
                for topic in group.topics where topics[topic] != nil && !(readers[topic] ?? []).contains(group.group) {
                    readers[topic, default: []].append(group.group)
                }
            }
        } else {
            for name in topics.keys.sorted() {
                guard let fanOut = Self.modelledFanOut(topics[name]?.partitions ?? []) else { continue }
                readers[name] = (1...fanOut).map { "kafkasim-\(name)-\($0)" }
            }
        }
        for name in readers.keys.sorted() { resetCursors(topic: name) }
    }

    /// How many groups read a topic nobody declared groups for: the largest bytes out / bytes in
    /// of its partitions, rounded up (at least 1); nil when nothing reads it.
    static func modelledFanOut(_ partitions: [SimPartition]) -> Int? {
        let ratios = partitions.filter { $0.egressRate > 0 }.map { p in p.ingestRate > 0 ? (p.egressRate / p.ingestRate).rounded(.up) : 1 }
        guard let largest = ratios.max() else { return nil }
        return max(1, Int(largest))
    }

    /// Every reader of `topic` restarts its cursor at its current committed offset (the log end
    /// for a new reader), advancing at its share of the partition's bytes out from now on.
    mutating func resetCursors(topic name: String) {
        guard let topic = topics[name] else { return }
        let groupNames = readers[name] ?? []
        guard !groupNames.isEmpty else { return }
        let now = time
        for (index, p) in topic.partitions.enumerated() {
            let tp = TopicPartition(name, Int32(index))
            let end = p.logEndOffset(at: now)
            let share = p.egressRate / Double(groupNames.count)
            for group in groupNames {
                let from = groups[group]?[tp].map { Double($0.committed(at: now, logEnd: end)) } ?? Double(end)
                groups[group, default: [:]][tp] = GroupCursor(baseOffset: from, baseTime: now, bytesPerSec: share)
            }
        }
    }

    /// `POST /traffic`: new produce and consume rates, from `t` on. A change naming no partition
    /// applies to every partition of the topic; a rate left out keeps its value. A topic given
    /// bytes out that no group reads gets one modelled group, `kafkasim-<topic>-1`.
    public mutating func setTraffic(_ changes: [SimTrafficChange], at t: Double) throws(SimFailure) {
        advance(to: t)
        for change in changes {
            guard let topic = topics[change.topic] else {
                throw SimFailure(SimErrorCode.unknownTopicOrPartition, "no topic \(change.topic) in the simulated cluster")
            }
            if let partition = change.partition, !topic.partitions.indices.contains(Int(partition)) {
                throw SimFailure(SimErrorCode.unknownTopicOrPartition, "topic \(change.topic) has no partition \(partition)")
            }
            for rate in [change.bytesInPerSec, change.bytesOutPerSec] {
                if let rate, !(rate >= 0 && rate.isFinite) {
                    throw SimFailure(SimErrorCode.invalidRequest, "a rate must be a finite number of bytes/s >= 0, got \(rate)")
                }
            }
        }
        let now = time
        for change in changes {
            let indices = change.partition.map { [Int($0)] } ?? Array((topics[change.topic]?.partitions ?? []).indices)
            // Cursors first, at the old rates, so a group's progress so far is kept.
            resetCursors(topic: change.topic)
            for index in indices {
                withPartition(TopicPartition(change.topic, Int32(index))) { p in
                    p.rebase(at: now)
                    if let rate = change.bytesInPerSec { p.ingestRate = rate }
                    if let rate = change.bytesOutPerSec { p.egressRate = rate }
                }
            }
            if (readers[change.topic] ?? []).isEmpty, change.bytesOutPerSec ?? 0 > 0 {
                readers[change.topic] = ["kafkasim-\(change.topic)-1"]
            }
            resetCursors(topic: change.topic)
        }
    }

    /// A consumer's Fetch served `bytes` of `tp` from `broker` (its BytesOut counter).
    mutating func countFetched(_ tp: TopicPartition, on broker: BrokerID, bytes: Int) {
        withPartition(tp) { p in p.served[broker, default: TrafficCounters()].bytesOut += Double(bytes) }
    }

    /// What each broker has served per topic, as its `BrokerTopicMetrics` counters report it.
    public func trafficCounters(broker id: BrokerID) -> [String: TrafficCounters] {
        var out: [String: TrafficCounters] = [:]
        for (name, topic) in topics {
            var total = TrafficCounters()
            var seen = false
            for p in topic.partitions where p.leader == id || p.served[id] != nil {
                total.add(p.counters(of: id, at: time))
                seen = true
            }
            if seen { out[name] = total }
        }
        return out
    }

    /// Bytes/s of client traffic on each broker's network: produce into the partitions it leads
    /// and the in-sync followers' fetches of it (in on each follower, out on the leader), and the
    /// consumers' fetches out of the leader. Move copies share what is left (`copyCapacity`).
    func clientNetworkLoad() -> [BrokerID: (inbound: Double, outbound: Double)] {
        var load: [BrokerID: (inbound: Double, outbound: Double)] = [:]
        for topic in topics.values {
            for p in topic.partitions {
                guard let leader = p.leader, p.ingestRate > 0 || p.egressRate > 0 else { continue }
                let followers = p.isr.filter { $0 != leader && isAlive($0) }
                load[leader, default: (0, 0)].inbound += p.ingestRate
                load[leader, default: (0, 0)].outbound += p.egressRate + p.ingestRate * Double(followers.count)
                for follower in followers { load[follower, default: (0, 0)].inbound += p.ingestRate }
            }
        }
        return load
    }

    /// The bytes/s a broker's move copies share in one direction: `--broker-network` when the
    /// snapshot gave it no capacity; else its capacity less client traffic, but never below
    /// `SimDefaults.copyShareFloor` of the capacity (a saturated broker still copies, slowly, as
    /// TCP gives every flow some share).
    func copyCapacity(_ id: BrokerID, inbound: Bool, load: [BrokerID: (inbound: Double, outbound: Double)]) -> Double {
        let capacity = inbound ? brokers[id]?.networkInCapacity : brokers[id]?.networkOutCapacity
        guard let capacity else { return settings.brokerNetworkBytesPerSec }
        let used = inbound ? load[id]?.inbound ?? 0 : load[id]?.outbound ?? 0
        return max(capacity - used, capacity * SimDefaults.copyShareFloor)
    }
}

/// One group's committed offset on one partition: `baseOffset` at `baseTime`, advancing at
/// `bytesPerSec` / `SimDefaults.bytesPerRecord` records per second, never past the log end
/// (a seeded commit, at 0 bytes/s, stands where it was put).
struct GroupCursor: Sendable {
    var baseOffset: Double
    var baseTime: Double
    var bytesPerSec: Double

    func committed(at t: Double, logEnd: Int64) -> Int64 {
        guard bytesPerSec > 0 else { return Int64(baseOffset.rounded(.down)) }
        let read = baseOffset + bytesPerSec * max(0, t - baseTime) / SimDefaults.bytesPerRecord
        return Int64(max(baseOffset, min(Double(logEnd), read)).rounded(.down))
    }
}

/// A broker's `BrokerTopicMetrics` counts for one topic (the meters' `Count` attribute).
public struct TrafficCounters: Sendable, Hashable {
    public var bytesIn: Double = 0
    public var bytesOut: Double = 0
    public var messagesIn: Double = 0
    public init(bytesIn: Double = 0, bytesOut: Double = 0, messagesIn: Double = 0) {
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.messagesIn = messagesIn
    }
    mutating func add(_ other: TrafficCounters) {
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        messagesIn += other.messagesIn
    }
}

/// One change of `POST /traffic`: a topic's (or one partition's) produce and consume rates.
public struct SimTrafficChange: Sendable, Hashable {
    public var topic: String
    public var partition: Int32?
    public var bytesInPerSec: Double?
    public var bytesOutPerSec: Double?
    public init(topic: String, partition: Int32? = nil, bytesInPerSec: Double? = nil, bytesOutPerSec: Double? = nil) {
        self.topic = topic
        self.partition = partition
        self.bytesInPerSec = bytesInPerSec
        self.bytesOutPerSec = bytesOutPerSec
    }
}
