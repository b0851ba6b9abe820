import KScaleCore

/// KIP-455 reassignments and leader elections, by mode (`KafkaProfile.controllerSemantics`):
/// - KRaft (`ReplicationControlManager`, `PartitionReassignmentReplicas`): a new target T over
///   current replicas R gives replicas = T followed by (R - T), adding = T - R, removing = R - T; a
///   reassignment over one in flight starts from the current (merged) replicas;
/// - ZooKeeper (`KafkaController.maybeBuildReassignment`, `ReplicaAssignment.reassignTo`): the
///   same formula over the ORIGINAL replicas O (the replicas minus those being added), however
///   many targets came before: replicas = T followed by (O - T), adding = T - O, removing = O - T;
///   replicas an earlier target was adding that the new one drops are stopped at once;
/// - it completes when every target replica is in the ISR: the removing replicas are dropped and,
///   if the leader is among them, the first live in-sync target becomes leader;
/// - a cancel (null target) reverts to the replicas minus those being added: KRaft's
///   `cancelPartitionReassignment` refuses it with INVALID_REPLICA_ASSIGNMENT when no original
///   replica is in the ISR (`PartitionReassignmentRevert.unclean`) unless the topic allows unclean
///   leader election; ZooKeeper reassigns back to the originals, which adds nothing and completes
///   in the same controller event, never refused (a partition with no original in sync is left
///   without a leader).
extension ClusterModel {
    /// AlterPartitionReassignments for one partition. `target == nil` cancels.
    public mutating func alterReassignment(_ tp: TopicPartition, target: [BrokerID]?, at t: Double) throws(SimFailure) {
        advance(to: t)
        defer { deleteQueuedTopics() }
        guard let p = partition(tp) else {
            throw SimFailure(SimErrorCode.unknownTopicOrPartition, "The partition \(tp) does not exist.")
        }
        if queuedForDeletion.contains(tp.topic) {
            // ZooKeeper's `maybeTriggerPartitionReassignment`: the topic is being deleted.
            throw SimFailure(SimErrorCode.unknownTopicOrPartition, "The partition does not exist.")
        }
        guard let target else {
            guard p.isReassigning else {
                throw SimFailure(SimErrorCode.noReassignmentInProgress, "No reassignment is in progress for \(tp).")
            }
            try cancelReassignment(tp)
            return
        }
        guard !target.isEmpty else {
            throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes an empty replica list.")
        }
        guard Set(target).count == target.count else {
            throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes duplicate replicas: \(target).")
        }
        if let unknown = target.first(where: { brokers[$0] == nil }) {
            throw SimFailure(SimErrorCode.invalidReplicaAssignment, "The manual partition assignment includes broker \(unknown), but no such broker is registered.")
        }
        let base = settings.profile.controllerSemantics == .zookeeper ? p.originalReplicas : p.replicas
        let removing = base.filter { !target.contains($0) }
        let adding = target.filter { !base.contains($0) }
        let replicas = target + removing
        // ZooKeeper: replicas the earlier target was adding and this one drops are stopped
        // (`updateCurrentReassignment`: unneededReplicas), leaving the ISR.
        let stopped = p.replicas.filter { !replicas.contains($0) }
        withPartition(tp) { p in
            p.replicas = replicas
            p.adding = adding
            p.removing = removing
            p.partitionEpoch += 1
            for b in stopped { p.laggingBytes[b] = nil }
            if !stopped.isEmpty { p.isr = p.isr.filter { !stopped.contains($0) } }
            // A replica an earlier target added that is in sync already (ZooKeeper) keeps its copy.
            for b in adding where p.laggingBytes[b] == nil && !p.isr.contains(b) { p.laggingBytes[b] = 0 }
        }
        if let leader = p.leader, stopped.contains(leader), let updated = partition(tp) {
            setLeader(tp, electableLeader(updated))
        }
        refreshLagging(tp)
        completeReassignmentIfDone(tp)
    }

    mutating func cancelReassignment(_ tp: TopicPartition) throws(SimFailure) {
        guard let p = partition(tp) else { return }
        let original = p.originalReplicas
        let inSync = p.isr.filter { original.contains($0) }
        var unclean = false
        if inSync.isEmpty {
            switch settings.profile.controllerSemantics {
            case .kraft:
                // `PartitionReassignmentRevert`: the revert would need an unclean election.
                guard (topics[tp.topic]?.configs[Self.uncleanElectionKey] ?? clusterDefaults[Self.uncleanElectionKey]) == "true" else {
                    throw SimFailure(SimErrorCode.invalidReplicaAssignment, "Unable to revert partition assignment for \(tp.topic):\(tp.partition) because it would require an unclean leader election.")
                }
                unclean = true
            case .zookeeper:
                break
            }
        }
        let now = time
        withPartition(tp) { p in
            for b in p.adding { p.laggingBytes[b] = nil }
            p.isr = inSync
            if unclean, let first = original.first {
                // KRaft takes the first original replica into the ISR: an unclean election.
                p.baseSize = p.replicaBytes(first, at: now)
                p.laggingBytes[first] = nil
                p.isr = [first]
            }
            p.replicas = original
            p.adding = []
            p.removing = []
            p.partitionEpoch += 1
        }
        if let updated = partition(tp) {
            if let leader = updated.leader, updated.isr.contains(leader), original.contains(leader) {
                // The leader stays.
            } else {
                setLeader(tp, electableLeader(updated))
            }
        }
        refreshLagging(tp)
    }

