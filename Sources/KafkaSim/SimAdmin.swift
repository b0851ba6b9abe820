import KafkaAdmin
import KafkaProtocol
import KScaleCore
import KScaleTime

/// KafkaSim's engine behind the `ClusterAdmin` seam, in process: no sockets, no codecs, the same
/// model (KIP-455 reassignment, KIP-339 incremental configs, replication and throttles on the
/// engine's clock) that the wire handlers in `Handlers/` drive. Tests of kscale's own logic run on
/// it at simulated speed, so a fix to reassignment semantics is made once, in the engine; the wire
/// path (routing, versions, framing) is tested through `SimCluster` and `KafkaAdminClient`.
///
/// Each call does what the newest version of its handler does for the engine's profile, minus
/// routing: every call is answered as by the controller, and KRaft's record cap (`RecordCap.swift`)
/// refuses an AlterPartitionReassignments, ElectLeaders or IncrementalAlterConfigs call over 10,000
/// records whole, every item POLICY_VIOLATION. Per-item errors come back as `KafkaAPIError` with Kafka's name
/// for the code. Calls the engine cannot answer (none today) would throw, never succeed silently.
public final class SimAdmin: ClusterAdmin {
    public let engine: SimEngine

    public init(engine: SimEngine) { self.engine = engine }

    /// An engine of its own built from a snapshot, on `clock` (a `ManualClock` for tests).
    public convenience init(snapshot: ClusterSnapshot, clock: any KScaleClock, brokerNetworkBytesPerSec: Int64 = 125_000_000,
                            ingestBytesPerSecPerPartition: Int64 = 0, profile: KafkaProfile = .newest) throws {
        let settings = ClusterModel.Settings(brokerNetworkBytesPerSec: Double(brokerNetworkBytesPerSec),
                                             ingestBytesPerSecPerPartition: Double(ingestBytesPerSecPerPartition), profile: profile)
        let model = try ClusterModel(snapshot: snapshot, settings: settings, startTime: clock.now())
        self.init(engine: SimEngine(model: model, clock: clock))
    }

    // MARK: reads

    /// As DescribeCluster v2 with IncludeFencedBrokers answers, which is what kscale's client asks:
    /// registered brokers, a stopped one fenced.
    public func describeCluster() async throws -> ClusterDescription {
        await engine.withModel { m, _ in
            ClusterDescription(clusterID: SimDefaults.clusterID, controllerID: m.reportedController(),
                               brokers: m.registeredBrokers.map { BrokerInfo(id: $0.id, host: $0.host, port: $0.port, rack: $0.rack, fenced: $0.fenced) })
        }
    }

    public func describeTopics(_ names: [String]?) async throws -> [TopicDescription] {
        try await engine.withModel { m, _ in
            let wanted = names ?? m.topicNames
            return try wanted.sorted().map { name throws(KafkaAPIError) in
                guard m.partitionCount(name) != nil else {
                    throw Self.error(SimErrorCode.unknownTopicOrPartition, "topic \(name)", api: "Metadata")
                }
                let down = Set(m.brokerIDs.filter { !m.isAlive($0) })
                let partitions = m.partitionViews(name).map { p in
                    PartitionDescription(partition: p.partition, leader: p.leader, leaderEpoch: p.leaderEpoch, replicas: p.replicas,
                                         isr: p.isr, offlineReplicas: p.replicas.filter { down.contains($0) })
                }
                return TopicDescription(name: name, isInternal: name.hasPrefix("__"), partitions: partitions)
            }
        }
    }

    public func logDirs(brokers ids: [BrokerID]?) async throws -> [BrokerLogDirs] {
        try await engine.withModel { m, t in
            try (ids ?? m.brokerIDs.filter { m.isAlive($0) }).sorted().map { id throws(KafkaAPIError) in
                guard m.isAlive(id), let dir = m.logDirs(broker: id, at: t) else {
                    throw Self.error(SimErrorCode.brokerNotAvailable, "broker \(id) is not running", api: "DescribeLogDirs")
                }
                let replicas = dir.replicas.map {
                    ReplicaLogInfo(topicPartition: TopicPartition($0.topic, $0.partition), size: $0.size, offsetLag: $0.offsetLag, isFuture: $0.isFuture)
                }
                return BrokerLogDirs(broker: id, dirs: [LogDirInfo(path: dir.path, totalBytes: dir.totalBytes, usableBytes: dir.usableBytes,
                                                                  replicas: replicas)])
            }
        }
    }

