import KScaleCore
import KafkaProtocol

// ListOffsets (key 2). The leader answers, per partition, the offset for a timestamp: -1 latest
// (log end), -2 earliest, -3 the record with the largest timestamp. Other brokers answer
// NOT_LEADER_OR_FOLLOWER (Kafka: `UnifiedLog.fetchOffsetByTimestamp`, `logEndOffset`,
// `logStartOffset`). Modelled: -1 and -2 exactly; the log end advances with the partition's
// produce rate on the simulator's clock (bytes_in_per_sec / 1 KiB records per second,
// `Engine/Traffic.swift`) and with Produce requests; records carry no timestamps here, so any
// other timestamp is answered with the log end offset.
enum ListOffsetsHandler: APIHandler {
    typealias Request = ListOffsetsRequest
    typealias Response = ListOffsetsResponse
    static let versions: ClosedRange<Int16> = 1...8

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        var r = Response()
        r.topics = await ctx.engine.withModel { m, _ in
            request.topics.map { topic in
                Response.ListOffsetsTopicResponse(name: topic.name, partitions: topic.partitions.map { p in
                    var out = Response.ListOffsetsPartitionResponse(partitionIndex: p.partitionIndex)
                    out.timestamp = -1
                    guard let view = m.partitionView(topic.name, p.partitionIndex) else {
                        out.errorCode = SimErrorCode.unknownTopicOrPartition
                        out.offset = -1
                        return out
                    }
                    guard view.leader == broker else {
                        out.errorCode = SimErrorCode.notLeaderOrFollower
                        out.offset = -1
                        return out
                    }
                    do throws(SimFailure) {
                        out.offset = try m.listOffset(TopicPartition(topic.name, p.partitionIndex), timestamp: p.timestamp)
                        out.leaderEpoch = view.leaderEpoch
                    } catch {
                        out.errorCode = error.code
                        out.offset = -1
                    }
                    return out
                })
            }
        }
        return r
    }
}