    static let uncleanElectionKey = "unclean.leader.election.enable"

    /// Finishes a reassignment once every target replica is in sync.
    mutating func completeReassignmentIfDone(_ tp: TopicPartition) {
        guard let p = partition(tp), p.isReassigning else { return }
        let target = p.targetReplicas
        guard target.allSatisfy({ p.isr.contains($0) }) else { return }
        withPartition(tp) { p in
            for b in p.removing { p.laggingBytes[b] = nil }
            p.replicas = target
            p.isr = p.isr.filter { target.contains($0) }
            p.adding = []
            p.removing = []
            p.partitionEpoch += 1
        }
        if let leader = p.leader, !target.contains(leader), let updated = partition(tp) {
            setLeader(tp, electableLeader(updated))
        } else if p.leader == nil, let updated = partition(tp), let next = electableLeader(updated) {
            setLeader(tp, next)
        }
        refreshLagging(tp)
    }

    /// Reassignments in flight: all of them, or those among `partitions`.
    public func reassignments(_ partitions: [TopicPartition]? = nil) -> [TopicPartition: SimReassignment] {
        var out: [TopicPartition: SimReassignment] = [:]
        let candidates: [TopicPartition] = partitions ?? topics.flatMap { name, t in
            t.partitions.indices.compactMap { t.partitions[$0].isReassigning ? TopicPartition(name, Int32($0)) : nil }
        }
        for tp in candidates {
            guard let p = partition(tp), p.isReassigning else { continue }
            out[tp] = SimReassignment(replicas: p.replicas, adding: p.adding, removing: p.removing)
        }
        return out
    }

    /// ElectLeaders: preferred (type 0) makes the first assigned replica leader when it is alive and
    /// in sync; unclean (type 1) only acts on leaderless partitions and takes any live replica.
    public mutating func electLeader(_ tp: TopicPartition, unclean: Bool, at t: Double) throws(SimFailure) {
        advance(to: t)
        guard let p = partition(tp) else { throw SimFailure(SimErrorCode.unknownTopicOrPartition, "The partition \(tp) does not exist.") }
        if unclean {
            guard p.leader == nil else { throw SimFailure(SimErrorCode.electionNotNeeded, "Leader election not needed for topic partition.") }
            guard let pick = p.replicas.first(where: { isAlive($0) }) else {
                throw SimFailure(SimErrorCode.eligibleLeadersNotAvailable, "No live replica for \(tp).")
            }
            let now = time
            withPartition(tp) { p in
                if !p.isr.contains(pick) {
                    p.baseSize = p.replicaBytes(pick, at: now)
                    p.laggingBytes[pick] = nil
                }
                p.isr = [pick]
                for r in p.replicas where r != pick && p.laggingBytes[r] == nil { p.laggingBytes[r] = p.replicaBytes(r, at: now) }
            }
            setLeader(tp, pick)
            refreshLagging(tp)
            return
        }
        guard let preferred = p.replicas.first else { throw SimFailure(SimErrorCode.preferredLeaderNotAvailable) }
        if p.leader == preferred { throw SimFailure(SimErrorCode.electionNotNeeded, "Leader election not needed for topic partition.") }
        guard isAlive(preferred), p.isr.contains(preferred) else {
            throw SimFailure(SimErrorCode.preferredLeaderNotAvailable, "Failed to elect leader for partition \(tp) under strategy PreferredReplicaPartitionLeaderElectionStrategy")
        }
        setLeader(tp, preferred)
    }

    /// Partitions whose leader is not their preferred replica (what `electLeader` with all partitions visits).
    public func allPartitions() -> [TopicPartition] {
        topics.keys.sorted().flatMap { name in (0..<(topics[name]?.partitions.count ?? 0)).map { TopicPartition(name, Int32($0)) } }
    }
}

public struct SimReassignment: Sendable, Equatable {
    public var replicas: [BrokerID]
    public var adding: [BrokerID]
    public var removing: [BrokerID]
}
