import KafkaProtocol

// DescribeTopicPartitions (key 75, KIP-966). Kafka's paginated replacement for topic metadata:
// topics in name order, partitions from the cursor on, at most ResponsePartitionLimit partitions,
// and a NextCursor where it stopped. Modelled: all of that; eligible leader replicas are empty
// (ELR is not simulated) and unknown topics get UNKNOWN_TOPIC_OR_PARTITION. Answered from the
// broker's metadata cache (`KRaftMetadataCache.describeTopicResponse`): with `--metadata-lag`,
// the cluster as it was that long ago (`MetadataLag`).
enum DescribeTopicPartitionsHandler: APIHandler {
    typealias Request = DescribeTopicPartitionsRequest
    static let versions: ClosedRange<Int16> = 0...0

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> DescribeTopicPartitionsResponse {
        await ctx.engine.withMetadataView(of: ctx.broker) { m, _ in
            var r = DescribeTopicPartitionsResponse()
            var names = request.topics.isEmpty ? m.topicNames : request.topics.map(\.name).sorted()
            if let cursor = request.cursor { names = names.filter { $0 >= cursor.topicName } }
            var budget = Int(max(1, request.responsePartitionLimit))
            for name in names {
                var t = DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponseTopic()
                t.name = name
                guard let id = m.topicID(name) else {
                    t.errorCode = SimErrorCode.unknownTopicOrPartition
                    r.topics.append(t)
                    continue
                }
                t.topicId = KafkaUUID(simBytes: id)
                t.isInternal = name.hasPrefix("__")
                let start = request.cursor.map { $0.topicName == name ? Int($0.partitionIndex) : 0 } ?? 0
                let views = m.partitionViews(name)
                var i = max(0, start)
                while i < views.count {
                    if budget == 0 {
                        r.nextCursor = DescribeTopicPartitionsResponse.Cursor(topicName: name, partitionIndex: Int32(i))
                        break
                    }
                    let p = views[i]
                    t.partitions.append(DescribeTopicPartitionsResponse.DescribeTopicPartitionsResponsePartition(
                        errorCode: p.leader == nil ? SimErrorCode.leaderNotAvailable : 0, partitionIndex: p.partition,
                        leaderId: p.leader ?? -1, leaderEpoch: p.leaderEpoch, replicaNodes: p.replicas, isrNodes: p.isr,
                        eligibleLeaderReplicas: [], lastKnownElr: [], offlineReplicas: p.offlineReplicas))
                    budget -= 1
                    i += 1
                }
                r.topics.append(t)
                if r.nextCursor != nil { break }
            }
            return r
        }
    }
}
