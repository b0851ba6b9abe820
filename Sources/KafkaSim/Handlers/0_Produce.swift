import KScaleCore
import KafkaProtocol

// Produce (key 0). Kafka appends each partition's record batches on the leader and answers the
// base offset of the first record; NOT_LEADER_OR_FOLLOWER when this broker is not the leader,
// UNKNOWN_TOPIC_OR_PARTITION for missing partitions, CORRUPT_MESSAGE for batches it cannot read
// (storage/src/main/java/org/apache/kafka/storage/internals/log/LogValidator.java: magic, size
// and CRC checked, offsets assigned from the log end by rewriting each batch's base offset).
// With acks=0 there is no response at all. Modelled: v2 record batches checked (magic 2, length,
// CRC-32C) and stored per partition with their offsets assigned (`StoredLog`, bounded per
// partition), their bytes added to the log; Fetch serves them back. acks=1 and acks=-1 answer
// alike: every in-sync replica shares the leader's log here, so the high watermark is the log end.
// Compressed batches are stored and served as they came (the simulator never decompresses).
enum ProduceHandler: APIHandler {
    typealias Request = ProduceRequest
    typealias Response = ProduceResponse
    static let versions: ClosedRange<Int16> = 3...11

    static func expectsResponse(_ request: Request) -> Bool { request.acks != 0 }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        var r = Response()
        r.responses = await ctx.engine.withModel { m, t in
            request.topicData.map { topic in
                let name = topic.name.isEmpty ? (m.topicName(forID: topic.topicId.bytes) ?? "") : topic.name
                return Response.TopicProduceResponse(name: topic.name, topicId: topic.topicId, partitionResponses: topic.partitionData.map { p in
                    var out = Response.PartitionProduceResponse(index: p.index)
                    out.logAppendTimeMs = -1
                    do throws(SimFailure) {
                        out.baseOffset = try m.append(TopicPartition(name, p.index), on: broker, records: p.records ?? [], at: t).baseOffset
                        out.logStartOffset = try m.listOffset(TopicPartition(name, p.index), timestamp: -2)
                    } catch {
                        out.errorCode = error.code
                        out.errorMessage = error.message
                        out.baseOffset = -1
                    }
                    return out
                })
            }
        }
        return r
    }
}
