import KScaleCore
import KafkaProtocol

// Fetch (key 1). The leader returns records from the fetch offset, with the high watermark and the
// log start offset; a fetch outside [log start, log end] gets OFFSET_OUT_OF_RANGE and one sent to a
// follower NOT_LEADER_OR_FOLLOWER. Modelled: offsets and errors exactly, but KafkaSim stores no
// records, so every answer carries an empty record set and is sent at once (no max.wait). It is
// served mostly because clients choose their record format from it: librdkafka enables v2 record
// batches only when a broker lists Produce >= 3 and Fetch >= 4. Versions stop at 12: from 13 topics
// are named by id, which the simulator does not assign.
enum FetchHandler: APIHandler {
    typealias Request = FetchRequest
    typealias Response = FetchResponse
    static let versions: ClosedRange<Int16> = 4...12

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        var r = Response()
        r.responses = await ctx.engine.withModel { m, _ in
            request.topics.map { topic in
                Response.FetchableTopicResponse(topic: topic.topic, partitions: topic.partitions.map { p in
                    var out = Response.PartitionData(partitionIndex: p.partition)
                    out.records = []
                    let tp = TopicPartition(topic.topic, p.partition)
                    guard let view = m.partitionView(topic.topic, p.partition) else {
                        out.errorCode = SimErrorCode.unknownTopicOrPartition
                        return out
                    }
                    guard view.leader == broker else {
                        out.errorCode = SimErrorCode.notLeaderOrFollower
                        return out
                    }
                    do throws(SimFailure) {
                        let start = try m.listOffset(tp, timestamp: -2)
                        let end = try m.listOffset(tp, timestamp: -1)
                        out.highWatermark = end
                        out.lastStableOffset = end
                        out.logStartOffset = start
                        if p.fetchOffset < start || p.fetchOffset > end {
                            out.errorCode = SimErrorCode.offsetOutOfRange
                        }
                    } catch {
                        out.errorCode = error.code
                    }
                    return out
                })
            }
        }
        return r
    }
}
