import KScaleCore
import KafkaProtocol
import NIOCore

/// `ClusterAdmin` over kscale's own Kafka wire protocol.
///
/// Each call picks its broker the way Kafka's AdminClient does (controller, a specific broker,
/// the group coordinator, or any broker), retries transport failures and retriable error codes
/// with a doubling backoff, and follows NOT_CONTROLLER by refreshing the metadata. Each request
/// with its retries ends within the request timeout (docs/client.md, "Time budget"); each retry
/// is reported to `onRetry`.
public final class KafkaAdminClient: ClusterAdmin {
    // createTopics and deleteTopics are this client's own, not the seam's: no kscale command
    // creates or deletes topics; tests and tooling use them.
    let cluster: ClusterConnections
    let config: ClientConfig
    let onRetry: RetrySink

    init(cluster: ClusterConnections, config: ClientConfig, onRetry: @escaping RetrySink) {
        self.cluster = cluster
        self.config = config
        self.onRetry = onRetry
    }

    /// Connects to the bootstrap servers and reads the cluster's brokers and controller. Retries
    /// go to `onRetry` (silent unless given).
    public static func connect(_ config: ClientConfig, onRetry: @escaping RetrySink = RetryNotice.silent) async throws -> KafkaAdminClient {
        let cluster = try ClusterConnections(config: config)
        let client = KafkaAdminClient(cluster: cluster, config: config, onRetry: onRetry)
        do {
            _ = try await client.refreshMetadataWithRetries()
        } catch {
            await cluster.close()
            throw error
        }
        return client
    }

    public func close() async {
        await cluster.close()
    }

    /// The share of the request timeout a broker is given (the requests' `timeoutMs`): a slow
    /// controller answers REQUEST_TIMED_OUT while the client still waits, instead of the client
    /// giving up first and sending the request again (Kafka's AdminClient likewise gives the
    /// broker `timeoutMs` below its own `default.api.timeout.ms`).
    static let serverTimeoutShare = 0.8

    var timeoutMs: Int32 { Self.serverTimeoutMs(for: config.requestTimeout) }

    static func serverTimeoutMs(for requestTimeout: Duration) -> Int32 {
        Int32(clamping: max(1, Int64(Double(requestTimeout.milliseconds) * serverTimeoutShare)))
    }

    // MARK: cluster and topics

    public func describeCluster() async throws -> ClusterDescription {
        try await refreshMetadataWithRetries()
    }

