import CRdKafka
import Foundation
import KScaleCore

/// What librdkafka's metadata says about the cluster. Racks are absent: librdkafka 2.0.2 drops them.
public struct RdKafkaMetadata: Sendable, Hashable {
    public struct BrokerEntry: Sendable, Hashable {
        public var id: BrokerID
        public var host: String
        public var port: Int32
    }
    public var brokers: [BrokerEntry]
    public var topics: [TopicDescription]
    /// Per-topic errors librdkafka reported instead of partitions (e.g. UNKNOWN_TOPIC_OR_PARTITION).
    public var topicErrors: [String: KafkaAPIError]
}

/// A consumer group as ListConsumerGroups reports it.
public struct ConsumerGroupListing: Sendable, Hashable {
    public var groupID: String
    public var isSimple: Bool
    /// librdkafka's state name: Stable, Empty, PreparingRebalance, CompletingRebalance, Dead, Unknown.
    public var state: String
}

/// A consumer group's members and what each is assigned, from DescribeConsumerGroups.
public struct ConsumerGroupDescription: Sendable, Hashable {
    public struct Member: Sendable, Hashable {
        public var clientID: String
        public var consumerID: String
        public var host: String
        public var assignment: [TopicPartition]
    }
    public var groupID: String
    public var state: String
    public var partitionAssignor: String
    public var coordinator: BrokerID?
    public var members: [Member]
    public var error: KafkaAPIError?
}

/// The admin calls kscale takes from librdkafka: metadata, CreatePartitions with explicit replica
/// assignments, DescribeConfigs, consumer groups and offsets (for lag). Everything else (log dirs,
/// reassignments, incremental configs, elections) librdkafka 2.0.2 cannot do; KafkaAdminClient does.
public final class RdKafkaAdmin: Sendable {
    let handle: RdKafkaHandle
    let timeoutMs: Int32

    /// `properties` are client properties in Kafka's or librdkafka's names (see RdKafkaProperties);
    /// `bootstrap.servers` may be given there or as `bootstrapServers`.
    public init(bootstrapServers: String?, properties: [String: String] = [:], timeout: Duration = .seconds(30)) throws {
        var props = properties
        if let bootstrapServers { props["bootstrap.servers"] = bootstrapServers }
        guard props["bootstrap.servers"] != nil else { throw InvalidInput("no bootstrap servers given") }
        // An admin handle is a producer that never produces: the type librdkafka's own tools use.
        handle = try RdKafkaHandle(kind: RD_KAFKA_PRODUCER, properties: props)
        timeoutMs = Int32(clamping: timeout.components.seconds * 1000)
    }

