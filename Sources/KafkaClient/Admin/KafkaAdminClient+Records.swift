import KScaleCore
import KafkaProtocol

/// A tool's own records over the wire: CreateTopics, Produce (acks=-1, one uncompressed v2 batch)
/// and Fetch to the partition's leader, for kscale's run record (`RunRegistry` in KScaleExec).
extension KafkaAdminClient {
    public func createToolTopic(_ topic: ToolTopic) async throws -> Bool {
        let failed = try await createTopics([NewTopic(name: topic.name, partitions: topic.partitions, replicationFactor: topic.replicationFactor,
                                                      configs: topic.configs)], validateOnly: false)
        guard let error = failed[topic.name] else { return true }
        if error.code == KafkaErrorCode.topicAlreadyExists.rawValue { return false }
        throw error
    }

    public func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 {
        let batch = try RecordBatch.encode(records.enumerated().map { KafkaRecord(offset: Int64($0.offset), key: $0.element.key, value: $0.element.value) })
        guard let leader = try await toolTopicLeader(of: tp, api: "Produce") else {
            throw KafkaAPIError(code: 3, name: "UNKNOWN_TOPIC_OR_PARTITION", message: "\(tp) does not exist", api: "Produce")
        }
        let timeout = timeoutMs
        return try await call(.broker(leader), ProduceRequest.self, build: { _ in
            ProduceRequest(transactionalId: nil, acks: -1, timeoutMs: timeout, topicData: [
                ProduceRequest.TopicProduceData(name: tp.topic, partitionData: [ProduceRequest.PartitionProduceData(index: tp.partition, records: batch)]),
            ])
        }, check: { r, c in
            guard let p = r.responses.first(where: { $0.name == tp.topic })?.partitionResponses.first(where: { $0.index == tp.partition }) else {
                throw KafkaAPIError(code: -1, name: "UNKNOWN_SERVER_ERROR", message: "no answer for \(tp)", api: "Produce", broker: c.label)
            }
            if p.errorCode != 0 { throw answer(p.errorCode, p.errorMessage, api: "Produce", c, item: "\(tp)") }
            return p.baseOffset
        })
    }

    public func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        guard let leader = try await toolTopicLeader(of: tp, api: "Fetch") else { return nil }
        let start: Int64
        if let offset { start = offset } else { start = try await earliestOffset(tp, leader: leader) }
        let bytes = try await call(.broker(leader), FetchRequest.self, maxVersion: 12, build: { _ in
            var request = FetchRequest()
            request.replicaId = -1
            request.maxWaitMs = 0
            request.minBytes = 0
            request.maxBytes = maxBytes
            request.isolationLevel = 0
            var partition = FetchRequest.FetchPartition()
            partition.partition = tp.partition
            partition.fetchOffset = start
            partition.partitionMaxBytes = maxBytes
            var topic = FetchRequest.FetchTopic()
            topic.topic = tp.topic
            topic.partitions = [partition]
            request.topics = [topic]
            return request
        }, check: { r, c -> (records: [UInt8], hw: Int64, start: Int64) in
            if r.errorCode != 0 { throw answer(r.errorCode, nil, api: "Fetch", c) }
            guard let p = r.responses.first(where: { $0.topic == tp.topic })?.partitions.first(where: { $0.partitionIndex == tp.partition }) else {
                throw KafkaAPIError(code: -1, name: "UNKNOWN_SERVER_ERROR", message: "no answer for \(tp)", api: "Fetch", broker: c.label)
            }
            if p.errorCode != 0 { throw answer(p.errorCode, nil, api: "Fetch", c, item: "\(tp)") }
            return (p.records ?? [], p.highWatermark, p.logStartOffset)
        })
        // A fetch answer may end with a batch cut at the size limit: left out, fetched next time.
        let records = try RecordBatch.decode(bytes.records, allowPartialTail: true)
        return RecordRead(records: records.map { LogRecord(offset: $0.offset, key: $0.key, value: $0.value) },
                          highWatermark: bytes.hw, logStartOffset: bytes.start)
    }

    /// The leader of `tp`, nil when its topic does not exist: one Metadata call in which
    /// UNKNOWN_TOPIC_OR_PARTITION is an answer, not a reason to retry (as `describeTopics` would).
    private func toolTopicLeader(of tp: TopicPartition, api: String) async throws -> BrokerID? {
        try await call(.any, MetadataRequest.self, build: { _ in
            MetadataRequest(topics: [MetadataRequest.MetadataRequestTopic(name: tp.topic)], allowAutoTopicCreation: false)
        }, check: { r, c -> BrokerID? in
            guard let topic = r.topics.first(where: { $0.name == tp.topic }) else { return nil }
            if topic.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue { return nil }
            if topic.errorCode != 0 { throw answer(topic.errorCode, "topic \(tp.topic)", api: "Metadata", c) }
            guard let p = topic.partitions.first(where: { $0.partitionIndex == tp.partition }), p.leaderId >= 0 else {
                throw answer(KafkaErrorCode.leaderNotAvailable.rawValue, "\(tp) has no leader", api: api, c)
            }
            return p.leaderId
        })
    }

    private func earliestOffset(_ tp: TopicPartition, leader: BrokerID) async throws -> Int64 {
        try await call(.broker(leader), ListOffsetsRequest.self, build: { _ in
            ListOffsetsRequest(replicaId: -1, isolationLevel: 0, topics: [
                ListOffsetsRequest.ListOffsetsTopic(name: tp.topic, partitions: [ListOffsetsRequest.ListOffsetsPartition(partitionIndex: tp.partition, timestamp: -2)]),
            ])
        }, check: { r, c in
            guard let p = r.topics.first?.partitions.first else {
                throw KafkaAPIError(code: -1, name: "UNKNOWN_SERVER_ERROR", message: "no answer for \(tp)", api: "ListOffsets", broker: c.label)
            }
            if p.errorCode != 0 { throw answer(p.errorCode, nil, api: "ListOffsets", c, item: "\(tp)") }
            return p.offset
        })
    }
}
