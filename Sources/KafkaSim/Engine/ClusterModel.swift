import Foundation
import KScaleCore

/// The whole simulated cluster as one value: brokers, topics, configs, reassignments and the
/// replication in flight, on simulated time.
///
/// A value type with explicit times so the engine's rules (throttle sharing, catch-up, completion,
/// failover) are tested synchronously and exactly; `SimEngine` wraps it in an actor with a clock.
/// Every operation first calls `advance(to:)` so replication progress is always current.
public struct ClusterModel: Sendable {
    public struct Settings: Sendable {
        /// Per broker and per direction (a leader's egress, a follower's ingress), bytes/s.
        public var brokerNetworkBytesPerSec: Double
        /// Ingest per partition with a leader, bytes/s; keeps logs growing during moves.
        public var ingestBytesPerSecPerPartition: Double
        /// Disk size for brokers whose snapshot entry has none.
        public var defaultDiskBytes: Int64
        /// The most partitions one CreateTopics or CreatePartitions request may create: Kafka's
        /// KRaft controller refuses more (`ReplicationControlManager.MAX_PARTITIONS_PER_BATCH`,
        /// 10,000: "Excessively large number of partitions per request.", POLICY_VIOLATION), so
        /// a hostile request is refused before anything is allocated.
        public var maxPartitionsPerRequest: Int
        /// The Kafka release and mode the cluster behaves as.
        public var profile: KafkaProfile

        public init(brokerNetworkBytesPerSec: Double = 125_000_000, ingestBytesPerSecPerPartition: Double = 0,
                    defaultDiskBytes: Int64 = 1_000_000_000_000, maxPartitionsPerRequest: Int = 10_000,
                    profile: KafkaProfile = .newest) {
            self.maxPartitionsPerRequest = maxPartitionsPerRequest
            self.profile = profile
            self.brokerNetworkBytesPerSec = brokerNetworkBytesPerSec
            self.ingestBytesPerSecPerPartition = ingestBytesPerSecPerPartition
            self.defaultDiskBytes = defaultDiskBytes
        }
    }

    var settings: Settings
    var brokers: [BrokerID: SimBroker] = [:]
    /// Snapshot order: broker i listens on basePort + i.
    public internal(set) var brokerOrder: [BrokerID]
    var topics: [String: SimTopic] = [:]
    /// Broker -> the partitions it holds a replica of, kept with every change of a replica list.
    var replicaIndex = BrokerReplicaIndex()
    public internal(set) var controller: BrokerID
    /// Cluster-wide dynamic broker configs (`--entity-default`).
    var clusterDefaults: [String: String] = [:]
    /// Partitions with at least one replica outside the ISR: the only ones `advance` looks at.
    var lagging: Set<TopicPartition> = []
    /// ZooKeeper mode: topics DeleteTopics queued while their partitions were being reassigned
    /// (`TopicDeletion.swift`), deleted when the last of those moves ends.
    var queuedForDeletion: Set<String> = []
    /// Consumer groups' committed offsets: seeded ones stand still, traffic groups' advance with
    /// their share of each partition's bytes out (`Engine/Traffic.swift`).
    var groups: [String: [TopicPartition: GroupCursor]] = [:]
    /// The traffic groups reading each topic (from the snapshot's `consumer_groups`, or one
    /// modelled per topic); each partition's bytes out is shared evenly among them.
    var readers: [String: [String]] = [:]
    /// True once any broker has a network capacity: only then does `activeFetches` share it with
    /// client traffic (a cluster without capacities copies as before).
    var sharesNetwork = false
    public internal(set) var time: Double
    /// Topics created so far (ids are drawn from it); DescribeQuorum's high watermark stands on it.
    private(set) var topicCounter: UInt64 = 0
    /// Draws of KRaft's random "controller" id so far (`reportedController`).
    var controllerDraws: UInt64 = 0

