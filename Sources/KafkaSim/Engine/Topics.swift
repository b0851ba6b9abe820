import KScaleCore

/// Topic lifecycle, Produce, offsets and log dirs.
extension ClusterModel {
    static func validateTopicName(_ name: String) -> String? {
        if name.isEmpty { return "Topic name is illegal, it can't be empty" }
        if name == "." || name == ".." { return "Topic name cannot be \".\" or \"..\"" }
        if name.count > 249 { return "Topic name is illegal, it can't be longer than 249 characters" }
        let legal = name.unicodeScalars.allSatisfy { c in
            (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "." || c == "_" || c == "-"
        }
        return legal ? nil : "Topic name \"\(name)\" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'"
    }

    /// Partitions a CreateTopics entry asks for (the broker default of 1 for -1), as Kafka counts
    /// them against the per-request cap.
    static func requestedPartitions(_ spec: SimNewTopic) -> Int {
        spec.assignments.isEmpty ? (spec.numPartitions == -1 ? 1 : max(0, Int(spec.numPartitions))) : spec.assignments.count
    }

    /// Refuses a request that would create more than `settings.maxPartitionsPerRequest` partitions.
    func checkPartitionsPerRequest(_ count: Int) throws(SimFailure) {
        if count > settings.maxPartitionsPerRequest {
            throw SimFailure(SimErrorCode.policyViolation, "Excessively large number of partitions per request.")
        }
    }

    /// CreateTopics for one topic. With `validateOnly` nothing changes.
    public mutating func createTopic(_ spec: SimNewTopic, validateOnly: Bool, at t: Double) throws(SimFailure) -> SimCreatedTopic {
        advance(to: t)
        try checkPartitionsPerRequest(Self.requestedPartitions(spec))
        if let problem = Self.validateTopicName(spec.name) { throw SimFailure(SimErrorCode.invalidTopic, problem) }
        if topics[spec.name] != nil { throw SimFailure(SimErrorCode.topicAlreadyExists, "Topic '\(spec.name)' already exists.") }
        for (k, v) in spec.configs {
            guard let cfg = ConfigCatalog.topic[k] else { throw SimFailure(SimErrorCode.invalidConfig, "Unknown topic config name: \(k)") }
            if let problem = ConfigCatalog.validate(key: k, value: v, spec: cfg) { throw SimFailure(SimErrorCode.invalidConfig, problem) }
        }
        let assignment: [[BrokerID]]
        if !spec.assignments.isEmpty {
            if spec.numPartitions != -1 || spec.replicationFactor != -1 {
                throw SimFailure(SimErrorCode.invalidRequest, "Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.")
            }
            let count = spec.assignments.count
            var lists: [[BrokerID]] = []
            for i in 0..<count {
                guard let replicas = spec.assignments[Int32(i)] else {
                    throw SimFailure(SimErrorCode.invalidReplicaAssignment, "Partitions should be a consecutive 0-based integer sequence")
                }
                try checkReplicaList(replicas)
                lists.append(replicas)
            }
            assignment = lists
        } else {
            let n = spec.numPartitions == -1 ? 1 : spec.numPartitions
            let rf = spec.replicationFactor == -1 ? 1 : Int(spec.replicationFactor)
            guard n > 0 else { throw SimFailure(SimErrorCode.invalidPartitions, "Number of partitions was set to an invalid non-positive value.") }
            guard rf > 0 else { throw SimFailure(SimErrorCode.invalidReplicationFactor, "Replication factor must be larger than 0.") }
            assignment = try assignReplicas(count: Int(n), replicationFactor: rf, startPartition: 0)
        }
        var configs: [SimConfigEntry] = []
        for key in ConfigCatalog.topic.keys.sorted() {
            if let e = topicConfigEntry(key, overrides: spec.configs) { configs.append(e) }
        }
        let result = SimCreatedTopic(topicID: [], numPartitions: Int32(assignment.count),
                                     replicationFactor: Int16(assignment.first?.count ?? 0), configs: configs)
        if validateOnly { return result }
        var topic = SimTopic(name: spec.name, id: nextTopicID(), partitions: [], configs: spec.configs)
        topic.refreshThrottles()
        topic.partitions = assignment.map { newPartition($0) }
        for (number, partition) in topic.partitions.enumerated() { replicaIndex.add(TopicPartition(spec.name, Int32(number)), on: partition.replicas) }
        topics[spec.name] = topic
        var created = result
        created.topicID = topic.id
        return created
    }

    func newPartition(_ replicas: [BrokerID]) -> SimPartition {
        let live = replicas.filter { isAlive($0) }
        let isr = live.isEmpty ? replicas : live
        var p = SimPartition(replicas: replicas, isr: isr, leader: live.first, baseSize: 0, baseOffset: 0, baseTime: time,
                             ingestRate: settings.ingestBytesPerSecPerPartition)
        for r in replicas where !isr.contains(r) { p.laggingBytes[r] = 0 }
        return p
    }

    func checkReplicaList(_ replicas: [BrokerID]) throws(SimFailure) {
        guard !replicas.isEmpty else { throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes an empty replica list.") }
        guard Set(replicas).count == replicas.count else {
            throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes duplicate replicas: \(replicas).")
        }
        if let unknown = replicas.first(where: { brokers[$0] == nil }) {
            throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes broker \(unknown), but no such broker is registered.")
        }
    }

    /// Kafka's rack-unaware placement: partition p's first replica on broker (start + p), followers
    /// shifted so replicas spread, over live unfenced brokers in id order, leaving out brokers
    /// cordoned with `cordoned.log.dirs` (KIP-1066; the simulator has one log dir per broker) once
    /// the cluster's metadata.version lets the controller know of cordons (`cordonsTakeEffect`).
    func assignReplicas(count: Int, replicationFactor rf: Int, startPartition: Int) throws(SimFailure) -> [[BrokerID]] {
        let honoursCordons = settings.profile.cordonsTakeEffect
        let live = brokerOrder.filter { isAlive($0) && !(honoursCordons && isCordoned($0)) }.sorted()
        guard rf <= live.count else {
            throw SimFailure(SimErrorCode.invalidReplicationFactor, "Unable to replicate the partition \(rf) time(s): The target replication factor of \(rf) cannot be reached because only \(live.count) broker(s) are registered.")
        }
        let n = live.count
        let start = topics.count % n
        var shift = topics.count % max(1, n - 1)
        var out: [[BrokerID]] = []
        for i in 0..<count {
            let p = startPartition + i
            if p > 0 && p % n == 0 { shift += 1 }
            let first = (start + p) % n
            var replicas = [live[first]]
            for j in 0..<(rf - 1) {
                let offset = n > 1 ? 1 + (shift + j) % (n - 1) : 0
                replicas.append(live[(first + offset) % n])
            }
            out.append(replicas)
        }
        return out
    }

    /// KIP-1066's broker config (the simulator has one log dir per broker, so any value cordons it).
    static let cordonKey = "cordoned.log.dirs"

    func isCordoned(_ broker: BrokerID) -> Bool {
        !(brokerConfigEntry(Self.cordonKey, broker: broker)?.value ?? "").isEmpty
    }


    /// CreatePartitions: grows a topic to `totalCount`, placing the new partitions as given or
    /// with the topic's replication factor.
    public mutating func createPartitions(_ name: String, totalCount: Int32, assignments: [[BrokerID]]?,
                                          validateOnly: Bool, at t: Double) throws(SimFailure) {
        advance(to: t)
        guard let topic = topics[name] else {
            throw SimFailure(SimErrorCode.unknownTopicOrPartition, "The topic '\(name)' does not exist.")
        }
        let current = topic.partitions.count
        try checkPartitionsPerRequest(Int(totalCount) - current)
        guard Int(totalCount) > current else {
            throw SimFailure(SimErrorCode.invalidPartitions, Int(totalCount) == current
                ? "Topic already has \(current) partitions."
                : "The topic \(name) currently has \(current) partition(s); \(totalCount) would not be an increase.")
        }
        let rf = topic.partitions.first?.targetReplicas.count ?? 1
        let added: [[BrokerID]]
        if let assignments {
            guard assignments.count == Int(totalCount) - current else {
                throw SimFailure(SimErrorCode.invalidReplicaAssignment, "Attempted to add \(Int(totalCount) - current) additional partition(s), but only \(assignments.count) assignment(s) were specified.")
            }
            for a in assignments {
                try checkReplicaList(a)
                guard a.count == rf else {
                    throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes a partition with \(a.count) replica(s), but this is not consistent with previous partitions, which have \(rf) replica(s).")
                }
            }
            added = assignments
        } else {
            added = try assignReplicas(count: Int(totalCount) - current, replicationFactor: rf, startPartition: current)
        }
        if validateOnly { return }
        let parts = added.map { newPartition($0) }
        topics[name]?.partitions.append(contentsOf: parts)
        for (i, p) in parts.enumerated() { replicaIndex.add(TopicPartition(name, Int32(current + i)), on: p.replicas) }
        for (i, p) in parts.enumerated() where !p.laggingBytes.isEmpty { lagging.insert(TopicPartition(name, Int32(current + i))) }
    }

    /// Produce on `broker`: appends `records` records of `bytes` bytes and returns the base offset.
    public mutating func produce(_ tp: TopicPartition, on broker: BrokerID, records: Int64, bytes: Int64, at t: Double) throws(SimFailure) -> Int64 {
        advance(to: t)
        guard let p = partition(tp) else { throw SimFailure(SimErrorCode.unknownTopicOrPartition, "This server does not host this topic-partition.") }
        guard p.leader == broker else {
            throw SimFailure(SimErrorCode.notLeaderOrFollower, "This server is not the leader for that topic-partition.")
        }
        let now = time
        let base = p.logEndOffset(at: now)
        withPartition(tp) { p in
            p.rebase(at: now)
            // Offsets stay whole: round the base up to the offset just handed out, then add the records.
            p.baseOffset = Double(base) + Double(records)
            p.baseSize += Double(bytes)
            p.served[broker, default: TrafficCounters()].add(TrafficCounters(bytesIn: Double(bytes), messagesIn: Double(records)))
        }
        return base
    }

    /// ListOffsets: -1 latest, -2 earliest, -3 max timestamp (the last offset); any other
    /// timestamp is answered with the end offset since records carry no timestamps here.
    public func listOffset(_ tp: TopicPartition, timestamp: Int64) throws(SimFailure) -> Int64 {
        guard let p = partition(tp) else { throw SimFailure(SimErrorCode.unknownTopicOrPartition, "This server does not host this topic-partition.") }
        guard p.leader != nil else { throw SimFailure(SimErrorCode.leaderNotAvailable) }
        let end = p.logEndOffset(at: time)
        switch timestamp {
        case -2: return p.storedLog.startOffset
        case -3: return max(0, end - 1)
        default: return end
        }
    }

    /// DescribeLogDirs on one broker: one log dir with every replica it holds, its size, its lag
    /// behind the leader, and the disk's total and usable bytes.
    public mutating func logDirs(broker id: BrokerID, at t: Double) -> SimLogDir? {
        advance(to: t)
        guard let b = brokers[id] else { return nil }
        var replicas: [SimReplicaLog] = []
        var used: Double = 0
        // The broker's own partitions from the index, not a scan of the cluster.
        for tp in partitions(on: id) {
            guard let p = partition(tp) else { continue }
            let size = p.size(at: time)
            let bytes = p.replicaBytes(id, at: time)
            used += bytes
            let lag = Int64(((size - bytes) / SimDefaults.bytesPerRecord).rounded(.up))
            replicas.append(SimReplicaLog(topic: tp.topic, partition: tp.partition, size: Int64(bytes), offsetLag: max(0, lag), isFuture: false))
        }
        let usable = max(0, b.diskTotal - b.diskOther - Int64(used))
        return SimLogDir(path: SimDefaults.logDir, totalBytes: b.diskTotal, usableBytes: usable, replicas: replicas)
    }
}