    public func describeTopics(_ names: [String]?) async throws -> [TopicDescription] {
        if let names, names.isEmpty { return [] }
        return try await call(.any, MetadataRequest.self, build: { _ in
            MetadataRequest(topics: names.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } }, allowAutoTopicCreation: false)
        }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "Metadata", c) }
            var topics: [TopicDescription] = []
            for t in r.topics {
                let name = t.name ?? ""
                if t.errorCode != 0 { throw answer(t.errorCode, "topic \(name)", api: "Metadata", c) }
                let partitions = t.partitions.map { p in
                    PartitionDescription(partition: p.partitionIndex, leader: p.leaderId >= 0 ? p.leaderId : nil, leaderEpoch: p.leaderEpoch,
                                         replicas: p.replicaNodes, isr: p.isrNodes, offlineReplicas: p.offlineReplicas)
                }.sorted { $0.partition < $1.partition }
                topics.append(TopicDescription(name: name, isInternal: t.isInternal, partitions: partitions))
            }
            return topics.sorted { $0.name < $1.name }
        })
    }

    // MARK: log dirs

    public func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] {
        let ids: [BrokerID]
        if let brokers { ids = brokers } else { ids = try await describeCluster().brokers.filter { !$0.fenced }.map(\.id) }
        return try await withThrowingTaskGroup(of: BrokerLogDirs.self) { group in
            for id in ids {
                group.addTask { try await self.logDirs(of: id) }
            }
            var all: [BrokerLogDirs] = []
            for try await dirs in group { all.append(dirs) }
            return all.sorted { $0.broker < $1.broker }
        }
    }

    private func logDirs(of id: BrokerID) async throws -> BrokerLogDirs {
        try await call(.broker(id), DescribeLogDirsRequest.self, build: { _ in DescribeLogDirsRequest(topics: nil) }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "DescribeLogDirs", c) }
            let dirs = r.results.map { d in
                LogDirInfo(
                    path: d.logDir,
                    error: d.errorCode == 0 ? nil : KafkaAPIError(code: d.errorCode, name: errorName(d.errorCode), message: "log dir \(d.logDir)", api: "DescribeLogDirs", broker: c.label),
                    totalBytes: d.totalBytes >= 0 ? d.totalBytes : nil,
                    usableBytes: d.usableBytes >= 0 ? d.usableBytes : nil,
                    replicas: d.topics.flatMap { t in
                        t.partitions.map { ReplicaLogInfo(topicPartition: TopicPartition(t.name, $0.partitionIndex), size: $0.partitionSize, offsetLag: $0.offsetLag, isFuture: $0.isFutureKey) }
                    })
            }
            return BrokerLogDirs(broker: id, dirs: dirs)
        })
    }

    // MARK: reassignments

    public func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        if let partitions, partitions.isEmpty { return [:] }
        let timeout = timeoutMs
        return try await call(.controller, ListPartitionReassignmentsRequest.self, build: { _ in
            ListPartitionReassignmentsRequest(timeoutMs: timeout, topics: partitions.map { ps in
                grouped(ps).map { ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics(name: $0.key, partitionIndexes: $0.value) }
            })
        }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, r.errorMessage, api: "ListPartitionReassignments", c) }
            var out: [TopicPartition: OngoingReassignment] = [:]
            for t in r.topics {
                for p in t.partitions {
                    out[TopicPartition(t.name, p.partitionIndex)] = OngoingReassignment(replicas: p.replicas, adding: p.addingReplicas, removing: p.removingReplicas)
                }
            }
            return out
        })
    }

    public func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        let timeout = timeoutMs
        return try await callPerItem(.controller, AlterPartitionReassignmentsRequest.self, items: Array(targets.keys), build: { keys, _ in
            AlterPartitionReassignmentsRequest(timeoutMs: timeout, topics: grouped(keys).map { topic, parts in
                AlterPartitionReassignmentsRequest.ReassignableTopic(name: topic, partitions: parts.map { p in
                    AlterPartitionReassignmentsRequest.ReassignablePartition(partitionIndex: p, replicas: targets[TopicPartition(topic, p)] ?? nil)
                })
            })
        }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, r.errorMessage, api: "AlterPartitionReassignments", c) }
            var failed: [TopicPartition: KafkaAPIError] = [:]
            for t in r.responses {
                for p in t.partitions where p.errorCode != 0 {
                    failed[TopicPartition(t.name, p.partitionIndex)] = apiError(p.errorCode, p.errorMessage, api: "AlterPartitionReassignments", c)
                }
            }
            return failed
        })
    }

    /// UnregisterBroker (KIP-631) to any broker, which forwards it to the active controller (as
    /// Kafka's `Admin.unregisterBroker` does). A cluster that does not list the API (ZooKeeper,
    /// or KRaft before 3.0) is answered UNSUPPORTED_VERSION without a request.
    public func unregisterBroker(_ id: BrokerID) async throws {
        let budget = CallBudget(config: config)
        let probe = try await withRetries("ApiVersions", within: budget) { budget in .done(try await cluster.anyConnection(within: budget)) }
        guard probe.versions.ranges[UnregisterBrokerRequest.apiKey] != nil else {
            throw KafkaAPIError(code: KafkaErrorCode.unsupportedVersion.rawValue, name: errorName(KafkaErrorCode.unsupportedVersion.rawValue),
                                message: "the cluster does not serve UnregisterBroker (a ZooKeeper cluster, or KRaft before 3.0)",
                                api: "UnregisterBroker", broker: probe.label)
        }
        try await call(.any, UnregisterBrokerRequest.self, build: { _ in UnregisterBrokerRequest(brokerId: id) }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, r.errorMessage, api: "UnregisterBroker", c) }
        })
    }

    // MARK: configs

    public func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        var failed: [ConfigResource: KafkaAPIError] = [:]
        for (route, resources) in routed(Array(changes.keys)) {
            let part = try await callPerItem(route, IncrementalAlterConfigsRequest.self, items: resources, build: { keys, _ in
                IncrementalAlterConfigsRequest(resources: keys.map { res in
                    IncrementalAlterConfigsRequest.AlterConfigsResource(
                        resourceType: res.kind.rawValue, resourceName: res.name,
                        configs: (changes[res] ?? []).map { IncrementalAlterConfigsRequest.AlterableConfig(name: $0.name, configOperation: $0.operation.rawValue, value: $0.value) })
                }, validateOnly: validateOnly)
            }, check: { r, c in
                var out: [ConfigResource: KafkaAPIError] = [:]
                for res in r.responses where res.errorCode != 0 {
                    guard let kind = ConfigResource.Kind(rawValue: res.resourceType) else { continue }
                    let key = ConfigResource(kind, res.resourceName)
                    out[key] = apiError(res.errorCode, res.errorMessage, api: "IncrementalAlterConfigs", c, item: key.description)
                }
                return out
            })
            failed.merge(part) { a, _ in a }
        }
        return failed
    }

    public func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        var out: [ConfigResource: [ConfigEntry]] = [:]
        for (route, group) in routed(resources) {
            let part = try await call(route, DescribeConfigsRequest.self, build: { _ in
                DescribeConfigsRequest(resources: group.map { DescribeConfigsRequest.DescribeConfigsResource(resourceType: $0.kind.rawValue, resourceName: $0.name, configurationKeys: nil) })
            }, check: { r, c in
                var found: [ConfigResource: [ConfigEntry]] = [:]
                for res in r.results {
                    guard let kind = ConfigResource.Kind(rawValue: res.resourceType) else { continue }
                    let key = ConfigResource(kind, res.resourceName)
                    if res.errorCode != 0 { throw answer(res.errorCode, res.errorMessage, api: "DescribeConfigs", c, item: key.description) }
                    found[key] = res.configs.map { e in
                        ConfigEntry(name: e.name, value: e.isSensitive ? nil : e.value,
                                    source: ConfigEntry.Source(rawValue: e.configSource) ?? .unknown,
                                    isSensitive: e.isSensitive, isReadOnly: e.readOnly)
                    }.sorted { $0.name < $1.name }
                }
                return found
            })
            out.merge(part) { a, _ in a }
        }
        return out
    }

    // MARK: topics and partitions

    public func createTopics(_ topics: [NewTopic], validateOnly: Bool) async throws -> [String: KafkaAPIError] {
        let byName = Dictionary(topics.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let timeout = timeoutMs
        return try await callPerItem(.controller, CreateTopicsRequest.self, items: Array(byName.keys), build: { names, _ in
            CreateTopicsRequest(topics: names.compactMap { byName[$0] }.map { t in
                CreateTopicsRequest.CreatableTopic(
                    name: t.name,
                    numPartitions: t.assignments == nil ? t.partitions : -1,
                    replicationFactor: t.assignments == nil ? t.replicationFactor : -1,
                    assignments: (t.assignments ?? []).enumerated().map { CreateTopicsRequest.CreatableReplicaAssignment(partitionIndex: Int32($0.offset), brokerIds: $0.element) },
                    configs: t.configs.sorted { $0.key < $1.key }.map { CreateTopicsRequest.CreatableTopicConfig(name: $0.key, value: $0.value) })
            }, timeoutMs: timeout, validateOnly: validateOnly)
        }, check: { r, c in
            var failed: [String: KafkaAPIError] = [:]
            for t in r.topics where t.errorCode != 0 {
                failed[t.name] = apiError(t.errorCode, t.errorMessage, api: "CreateTopics", c, item: "topic \(t.name)")
            }
            return failed
        })
    }

    public func deleteTopics(_ names: [String]) async throws -> [String: KafkaAPIError] {
        let timeout = timeoutMs
        return try await callPerItem(.controller, DeleteTopicsRequest.self, items: names, build: { names, version in
            version >= 6
                ? DeleteTopicsRequest(topics: names.map { DeleteTopicsRequest.DeleteTopicState(name: $0) }, timeoutMs: timeout)
                : DeleteTopicsRequest(topicNames: names, timeoutMs: timeout)
        }, check: { r, c in
            var failed: [String: KafkaAPIError] = [:]
            for t in r.responses where t.errorCode != 0 {
                let name = t.name ?? "?"
                failed[name] = apiError(t.errorCode, t.errorMessage, api: "DeleteTopics", c, item: "topic \(name)")
            }
            return failed
        })
    }

    public func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        let timeout = timeoutMs
        let failed = try await callPerItem(.controller, CreatePartitionsRequest.self, items: [topic], build: { _, _ in
            CreatePartitionsRequest(topics: [CreatePartitionsRequest.CreatePartitionsTopic(
                name: topic, count: totalCount, assignments: assignments.map { $0.map { CreatePartitionsRequest.CreatePartitionsAssignment(brokerIds: $0) } })],
                timeoutMs: timeout, validateOnly: validateOnly)
        }, check: { r, c in
            var failed: [String: KafkaAPIError] = [:]
            for t in r.results where t.errorCode != 0 {
                failed[t.name] = apiError(t.errorCode, t.errorMessage, api: "CreatePartitions", c, item: "topic \(t.name)")
            }
            return failed
        })
        if let e = failed[topic] { throw e }
    }

    /// Partitions already led by their preferred replica (ELECTION_NOT_NEEDED) are not failures.
    public func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        let timeout = timeoutMs
        let electionNotNeeded: Int16 = 84
        let build: (Int16) -> ElectLeadersRequest = { _ in
            ElectLeadersRequest(electionType: 0, topicPartitions: partitions.map { ps in
                grouped(ps).map { ElectLeadersRequest.TopicPartitions(topic: $0.key, partitions: $0.value) }
            }, timeoutMs: timeout)
        }
        return try await call(.controller, ElectLeadersRequest.self, build: build, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "ElectLeaders", c) }
            var failed: [TopicPartition: KafkaAPIError] = [:]
            for t in r.replicaElectionResults {
                for p in t.partitionResult where p.errorCode != 0 && p.errorCode != electionNotNeeded {
                    failed[TopicPartition(t.topic, p.partitionId)] = apiError(p.errorCode, p.errorMessage, api: "ElectLeaders", c)
                }
            }
            return failed
        })
    }

    // MARK: metadata quorum

    /// DescribeQuorum for `__cluster_metadata` partition 0 through any broker (it forwards to the
    /// active controller, as Kafka's `Admin.describeMetadataQuorum` does); nil when the broker does
    /// not list the API (ZooKeeper mode).
    public func describeQuorum() async throws -> QuorumDescription? {
        let budget = CallBudget(config: config)
        let probe = try await withRetries("ApiVersions", within: budget) { budget in .done(try await cluster.anyConnection(within: budget)) }
        guard probe.versions.ranges[DescribeQuorumRequest.apiKey] != nil else { return nil }
        return try await call(.any, DescribeQuorumRequest.self, build: { _ in
            DescribeQuorumRequest(topics: [DescribeQuorumRequest.TopicData(topicName: "__cluster_metadata", partitions: [
                DescribeQuorumRequest.PartitionData(partitionIndex: 0),
            ])])
        }, check: { r, c in
            if r.errorCode != 0 { throw answer(r.errorCode, r.errorMessage, api: "DescribeQuorum", c) }
            guard let p = r.topics.first?.partitions.first else {
                throw KafkaClientError.malformedResponse(broker: c.label, api: "DescribeQuorum", detail: "no partition in the answer")
            }
            if p.errorCode != 0 { throw answer(p.errorCode, p.errorMessage, api: "DescribeQuorum", c, item: "__cluster_metadata-0") }
            return QuorumDescription(leaderID: p.leaderId >= 0 ? p.leaderId : nil, leaderEpoch: p.leaderEpoch,
                                     voters: p.currentVoters.map(\.replicaId), observers: p.observers.map(\.replicaId))
        })
    }

    /// The finalized features of the broker the client talks to (its ApiVersions answer).
    public func finalizedFeatures() async throws -> [String: Int16] {
        try await withRetries("ApiVersions", within: CallBudget(config: config)) { budget in
            .done(try await cluster.anyConnection(within: budget).versions.finalizedFeatures)
        }
    }

    // MARK: consumer groups

    /// ListGroups on every live broker: each lists the groups it coordinates (Kafka's AdminClient
    /// `listConsumerGroups` does the same). Only consumer groups (protocol type "consumer" or
    /// empty, as simple groups that only commit offsets have).
    public func listConsumerGroups() async throws -> [String] {
        var groups = Set<String>()
        for broker in try await describeCluster().brokers where !broker.fenced {
            let listed = try await call(.broker(broker.id), ListGroupsRequest.self, build: { _ in ListGroupsRequest() }, check: { r, c in
                if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "ListGroups", c) }
                return r.groups.filter { $0.protocolType.isEmpty || $0.protocolType == "consumer" }.map(\.groupId)
            })
            groups.formUnion(listed)
        }
        return groups.sorted()
    }

    public func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] {
        let coordinator = try await findCoordinator(group: group)
        let committed = try await committedOffsets(group: group, coordinator: coordinator)
        guard !committed.isEmpty else { return [:] }
        let ends = try await endOffsets(Array(committed.keys))
        var out: [TopicPartition: ConsumerLag] = [:]
        for (tp, offset) in committed {
            guard let end = ends[tp] else { continue }
            out[tp] = ConsumerLag(committedOffset: offset >= 0 ? offset : nil, endOffset: end)
        }
        return out
    }

    private func findCoordinator(group: String) async throws -> BrokerID {
        try await call(.any, FindCoordinatorRequest.self, build: { v in
            v >= 4 ? FindCoordinatorRequest(keyType: 0, coordinatorKeys: [group]) : FindCoordinatorRequest(key: group, keyType: 0)
        }, check: { r, c in
            if let first = r.coordinators.first {
                if first.errorCode != 0 { throw answer(first.errorCode, first.errorMessage, api: "FindCoordinator", c, item: "group \(group)") }
                return first.nodeId
            }
            if r.errorCode != 0 { throw answer(r.errorCode, r.errorMessage, api: "FindCoordinator", c, item: "group \(group)") }
            return r.nodeId
        })
    }

    /// OffsetFetch is capped at v9: v10 names topics by id only, which would cost another lookup.
    private func committedOffsets(group: String, coordinator: BrokerID) async throws -> [TopicPartition: Int64] {
        try await call(.broker(coordinator), OffsetFetchRequest.self, maxVersion: 9, build: { v in
            v >= 8 ? OffsetFetchRequest(groups: [OffsetFetchRequest.OffsetFetchRequestGroup(groupId: group, topics: nil)])
                   : OffsetFetchRequest(groupId: group, topics: nil)
        }, check: { r, c in
            var out: [TopicPartition: Int64] = [:]
            if let g = r.groups.first {
                if g.errorCode != 0 { throw answer(g.errorCode, nil, api: "OffsetFetch", c, item: "group \(group)") }
                for t in g.topics {
                    for p in t.partitions {
                        if p.errorCode != 0 { throw answer(p.errorCode, nil, api: "OffsetFetch", c, item: "\(t.name)-\(p.partitionIndex)") }
                        out[TopicPartition(t.name, p.partitionIndex)] = p.committedOffset
                    }
                }
            } else {
                if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "OffsetFetch", c, item: "group \(group)") }
                for t in r.topics {
                    for p in t.partitions {
                        if p.errorCode != 0 { throw answer(p.errorCode, nil, api: "OffsetFetch", c, item: "\(t.name)-\(p.partitionIndex)") }
                        out[TopicPartition(t.name, p.partitionIndex)] = p.committedOffset
                    }
                }
            }
            return out
        })
    }

    /// Latest offsets, asked of each partition's leader; any partition without one fails the call.
    private func endOffsets(_ partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let answers = try await listOffsets(partitions, .latest)
        if let first = answers.failed.min(by: { $0.key < $1.key }) { throw first.value }
        return answers.offsets
    }

    /// ListOffsets to each partition's leader (from one Metadata), every leader at once.
    public func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers {
        guard !partitions.isEmpty else { return OffsetAnswers() }
        let topics = try await describeTopics(Array(Set(partitions.map(\.topic))).sorted())
        var byLeader: [BrokerID: [TopicPartition]] = [:]
        var answers = OffsetAnswers()
        let wanted = Set(partitions)
        var described = Set<TopicPartition>()
        for t in topics {
            for p in t.partitions where wanted.contains(TopicPartition(t.name, p.partition)) {
                let tp = TopicPartition(t.name, p.partition)
                described.insert(tp)
                guard let leader = p.leader, leader >= 0 else {
                    answers.failed[tp] = KafkaAPIError(code: 5, name: "LEADER_NOT_AVAILABLE", message: "\(tp) has no leader", api: "ListOffsets")
                    continue
                }
                byLeader[leader, default: []].append(tp)
            }
        }
        for tp in wanted.subtracting(described) {
            answers.failed[tp] = KafkaAPIError(code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION", message: "\(tp) is not in the metadata", api: "ListOffsets")
        }
        return try await withThrowingTaskGroup(of: OffsetAnswers.self) { group in
            for (leader, tps) in byLeader {
                group.addTask {
                    try await self.call(.broker(leader), ListOffsetsRequest.self, build: { _ in
                        ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: grouped(tps).map { topic, parts in
                            ListOffsetsRequest.ListOffsetsTopic(name: topic, partitions: parts.map { ListOffsetsRequest.ListOffsetsPartition(partitionIndex: $0, timestamp: spec.rawValue) })
                        })
                    }, check: { r, c in
                        var out = OffsetAnswers()
                        for t in r.topics {
                            for p in t.partitions {
                                let tp = TopicPartition(t.name, p.partitionIndex)
                                if p.errorCode == 0 {
                                    out.offsets[tp] = p.offset
                                } else if isRetriable(p.errorCode) {
                                    throw answer(p.errorCode, nil, api: "ListOffsets", c, item: "\(tp)")
                                } else {
                                    out.failed[tp] = apiError(p.errorCode, nil, api: "ListOffsets", c, item: "\(tp)")
                                }
                            }
                        }
                        return out
                    })
                }
            }
            for try await part in group {
                answers.offsets.merge(part.offsets) { a, _ in a }
                answers.failed.merge(part.failed) { a, _ in a }
            }
            return answers
        }
    }

    /// Every partition the group committed, from its coordinator.
    public func committedOffsets(group: String) async throws -> [TopicPartition: Int64] {
        try await committedOffsets(group: group, coordinator: try await findCoordinator(group: group))
    }

    // MARK: routing helpers

    /// Broker configs for one broker go to that broker; topics and cluster defaults to any broker.
    private func routed(_ resources: [ConfigResource]) -> [(Route, [ConfigResource])] {
        var byRoute: [Route: [ConfigResource]] = [:]
        for r in resources {
            if r.kind != .topic, !r.name.isEmpty, let id = BrokerID(r.name) {
                byRoute[.broker(id), default: []].append(r)
            } else {
                byRoute[.any, default: []].append(r)
            }
        }
        return byRoute.sorted { "\($0.key)" < "\($1.key)" }.map { ($0.key, $0.value) }
    }
}