    public func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        await engine.withModel { m, _ in
            m.reassignments(partitions).mapValues { OngoingReassignment(replicas: $0.replicas, adding: $0.adding, removing: $0.removing) }
        }
    }

    public func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        try await engine.withModel { m, _ in
            var out: [ConfigResource: [ConfigEntry]] = [:]
            for resource in resources {
                do throws(SimFailure) {
                    out[resource] = try m.describeConfigs(try Self.type(resource), resource.name, keys: nil).map {
                        ConfigEntry(name: $0.name, value: $0.value, source: ConfigEntry.Source(rawValue: $0.source.rawValue) ?? .unknown,
                                    isSensitive: $0.isSensitive, isReadOnly: $0.readOnly)
                    }
                } catch {
                    throw Self.error(error.code, error.message, api: "DescribeConfigs")
                }
            }
            return out
        }
    }

    /// As DescribeQuorum answers (`Handlers/55_DescribeQuorum.swift`): nil in ZooKeeper mode,
    /// whose brokers do not serve it.
    public func describeQuorum() async throws -> QuorumDescription? {
        await engine.withModel { m, _ in
            m.quorum.map { QuorumDescription(leaderID: $0.leader >= 0 ? $0.leader : nil, leaderEpoch: $0.leaderEpoch,
                                             voters: $0.voters, observers: $0.observers) }
        }
    }

    /// As ApiVersions reports them: `metadata.version` at the profile's level on KRaft from 3.3.
    public func finalizedFeatures() async throws -> [String: Int16] {
        engine.profile.metadataVersionLevel.map { [MetadataVersion.featureName: $0] } ?? [:]
    }

    public func listConsumerGroups() async throws -> [String] {
        await engine.withModel { m, _ in m.groupNames }
    }

    public func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] {
        await engine.withModel { m, _ in
            var out: [TopicPartition: ConsumerLag] = [:]
            for (tp, offset) in m.committedOffsets(group: group) ?? [:] {
                guard let end = m.logEndOffset(tp) else { continue }
                out[tp] = ConsumerLag(committedOffset: offset >= 0 ? offset : nil, endOffset: end)
            }
            return out
        }
    }

    public func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers {
        await engine.withModel { m, _ in
            var answers = OffsetAnswers()
            for tp in partitions {
                do throws(SimFailure) { answers.offsets[tp] = try m.listOffset(tp, timestamp: spec.rawValue) } catch {
                    answers.failed[tp] = Self.error(error.code, error.message, api: "ListOffsets")
                }
            }
            return answers
        }
    }

    public func committedOffsets(group: String) async throws -> [TopicPartition: Int64] {
        await engine.withModel { m, _ in m.committedOffsets(group: group) ?? [:] }
    }

    // MARK: mutations

    public func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        await engine.withModel { m, t in
            m.capped { m in
                var failed: [TopicPartition: KafkaAPIError] = [:]
                for (tp, target) in targets {
                    do throws(SimFailure) { try m.alterReassignment(tp, target: target, at: t) } catch {
                        failed[tp] = Self.error(error.code, error.message, api: "AlterPartitionReassignments")
                    }
                }
                return (failed, targets.count - failed.count)
            } ?? Self.refused(Array(targets.keys), api: "AlterPartitionReassignments")
        }
    }

    public func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        await engine.withModel { m, t in
            m.capped { m in
                var failed: [ConfigResource: KafkaAPIError] = [:]
                var records = 0
                for (resource, operations) in changes {
                    do throws(SimFailure) {
                        let ops = operations.map { (key: $0.name, op: SimConfigOp(rawValue: $0.operation.rawValue) ?? .set, value: $0.value) }
                        try m.incrementalAlterConfigs(try Self.type(resource), resource.name, ops, validateOnly: validateOnly, at: t)
                        if !validateOnly { records += ops.count }
                    } catch {
                        failed[resource] = Self.error(error.code, error.message, api: "IncrementalAlterConfigs")
                    }
                }
                return (failed, records)
            } ?? Self.refused(Array(changes.keys), api: "IncrementalAlterConfigs")
        }
    }

    public func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        try await engine.withModel { m, t in
            do throws(SimFailure) {
                try m.createPartitions(topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly, at: t)
            } catch {
                throw Self.error(error.code, error.message, api: "CreatePartitions")
            }
        }
    }

    public func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        await engine.withModel { m, t in
            m.capped { m in
                var failed: [TopicPartition: KafkaAPIError] = [:]
                var records = 0
                for tp in partitions ?? m.allPartitions() {
                    do throws(SimFailure) {
                        try m.electLeader(tp, unclean: false, at: t)
                        records += 1
                    } catch {
                        // ElectLeaders for every partition leaves out the ones already led by their preferred replica.
                        if partitions == nil && error.code == SimErrorCode.electionNotNeeded { continue }
                        failed[tp] = Self.error(error.code, error.message, api: "ElectLeaders")
                    }
                }
                return (failed, records)
            } ?? Self.refused(partitions ?? [], api: "ElectLeaders")
        }
    }

    // MARK: records

    public func createToolTopic(_ topic: ToolTopic) async throws -> Bool {
        try await engine.withModel { m, t in
            do throws(SimFailure) {
                _ = try m.createTopic(SimNewTopic(name: topic.name, numPartitions: topic.partitions, replicationFactor: topic.replicationFactor,
                                                  configs: topic.configs), validateOnly: false, at: t)
                return true
            } catch {
                if error.code == SimErrorCode.topicAlreadyExists { return false }
                throw Self.error(error.code, error.message, api: "CreateTopics")
            }
        }
    }

    /// As Produce with acks=-1 to the partition's leader: one batch, offsets assigned on append.
    public func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 {
        let batch: [UInt8]
        do {
            batch = try RecordBatch.encode(records.enumerated().map { KafkaRecord(offset: Int64($0.offset), key: $0.element.key, value: $0.element.value) })
        } catch {
            throw KafkaAPIError(code: SimErrorCode.corruptMessage, name: "CORRUPT_MESSAGE", message: "\(error)", api: "Produce", broker: "KafkaSim")
        }
        return try await engine.withModel { m, t in
            do throws(SimFailure) {
                guard let leader = m.partitionView(tp.topic, tp.partition)?.leader else {
                    throw SimFailure(SimErrorCode.leaderNotAvailable, "\(tp) has no leader")
                }
                return try m.append(tp, on: leader, records: batch, at: t).baseOffset
            } catch {
                throw Self.error(error.code, error.message, api: "Produce")
            }
        }
    }

    /// As Fetch from the partition's leader (`FetchHandler`), decoded.
    public func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        let read: FetchedBytes? = try await engine.withModel { m, _ in
            guard m.partitionView(tp.topic, tp.partition) != nil else { return nil }
            do throws(SimFailure) {
                let start = try m.listOffset(tp, timestamp: -2)
                let end = try m.listOffset(tp, timestamp: -1)
                let from = offset ?? start
                guard from >= start, from <= end else { throw SimFailure(SimErrorCode.offsetOutOfRange, "offset \(from) is outside [\(start), \(end)] of \(tp)") }
                let bytes = m.storedRecords(tp, from: from, maxBytes: Int(maxBytes), firstAlways: true)?.records ?? []
                return FetchedBytes(bytes: bytes, end: end, start: start)
            } catch {
                throw Self.error(error.code, error.message, api: "Fetch")
            }
        }
        guard let answer = read else { return nil }
        do {
            let records = try RecordBatch.decode(answer.bytes).map { LogRecord(offset: $0.offset, key: $0.key, value: $0.value) }
            return RecordRead(records: records, highWatermark: answer.end, logStartOffset: answer.start)
        } catch {
            throw KafkaAPIError(code: SimErrorCode.corruptMessage, name: "CORRUPT_MESSAGE", message: "\(error)", api: "Fetch", broker: "KafkaSim")
        }
    }

    private struct FetchedBytes: Sendable {
        var bytes: [UInt8]
        var end: Int64
        var start: Int64
    }

    // MARK: helpers

    private static func type(_ resource: ConfigResource) throws(SimFailure) -> SimResourceType {
        guard let type = SimResourceType(rawValue: resource.kind.rawValue) else {
            throw SimFailure(SimErrorCode.invalidRequest, "Unsupported resource type \(resource.kind.rawValue)")
        }
        return type
    }

    /// Every item of a request over KRaft's record cap: POLICY_VIOLATION, nothing applied.
    private static func refused<Item: Hashable>(_ items: [Item], api: String) -> [Item: KafkaAPIError] {
        Dictionary(uniqueKeysWithValues: items.map { ($0, error(SimErrorCode.policyViolation, ClusterModel.excessiveBatchMessage, api: api)) })
    }

    /// What `UnregisterBrokerHandler` does: BROKER_ID_NOT_REGISTERED for an id the controller does
    /// not list; a ZooKeeper profile does not serve it (UNSUPPORTED_VERSION, as the client answers).
    public func unregisterBroker(_ id: BrokerID) async throws {
        guard engine.profile.apiVersions[UnregisterBrokerHandler.apiKey] != nil else {
            throw Self.error(SimErrorCode.unsupportedVersion, "\(engine.profile) does not serve UnregisterBroker", api: "UnregisterBroker")
        }
        let failure: KafkaAPIError? = await engine.withModel { m, t in
            guard m.broker(id)?.registered == true else {
                return Self.error(SimErrorCode.brokerIdNotRegistered, "Broker ID \(id) is not currently registered", api: "UnregisterBroker")
            }
            do {
                try m.unregisterBroker(id, at: t)
                return nil
            } catch {
                return Self.error(SimErrorCode.unknownServerError, "\(error)", api: "UnregisterBroker")
            }
        }
        if let failure { throw failure }
    }

    private static func error(_ code: Int16, _ message: String?, api: String) -> KafkaAPIError {
        KafkaAPIError(code: code, name: KafkaErrorCode(rawValue: code).name, message: message, api: api, broker: "KafkaSim")
    }
}