    /// Brokers and topics (all, or `topics`), from one Metadata request.
    public func metadata(topics: [String]? = nil) async throws -> RdKafkaMetadata {
        let timeout = timeoutMs, via = handle.label
        return try await handle.blocking { rk in
            var md: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(rk, 1, nil, &md, timeout)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md else { throw KafkaAPIError(rd: err, api: "Metadata", via: via) }
            defer { rd_kafka_metadata_destroy(md) }
            let m = md.pointee
            let brokers = (0..<Int(m.broker_cnt)).map { i in
                let b = m.brokers[i]
                return RdKafkaMetadata.BrokerEntry(id: b.id, host: b.host.map { String(cString: $0) } ?? "", port: b.port)
            }
            var described: [TopicDescription] = []
            var errors: [String: KafkaAPIError] = [:]
            let wanted = topics.map(Set.init)
            for i in 0..<Int(m.topic_cnt) {
                let t = m.topics[i]
                let name = t.topic.map { String(cString: $0) } ?? ""
                if let wanted, !wanted.contains(name) { continue }
                if t.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    errors[name] = KafkaAPIError(rd: t.err, api: "Metadata", via: via)
                    continue
                }
                let partitions = (0..<Int(t.partition_cnt)).map { j in
                    let p = t.partitions[j]
                    return PartitionDescription(
                        partition: p.id, leader: p.leader >= 0 ? p.leader : nil,
                        replicas: (0..<Int(p.replica_cnt)).map { p.replicas[$0] },
                        isr: (0..<Int(p.isr_cnt)).map { p.isrs[$0] })
                }.sorted { $0.partition < $1.partition }
                described.append(TopicDescription(name: name, isInternal: name.hasPrefix("__"), partitions: partitions))
            }
            for name in wanted ?? [] where !described.contains(where: { $0.name == name }) && errors[name] == nil {
                errors[name] = KafkaAPIError(rd: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, api: "Metadata", via: via)
            }
            return RdKafkaMetadata(brokers: brokers, topics: described.sorted { $0.name < $1.name }, topicErrors: errors)
        }
    }

    /// CreatePartitions to `totalCount`; `assignments`, when given, lists the replicas of each new
    /// partition in order (the first is the preferred leader). With `validateOnly` the broker checks
    /// the request and changes nothing.
    public func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        guard totalCount > 0 else { throw InvalidInput("the new partition count must be positive, got \(totalCount)") }
        let api = "CreatePartitions"
        let via = handle.label
        try await handle.adminCall(api, expecting: RD_KAFKA_EVENT_CREATEPARTITIONS_RESULT, timeoutMs: timeoutMs) { queue in
            var errstr = [CChar](repeating: 0, count: 512)
            guard let np = rd_kafka_NewPartitions_new(topic, Int(totalCount), &errstr, errstr.count) else {
                throw InvalidInput("librdkafka refused CreatePartitions for \(topic): \(RdKafkaHandle.string(errstr))")
            }
            defer { rd_kafka_NewPartitions_destroy(np) }
            for (index, replicas) in (assignments ?? []).enumerated() {
                var ids = replicas
                let err = rd_kafka_NewPartitions_set_replica_assignment(np, Int32(index), &ids, ids.count, &errstr, errstr.count)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw InvalidInput("librdkafka refused the replicas \(replicas) for new partition \(index) of \(topic): \(RdKafkaHandle.string(errstr))")
                }
            }
            let options = try handle.adminOptions(RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeoutMs: timeoutMs, validateOnly: validateOnly)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var list: [OpaquePointer?] = [np]
            rd_kafka_CreatePartitions(handle.raw, &list, 1, options, queue)
        } result: { event in
            guard let res = rd_kafka_event_CreatePartitions_result(event) else { return }
            var count = 0
            guard let topics = rd_kafka_CreatePartitions_result_topics(res, &count) else { return }
            for i in 0..<count {
                guard let t = topics[i] else { continue }
                let err = rd_kafka_topic_result_error(t)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let message = rd_kafka_topic_result_error_string(t).map { String(cString: $0) }
                    throw KafkaAPIError(rd: err, message: message, api: api, via: via)
                }
            }
        }
    }

    /// DescribeConfigs for topics and brokers: every entry with its value, source and flags.
    /// Sensitive values come back nil, as Kafka sends them.
    public func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        guard !resources.isEmpty else { return [:] }
        let api = "DescribeConfigs"
        let via = handle.label
        return try await handle.adminCall(api, expecting: RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT, timeoutMs: timeoutMs) { queue in
            var list: [OpaquePointer?] = []
            defer { for r in list { rd_kafka_ConfigResource_destroy(r) } }
            for r in resources {
                let type: rd_kafka_ResourceType_t = switch r.kind {
                case .topic: RD_KAFKA_RESOURCE_TOPIC
                case .broker: RD_KAFKA_RESOURCE_BROKER
                case .brokerLogger: throw InternalError("librdkafka cannot describe broker loggers")
                }
                list.append(rd_kafka_ConfigResource_new(type, r.name))
            }
            let options = try handle.adminOptions(RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, timeoutMs: timeoutMs)
            defer { rd_kafka_AdminOptions_destroy(options) }
            rd_kafka_DescribeConfigs(handle.raw, &list, list.count, options, queue)
        } result: { event in
            var out: [ConfigResource: [ConfigEntry]] = [:]
            guard let res = rd_kafka_event_DescribeConfigs_result(event) else { return out }
            var count = 0
            guard let described = rd_kafka_DescribeConfigs_result_resources(res, &count) else { return out }
            for i in 0..<count {
                guard let r = described[i] else { continue }
                let name = rd_kafka_ConfigResource_name(r).map { String(cString: $0) } ?? ""
                let kind: ConfigResource.Kind = rd_kafka_ConfigResource_type(r) == RD_KAFKA_RESOURCE_BROKER ? .broker : .topic
                let err = rd_kafka_ConfigResource_error(r)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    let message = rd_kafka_ConfigResource_error_string(r).map { String(cString: $0) }
                    throw KafkaAPIError(rd: err, message: "\(ConfigResource(kind, name)): \(message ?? "")", api: api, via: via)
                }
                var n = 0
                var entries: [ConfigEntry] = []
                if let configs = rd_kafka_ConfigResource_configs(r, &n) {
                    for j in 0..<n {
                        guard let e = configs[j] else { continue }
                        let sensitive = rd_kafka_ConfigEntry_is_sensitive(e) != 0
                        entries.append(ConfigEntry(
                            name: rd_kafka_ConfigEntry_name(e).map { String(cString: $0) } ?? "",
                            value: sensitive ? nil : rd_kafka_ConfigEntry_value(e).map { String(cString: $0) },
                            source: ConfigEntry.Source(rawValue: Int8(truncatingIfNeeded: rd_kafka_ConfigEntry_source(e).rawValue)) ?? .unknown,
                            isSensitive: sensitive,
                            isReadOnly: rd_kafka_ConfigEntry_is_read_only(e) != 0))
                    }
                }
                out[ConfigResource(kind, name)] = entries
            }
            return out
        }
    }

    /// Every consumer group the brokers know.
    public func listConsumerGroups() async throws -> [ConsumerGroupListing] {
        let api = "ListGroups"
        let via = handle.label
        return try await handle.adminCall(api, expecting: RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT, timeoutMs: timeoutMs) { queue in
            let options = try handle.adminOptions(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS, timeoutMs: timeoutMs)
            defer { rd_kafka_AdminOptions_destroy(options) }
            rd_kafka_ListConsumerGroups(handle.raw, options, queue)
        } result: { event in
            guard let res = rd_kafka_event_ListConsumerGroups_result(event) else { return [] }
            var errorCount = 0
            if let errors = rd_kafka_ListConsumerGroups_result_errors(res, &errorCount), errorCount > 0, let first = errors[0] {
                throw KafkaAPIError(rdError: first, api: api, via: via)
            }
            var count = 0
            guard let valid = rd_kafka_ListConsumerGroups_result_valid(res, &count) else { return [] }
            return (0..<count).compactMap { i -> ConsumerGroupListing? in
                guard let g = valid[i] else { return nil }
                return ConsumerGroupListing(
                    groupID: rd_kafka_ConsumerGroupListing_group_id(g).map { String(cString: $0) } ?? "",
                    isSimple: rd_kafka_ConsumerGroupListing_is_simple_consumer_group(g) != 0,
                    state: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupListing_state(g)).map { String(cString: $0) } ?? "Unknown")
            }.sorted { $0.groupID < $1.groupID }
        }
    }

    /// Members and assignments of the named groups.
    public func describeConsumerGroups(_ groups: [String]) async throws -> [ConsumerGroupDescription] {
        guard !groups.isEmpty else { return [] }
        let api = "DescribeGroups"
        let via = handle.label
        return try await handle.adminCall(api, expecting: RD_KAFKA_EVENT_DESCRIBECONSUMERGROUPS_RESULT, timeoutMs: timeoutMs) { queue in
            let options = try handle.adminOptions(RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeoutMs: timeoutMs)
            defer { rd_kafka_AdminOptions_destroy(options) }
            let cStrings = groups.map { strdup($0) }
            defer { cStrings.forEach { free($0) } }
            var pointers: [UnsafePointer<CChar>?] = cStrings.map { $0.map { UnsafePointer($0) } }
            rd_kafka_DescribeConsumerGroups(handle.raw, &pointers, pointers.count, options, queue)
        } result: { event in
            guard let res = rd_kafka_event_DescribeConsumerGroups_result(event) else { return [] }
            var count = 0
            guard let described = rd_kafka_DescribeConsumerGroups_result_groups(res, &count) else { return [] }
            return (0..<count).compactMap { i -> ConsumerGroupDescription? in
                guard let g = described[i] else { return nil }
                let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(g)).compactMap { j -> ConsumerGroupDescription.Member? in
                    guard let m = rd_kafka_ConsumerGroupDescription_member(g, j) else { return nil }
                    let assigned = rd_kafka_MemberDescription_assignment(m).flatMap { rd_kafka_MemberAssignment_partitions($0) }
                    return ConsumerGroupDescription.Member(
                        clientID: rd_kafka_MemberDescription_client_id(m).map { String(cString: $0) } ?? "",
                        consumerID: rd_kafka_MemberDescription_consumer_id(m).map { String(cString: $0) } ?? "",
                        host: rd_kafka_MemberDescription_host(m).map { String(cString: $0) } ?? "",
                        assignment: assigned.map { Self.partitions(in: $0).map(\.0) } ?? [])
                }
                return ConsumerGroupDescription(
                    groupID: rd_kafka_ConsumerGroupDescription_group_id(g).map { String(cString: $0) } ?? "",
                    state: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(g)).map { String(cString: $0) } ?? "Unknown",
                    partitionAssignor: rd_kafka_ConsumerGroupDescription_partition_assignor(g).map { String(cString: $0) } ?? "",
                    coordinator: rd_kafka_ConsumerGroupDescription_coordinator(g).map { rd_kafka_Node_id($0) },
                    members: members,
                    error: rd_kafka_ConsumerGroupDescription_error(g).map { KafkaAPIError(rdError: $0, api: api, via: via) })
            }
        }
    }

    /// The group's committed offset for every partition it has committed (OffsetFetch).
    public func committedOffsets(group: String) async throws -> [TopicPartition: Int64] {
        let api = "OffsetFetch"
        let via = handle.label
        return try await handle.adminCall(api, expecting: RD_KAFKA_EVENT_LISTCONSUMERGROUPOFFSETS_RESULT, timeoutMs: timeoutMs) { queue in
            guard let request = rd_kafka_ListConsumerGroupOffsets_new(group, nil) else {
                throw InvalidInput("librdkafka refused to list offsets for group \(group)")
            }
            defer { rd_kafka_ListConsumerGroupOffsets_destroy(request) }
            let options = try handle.adminOptions(RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeoutMs: timeoutMs)
            defer { rd_kafka_AdminOptions_destroy(options) }
            var list: [OpaquePointer?] = [request]
            rd_kafka_ListConsumerGroupOffsets(handle.raw, &list, 1, options, queue)
        } result: { event in
            var out: [TopicPartition: Int64] = [:]
            guard let res = rd_kafka_event_ListConsumerGroupOffsets_result(event) else { return out }
            var count = 0
            guard let groups = rd_kafka_ListConsumerGroupOffsets_result_groups(res, &count) else { return out }
            for i in 0..<count {
                guard let g = groups[i] else { continue }
                if let error = rd_kafka_group_result_error(g) {
                    throw KafkaAPIError(rdError: error, api: api, via: via)
                }
                guard let list = rd_kafka_group_result_partitions(g) else { continue }
                for (tp, offset, err) in Self.partitions(in: list) where err == RD_KAFKA_RESP_ERR_NO_ERROR && offset >= 0 {
                    out[tp] = offset
                }
            }
            return out
        }
    }

    /// Low and high watermarks of one partition, asked of its leader (ListOffsets).
    public func watermarks(_ tp: TopicPartition) async throws -> (low: Int64, high: Int64) {
        let timeout = timeoutMs, via = handle.label
        let pair = try await handle.blocking { rk -> [Int64] in
            var low: Int64 = 0, high: Int64 = 0
            let err = rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, timeout)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaAPIError(rd: err, message: "\(tp): \(rd_kafka_err2str(err).map { String(cString: $0) } ?? "")", api: "ListOffsets", via: via)
            }
            return [low, high]
        }
        return (pair[0], pair[1])
    }

    /// Committed offsets against end offsets for every partition the group has committed.
    public func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] {
        var out: [TopicPartition: ConsumerLag] = [:]
        for (tp, committed) in try await committedOffsets(group: group) {
            out[tp] = ConsumerLag(committedOffset: committed, endOffset: try await watermarks(tp).high)
        }
        return out
    }

    static func partitions(in list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(TopicPartition, Int64, rd_kafka_resp_err_t)] {
        let l = list.pointee
        return (0..<Int(l.cnt)).map { i in
            let e = l.elems[i]
            return (TopicPartition(e.topic.map { String(cString: $0) } ?? "", e.partition), e.offset, e.err)
        }
    }
}