/// Partitions grouped by topic, both sorted, as every per-topic request wants them.
func grouped(_ partitions: [TopicPartition]) -> [(key: String, value: [Int32])] {
    Dictionary(grouping: partitions, by: \.topic).map { ($0.key, $0.value.map(\.partition).sorted()) }.sorted { $0.key < $1.key }
}

extension KafkaAdminClient {
    /// `--bootstrap-server`, `--command-config` and `--request-timeout` straight to a connected
    /// client: the one line every command that reads or changes a live cluster needs. A request
    /// timeout given here wins over `request.timeout.ms` in the file.
    /// `onWarning` hears of each key in `commandConfig` that kscale's admin client does not use
    /// (a typo such as `sasl.passwrod` would otherwise pass silently), with the known key it is
    /// nearest to.
    public static func connect(bootstrap: String, commandConfig: String?, requestTimeout: Duration? = nil,
                               onRetry: @escaping RetrySink = RetryNotice.silent,
                               onWarning: (String) -> Void = { _ in }) async throws -> KafkaAdminClient {
        var config = try ClientConfig.load(commandConfig: commandConfig, bootstrap: bootstrap)
        for warning in config.unusedPropertyWarnings(source: commandConfig ?? "--command-config") { onWarning(warning) }
        if let requestTimeout { config.requestTimeout = requestTimeout }
        do {
            return try await connect(config, onRetry: onRetry)
        } catch let KafkaClientError.connectionClosed(broker, api) where config.security.sasl == nil {
            // A SASL listener closes a connection that sends anything but ApiVersions or SASL
            // before logging in: for an operator without SASL settings, that is the likely reason.
            throw KafkaClientError.connectFailed(broker: broker, reason: "it closed the connection\(api.map { " during \($0)" } ?? "") without an answer, as a listener that requires SASL does to a client that does not log in; if it does, set security.protocol=SASL_PLAINTEXT (or SASL_SSL) and sasl.mechanism, sasl.username, sasl.password in --command-config (docs/security.md)")
        }
    }
}