    public init(snapshot: ClusterSnapshot, settings: Settings = Settings(), host: String = "127.0.0.1",
                ports: [BrokerID: Int32] = [:], startTime: Double = 0) throws {
        try snapshot.validate()
        guard !snapshot.brokers.isEmpty else { throw InvalidInput("snapshot has no brokers") }
        self.settings = settings
        self.time = startTime
        self.brokerOrder = snapshot.brokers.map(\.id)
        let dormant = Set(snapshot.brokers.filter { $0.registered == false }.map(\.id))
        guard let firstRegistered = snapshot.brokers.first(where: { !dormant.contains($0.id) }) else {
            throw InvalidInput("every broker of the snapshot has \"registered\": false: at least one must be registered")
        }
        self.controller = firstRegistered.id
        var used: [BrokerID: Int64] = [:]
        for t in snapshot.topics { for p in t.partitions { for r in p.replicas { used[r, default: 0] += p.size ?? 0 } } }
        for b in snapshot.brokers {
            let total = b.diskTotalBytes ?? settings.defaultDiskBytes
            let other = b.diskUsableBytes.map { max(0, total - $0 - used[b.id, default: 0]) } ?? 0
            brokers[b.id] = SimBroker(id: b.id, rack: b.rack, host: host, port: ports[b.id] ?? 0, diskTotal: total, diskOther: other,
                                      networkInCapacity: b.networkInCapacity.map(Double.init),
                                      networkOutCapacity: b.networkOutCapacity.map(Double.init))
            // A dormant broker (`"registered": false`): its machine exists, its Kafka has not
            // started; `startBroker` registers it. It can hold no replica: no controller would
            // have placed one on a broker it never knew.
            if b.registered == false {
                brokers[b.id]?.registered = false
                brokers[b.id]?.alive = false
                brokers[b.id]?.fenced = true
            }
            // A snapshot's cordoned broker starts cordoned, as `kscale drain` left it (KIP-1066).
            if b.isCordoned {
                guard settings.profile.supportsCordons else {
                    throw InvalidInput("the snapshot has broker \(b.id) cordoned, but \(settings.profile) has no cordons (KIP-1066 shipped in 4.3)")
                }
                brokers[b.id]?.configs[Self.cordonKey] = "*"
            }
        }
        for t in snapshot.topics {
            for p in t.partitions {
                if let id = p.replicas.first(where: dormant.contains) {
                    throw InvalidInput("broker \(id) has \"registered\": false but holds a replica of \(t.name)-\(p.partition): a dormant broker holds nothing")
                }
            }
            let sorted = t.partitions.sorted { $0.partition < $1.partition }
            guard sorted.enumerated().allSatisfy({ Int32($0.offset) == $0.element.partition }) else {
                throw InvalidInput("topic \(t.name) has gaps in its partition numbers; the simulator needs partitions 0..n-1")
            }
            var topic = SimTopic(name: t.name, id: nextTopicID(), partitions: [], configs: t.configs ?? [:])
            topic.refreshThrottles()
            for p in sorted {
                var isr = p.isr ?? p.replicas
                isr = isr.filter { p.replicas.contains($0) }
                if isr.isEmpty { isr = p.replicas }
                let leader = p.leader.flatMap { isr.contains($0) ? $0 : nil } ?? isr.first
                let size = Double(p.size ?? 0)
                var part = SimPartition(replicas: p.replicas, isr: isr, leader: leader, baseSize: size,
                                        baseOffset: size / SimDefaults.bytesPerRecord, baseTime: startTime,
                                        ingestRate: p.bytesInPerSec.map(Double.init) ?? settings.ingestBytesPerSecPerPartition)
                part.egressRate = p.bytesOutPerSec.map(Double.init) ?? 0
                for r in p.replicas where !isr.contains(r) { part.laggingBytes[r] = 0 }
                if !part.laggingBytes.isEmpty { lagging.insert(TopicPartition(t.name, p.partition)) }
                replicaIndex.add(TopicPartition(t.name, p.partition), on: p.replicas)
                topic.partitions.append(part)
            }
            topics[t.name] = topic
        }
        installTraffic(snapshot)
    }

