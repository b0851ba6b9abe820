import KScaleCore

/// The one dry-run gate: every kscale command gets its admin through it, and it alone decides
/// whether a change reaches the cluster.
///
/// The CLI builds it in one place (`withAdmin` in the CLI's Connection.swift) from `--execute`;
/// a command without that flag gets a dry-run gate, so it cannot change the cluster whatever it
/// calls. Reads pass straight through. Each mutation (AlterPartitionReassignments,
/// IncrementalAlterConfigs, CreatePartitions, ElectLeaders, UnregisterBroker) is recorded item by item as an
/// `AdminMutation` (`mutations`, in the order answered) and:
/// - with `--execute`, forwarded; the broker's per-item answer is recorded and returned;
/// - in a dry run, answered as Kafka would answer without anything changing.
///   IncrementalAlterConfigs and CreatePartitions go to the broker with validate_only set, so the
///   broker still validates them (validate_only changes nothing). AlterPartitionReassignments and
///   ElectLeaders have no validate mode: the gate reads the cluster's metadata and refuses what
///   Kafka would refuse from it (unknown partitions; empty, duplicate or unregistered replicas;
///   cancelling a reassignment that is not in flight; a preferred leader that is down or out of
///   the ISR) and answers success for the rest, so a dry run does not promise what Kafka would refuse.
///
/// A call the caller itself marks validate_only changes nothing, so it passes through unrecorded.
///
/// `isDryRun` is the one source of truth for the mode. Flows that would wait for data to move
/// (the executor loop behind execute, resume, cancel --rollback, scale-out and scale-in) cannot
/// run against a dry-run gate: each reads `isDryRun` in exactly one place to stop after its
/// plan and inspection. Nothing else carries an "execute" flag of its own.
public actor DryRunAdmin: ClusterAdmin {
    public enum Mode: String, Sendable, Hashable {
        case dryRun = "dry-run"
        case execute
    }

    /// The transport underneath (`KafkaAdminClient`, KafkaSim, a test's fake).
    public nonisolated let base: any ClusterAdmin
    public nonisolated let mode: Mode
    public nonisolated var isDryRun: Bool { mode == .dryRun }
    /// Every change asked for so far: would-send lines in a dry run, sent ones with `--execute`.
    public private(set) var mutations: [AdminMutation] = []

    public init(_ base: any ClusterAdmin, execute: Bool) {
        self.base = base
        mode = execute ? .execute : .dryRun
    }

    // MARK: reads

    public nonisolated func describeCluster() async throws -> ClusterDescription { try await base.describeCluster() }
    public nonisolated func describeTopics(_ names: [String]?) async throws -> [TopicDescription] { try await base.describeTopics(names) }
    public nonisolated func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] { try await base.logDirs(brokers: brokers) }
    public nonisolated func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        try await base.listReassignments(partitions)
    }
    public nonisolated func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        try await base.describeConfigs(resources)
    }
    public nonisolated func listConsumerGroups() async throws -> [String] { try await base.listConsumerGroups() }
    public nonisolated func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { try await base.consumerLag(group: group) }
    public nonisolated func describeQuorum() async throws -> QuorumDescription? { try await base.describeQuorum() }
    public nonisolated func finalizedFeatures() async throws -> [String: Int16] { try await base.finalizedFeatures() }
    public nonisolated func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers { try await base.listOffsets(partitions, spec) }
    public nonisolated func committedOffsets(group: String) async throws -> [TopicPartition: Int64] { try await base.committedOffsets(group: group) }

    public nonisolated func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        try await base.readRecords(tp, from: offset, maxBytes: maxBytes)
    }

    // MARK: a tool's own records (kscale's run record): written only with --execute, never in a
    // dry run, and not listed among the mutations (they record a run, they change no broker, topic
    // or partition of the operator's)

    public nonisolated func createToolTopic(_ topic: ToolTopic) async throws -> Bool {
        guard !isDryRun else { throw DryRunWrite(what: "create the topic \(topic.name)") }
        return try await base.createToolTopic(topic)
    }

    public nonisolated func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 {
        guard !isDryRun else { throw DryRunWrite(what: "write records to \(tp)") }
        return try await base.appendRecords(records, to: tp)
    }

    // MARK: mutations

    public func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        let answer = isDryRun
            ? Self.reassignmentAnswers(targets, in: try await ClusterObservation.read(from: base, parts: .metadata))
            : try await base.alterReassignments(targets)
        for tp in targets.keys.sorted() {
            let change: AdminMutation.Change
            if case let .some(.some(replicas)) = targets[tp] { change = .reassign(tp, replicas: replicas) } else { change = .cancelReassignment(tp) }
            record(change, answer[tp])
        }
        return answer
    }

    public func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        if validateOnly { return try await base.incrementalAlterConfigs(changes, validateOnly: true) }
        let answer = try await base.incrementalAlterConfigs(changes, validateOnly: isDryRun)
        for resource in changes.keys.sorted(by: Self.resourceOrder) {
            for change in changes[resource] ?? [] { record(.alterConfig(resource, change), answer[resource]) }
        }
        return answer
    }

    public func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        if validateOnly {
            try await base.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: true)
            return
        }
        let change = AdminMutation.Change.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments)
        do {
            try await base.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: isDryRun)
        } catch let refusal as KafkaAPIError {
            record(change, refusal)
            throw refusal
        }
        record(change, nil)
    }

    public func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        let answer = isDryRun
            ? Self.electionAnswers(partitions, in: try await ClusterObservation.read(from: base, parts: .metadata))
            : try await base.electPreferredLeaders(partitions)
        guard let partitions else {
            record(.electEveryPreferredLeader, nil)
            return answer
        }
        for tp in Set(partitions).sorted() { record(.electPreferredLeader(tp), answer[tp]) }
        return answer
    }

    /// UnregisterBroker through the gate. Refused, in both modes and before anything is sent, on a
    /// ZooKeeper cluster (the API is KRaft's, KIP-631: a ZooKeeper broker's registration is its
    /// ephemeral znode, gone when the broker stops) and for a broker that still holds replicas
    /// (drain it first: `kscale scale-in`). A dry run answers what the controller would from
    /// metadata (BROKER_ID_NOT_REGISTERED for an id it does not list) and sends nothing.
    public func unregisterBroker(_ id: BrokerID) async throws {
        _ = try await unregisterBroker(id, skippingZooKeeper: false)
    }

    /// The same; with `skippingZooKeeper` (the autoscaler, after a remove) nothing is sent on
    /// ZooKeeper and the answer is false, since the broker's registration ended when it stopped.
    /// True once the broker is unregistered (or, in a dry run, would be).
    public func unregisterBroker(_ id: BrokerID, skippingZooKeeper: Bool) async throws -> Bool {
        let o = try await ClusterObservation.read(from: base, parts: .quorum)
        switch o.isKRaft {
        case false? where skippingZooKeeper:
            return false
        case false?:
            throw Refusal("broker \(id): UnregisterBroker is a KRaft API (KIP-631) and this cluster runs on ZooKeeper, where a broker's registration is its ephemeral znode and ends when the broker stops; nothing to unregister")
        case nil, true?:
            break
        }
        let held = o.partitions.filter { $0.1.replicas.contains(id) }.count
        guard held == 0 else {
            throw Refusal("broker \(id) still holds replicas of \(held) partition(s): drain it first (kscale scale-in), then unregister it")
        }
        let change = AdminMutation.Change.unregisterBroker(id)
        guard !isDryRun else {
            let refusal = o.registeredBrokers.contains(id) ? nil
                : KafkaAPIError(code: PredictedError.brokerIdNotRegistered, name: "BROKER_ID_NOT_REGISTERED",
                                message: "Broker ID \(id) is not currently registered", api: AdminMutation.API.unregisterBroker.description)
            record(change, refusal)
            if let refusal { throw refusal }
            return true
        }
        do {
            try await base.unregisterBroker(id)
        } catch let refusal as KafkaAPIError {
            record(change, refusal)
            throw refusal
        }
        record(change, nil)
        return true
    }

    private func record(_ change: AdminMutation.Change, _ answer: KafkaAPIError?) {
        let refusal = answer.flatMap { $0.code == 0 ? nil : $0 }
        mutations.append(AdminMutation(change: change, sent: !isDryRun, refusal: refusal))
    }

    // MARK: what Kafka would answer, from metadata (no validate mode for these two)

    /// Kafka error codes the metadata checks predict (Kafka's protocol error table).
    enum PredictedError {
        static let unknownTopicOrPartition: Int16 = 3
        static let invalidReplicaAssignment: Int16 = 39
        static let preferredLeaderNotAvailable: Int16 = 80
        static let noReassignmentInProgress: Int16 = 85
        static let brokerIdNotRegistered: Int16 = 102
    }

    /// AlterPartitionReassignments as the controller would answer it, judged from `o`: per-item
    /// failures only, as every `ClusterAdmin` returns them.
    public static func reassignmentAnswers(_ targets: [TopicPartition: [BrokerID]?], in o: ClusterObservation) -> [TopicPartition: KafkaAPIError] {
        let api = AdminMutation.API.alterPartitionReassignments.description
        var failed: [TopicPartition: KafkaAPIError] = [:]
        for (tp, target) in targets {
            guard o.partition(tp) != nil else {
                failed[tp] = KafkaAPIError(code: PredictedError.unknownTopicOrPartition, name: "UNKNOWN_TOPIC_OR_PARTITION",
                                           message: "the cluster has no partition \(tp)", api: api)
                continue
            }
            guard let replicas = target else {
                if o.reassignments[tp] == nil {
                    failed[tp] = KafkaAPIError(code: PredictedError.noReassignmentInProgress, name: "NO_REASSIGNMENT_IN_PROGRESS",
                                               message: "no reassignment of \(tp) is in flight", api: api)
                }
                continue
            }
            let unregistered = replicas.filter { !o.registeredBrokers.contains($0) }
            if replicas.isEmpty || Set(replicas).count != replicas.count || !unregistered.isEmpty {
                let why = replicas.isEmpty ? "the replica list is empty"
                    : !unregistered.isEmpty ? "names brokers that are not registered: \(AdminMutation.Change.list(unregistered))"
                    : "the replica list names a broker twice"
                failed[tp] = KafkaAPIError(code: PredictedError.invalidReplicaAssignment, name: "INVALID_REPLICA_ASSIGNMENT",
                                           message: why, api: api)
            }
        }
        return failed
    }

    /// A preferred ElectLeaders as the controller would answer it, judged from `o`: per-item
    /// failures only (ELECTION_NOT_NEEDED is no failure, as every `ClusterAdmin` treats it).
    public static func electionAnswers(_ partitions: [TopicPartition]?, in o: ClusterObservation) -> [TopicPartition: KafkaAPIError] {
        let api = AdminMutation.API.electLeaders.description
        var failed: [TopicPartition: KafkaAPIError] = [:]
        for tp in partitions ?? o.partitions.map(\.0) {
            guard let p = o.partition(tp) else {
                failed[tp] = KafkaAPIError(code: PredictedError.unknownTopicOrPartition, name: "UNKNOWN_TOPIC_OR_PARTITION",
                                           message: "the cluster has no partition \(tp)", api: api)
                continue
            }
            guard let preferred = p.replicas.first, p.leader != preferred else { continue }
            if !o.aliveBrokers.contains(preferred) || !p.isr.contains(preferred) {
                failed[tp] = KafkaAPIError(code: PredictedError.preferredLeaderNotAvailable, name: "PREFERRED_LEADER_NOT_AVAILABLE",
                                           message: "preferred replica \(preferred) of \(tp) is not alive and in sync", api: api)
            }
        }
        return failed
    }

    /// Topics by name, then brokers by id: the order mutation lines are recorded in.
    static func resourceOrder(_ a: ConfigResource, _ b: ConfigResource) -> Bool {
        if a.kind != b.kind { return a.kind.rawValue < b.kind.rawValue }
        if let x = Int(a.name), let y = Int(b.name), x != y { return x < y }
        return a.name < b.name
    }
}