    mutating func nextTopicID() -> [UInt8] {
        topicCounter += 1
        var bytes = [UInt8](repeating: 0, count: 16)
        var v = topicCounter &* 0x9E37_79B9_7F4A_7C15
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        v = topicCounter
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(i))) }
        bytes[0] |= 1  // never the zero UUID, which Kafka reserves
        return bytes
    }

    // MARK: - Reading

    public var brokerIDs: [BrokerID] { brokerOrder }
    public var topicNames: [String] { topics.keys.sorted() }

    public func broker(_ id: BrokerID) -> SimBrokerInfo? {
        brokers[id].map { SimBrokerInfo(id: $0.id, rack: $0.rack, host: $0.host, port: $0.port, alive: $0.alive, fenced: $0.fenced,
                                        registered: $0.registered) }
    }

    public func isAlive(_ id: BrokerID) -> Bool { brokers[id]?.alive ?? false }

    public func partitionCount(_ topic: String) -> Int? { topics[topic]?.partitions.count }

    public func topicID(_ topic: String) -> [UInt8]? { topics[topic]?.id }

    public func topicName(forID id: [UInt8]) -> String? { topics.values.first { $0.id == id }?.name }

    /// The controller's view of one partition, for Metadata and DescribeTopicPartitions.
    public func partitionView(_ topic: String, _ partition: Int32) -> SimPartitionView? {
        guard let p = topics[topic]?.partitions[safe: Int(partition)] else { return nil }
        return view(p, partition)
    }

    public func partitionViews(_ topic: String) -> [SimPartitionView] {
        guard let t = topics[topic] else { return [] }
        return t.partitions.enumerated().map { view($0.element, Int32($0.offset)) }
    }

    private func view(_ p: SimPartition, _ index: Int32) -> SimPartitionView {
        SimPartitionView(partition: index, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas, isr: p.isr,
                         offlineReplicas: p.replicas.filter { !(brokers[$0]?.alive ?? false) },
                         adding: p.adding, removing: p.removing)
    }

    func partition(_ tp: TopicPartition) -> SimPartition? { topics[tp.topic]?.partitions[safe: Int(tp.partition)] }

    /// Applies `body` to a partition in place; false when it does not exist.
    @discardableResult
    mutating func withPartition(_ tp: TopicPartition, _ body: (inout SimPartition) -> Void) -> Bool {
        guard let count = topics[tp.topic]?.partitions.count, tp.partition >= 0, Int(tp.partition) < count else { return false }
        let replicasBefore = topics[tp.topic]?.partitions[Int(tp.partition)].replicas ?? []
        body(&topics[tp.topic, default: SimTopic(name: "", id: [], partitions: [])].partitions[Int(tp.partition)])
        let replicasAfter = topics[tp.topic]?.partitions[Int(tp.partition)].replicas ?? []
        if replicasAfter != replicasBefore { replicaIndex.update(tp, from: replicasBefore, to: replicasAfter) }
        return true
    }

    public func logEndOffset(_ tp: TopicPartition) -> Int64? { partition(tp)?.logEndOffset(at: time) }

    // MARK: - Leadership

    /// The first replica, in assignment order, that is alive and in the ISR.
    func electableLeader(_ p: SimPartition, excluding: BrokerID? = nil) -> BrokerID? {
        p.replicas.first { $0 != excluding && p.isr.contains($0) && isAlive($0) }
    }

    /// Changes the leader, bumping the epoch and folding ingest into the base first.
    mutating func setLeader(_ tp: TopicPartition, _ leader: BrokerID?) {
        let now = time
        withPartition(tp) { p in
            guard p.leader != leader else { return }
            p.rebase(at: now)
            p.leader = leader
            p.leaderEpoch += 1
            p.partitionEpoch += 1
        }
    }

    /// Recomputes whether the partition has lagging replicas, so `advance` visits it.
    mutating func refreshLagging(_ tp: TopicPartition) {
        guard let p = partition(tp) else {
            lagging.remove(tp)
            return
        }
        if p.laggingBytes.isEmpty { lagging.remove(tp) } else { lagging.insert(tp) }
    }

    // MARK: - Faults

    /// A stopped broker is fenced: it leaves every ISR it is in (unless it is the last member, as
    /// in KRaft), its leaderships fail over to a live in-sync replica, and its replicas freeze.
    public mutating func stopBroker(_ id: BrokerID, at t: Double) throws {
        advance(to: t)
        guard brokers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        guard brokers[id]?.alive == true else { return }
        brokers[id]?.alive = false
        brokers[id]?.fenced = true
        for tp in partitions(on: id) {
            guard let p = partition(tp) else { continue }
            let now = time
            if p.isr.contains(id), p.isr.count > 1 {
                withPartition(tp) { p in
                    p.laggingBytes[id] = p.size(at: now)
                    p.isr.removeAll { $0 == id }
                    p.partitionEpoch += 1
                }
                refreshLagging(tp)
            }
            if p.leader == id, let updated = partition(tp) {
                setLeader(tp, electableLeader(updated, excluding: id))
            }
        }
        if controller == id, let next = brokerOrder.first(where: { isAlive($0) }) { controller = next }
    }

    /// A restarted broker rejoins: partitions whose only in-sync replica it is get it back as
    /// leader, and its other replicas catch up from their leaders.
    public mutating func startBroker(_ id: BrokerID, at t: Double) throws {
        advance(to: t)
        guard brokers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        guard brokers[id]?.alive == false else { return }
        brokers[id]?.registered = true
        brokers[id]?.alive = true
        brokers[id]?.fenced = false
        for tp in partitions(on: id) {
            guard let p = partition(tp), p.leader == nil, p.isr.contains(id) else { continue }
            setLeader(tp, id)
        }
        if !isAlive(controller) { controller = id }
    }

    /// The broker leaves the controller's registry (KRaft's UnregisterBroker, or a broker never
    /// started): stopped first if it runs, then absent from Metadata and DescribeCluster.
    public mutating func unregisterBroker(_ id: BrokerID, at t: Double) throws {
        try stopBroker(id, at: t)
        brokers[id]?.registered = false
    }

    /// A broker process starts and registers. As in KRaft it is fenced until it has caught up with
    /// the metadata; `startBroker` then unfences it.
    public mutating func registerBroker(_ id: BrokerID, at t: Double) throws {
        advance(to: t)
        guard brokers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        brokers[id]?.registered = true
    }

    /// Registered brokers in snapshot order, fenced ones included (DescribeCluster v2 with
    /// IncludeFencedBrokers, which kscale asks for).
    public var registeredBrokers: [SimBrokerInfo] { brokerOrder.compactMap { broker($0) }.filter(\.registered) }

    /// Every partition with a replica on the broker, in topic and partition order.
    mutating func partitions(on id: BrokerID) -> [TopicPartition] { replicaIndex.partitions(on: id) }

    /// Whether `replicaIndex` holds exactly what a scan of every partition finds (tests).
    func replicaIndexMatchesScan() -> Bool {
        var scanned: [BrokerID: Set<TopicPartition>] = [:]
        for (name, topic) in topics {
            for (number, partition) in topic.partitions.enumerated() {
                for broker in partition.replicas { scanned[broker, default: []].insert(TopicPartition(name, Int32(number))) }
            }
        }
        return scanned == replicaIndex.all
    }

    public mutating func moveController(to id: BrokerID, at t: Double) throws {
        advance(to: t)
        guard brokers[id] != nil else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        guard isAlive(id) else { throw InvalidInput("broker \(id) is stopped and cannot become controller") }
        controller = id
    }

    // MARK: - Consumer groups

    /// A commit: the group's offset on `tp` stands at `offset` until the next commit (a traffic
    /// group committing by hand stops advancing there).
    public mutating func commitOffset(group: String, _ tp: TopicPartition, offset: Int64) {
        groups[group, default: [:]][tp] = GroupCursor(baseOffset: Double(offset), baseTime: time, bytesPerSec: 0)
    }

    /// The group's committed offsets now; nil for a group that never committed.
    public func committedOffsets(group: String) -> [TopicPartition: Int64]? {
        groups[group].map { cursors in
            var out: [TopicPartition: Int64] = [:]
            for (tp, cursor) in cursors {
                guard let p = partition(tp) else { continue }
                out[tp] = cursor.committed(at: time, logEnd: p.logEndOffset(at: time))
            }
            return out
        }
    }

    public var groupNames: [String] { groups.keys.sorted() }
}

/// A broker as the protocol layer needs it.
public struct SimBrokerInfo: Sendable, Equatable {
    public var id: BrokerID
    public var rack: String?
    public var host: String
    public var port: Int32
    public var alive: Bool
    public var fenced: Bool
    public var registered: Bool
}

/// One partition as Metadata reports it.
public struct SimPartitionView: Sendable, Equatable {
    public var partition: Int32
    public var leader: BrokerID?
    public var leaderEpoch: Int32
    public var replicas: [BrokerID]
    public var isr: [BrokerID]
    public var offlineReplicas: [BrokerID]
    public var adding: [BrokerID]
    public var removing: [BrokerID]
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
