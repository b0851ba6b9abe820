import KScaleCore
import KafkaProtocol

// Fetch (key 1). The leader returns whole record batches from the one holding the fetch offset
// (a consumer skips the records before its offset), with the high watermark and the log start
// offset; a fetch outside [log start, log end] gets OFFSET_OUT_OF_RANGE and one sent to a follower
// NOT_LEADER_OR_FOLLOWER. Sizes (KIP-74; core/src/main/scala/kafka/server/ReplicaManager.scala
// readFromLog, storage/.../log/LocalLog.java read): each partition returns batches while they fit
// in its partition_max_bytes and what is left of the response's max_bytes, but the first batch of
// the first partition with any data is returned even when it is larger, so a consumer always makes
// progress. Partitions are read in request order. Modelled: exactly that, over the batches Produce
// stored (`StoredLog`); offsets the load generator's ingest advanced without records have no
// batches, as a compacted log's gaps. Answered at once (max_wait_ms and min_bytes are not waited
// for: the simulator never holds a request). Each answer is bounded by max_bytes plus that one
// first batch. Versions stop at 12: from 13 topics are named by id, which the simulator does not
// assign. librdkafka enables v2 record batches only when a broker lists Produce >= 3 and Fetch >= 4.
// The bytes served count toward the leader's BytesOut meter (`BrokerTopicStats.updateBytesOut`,
// which counts consumers' fetches, not followers'), so /metrics sees real consumers too.
enum FetchHandler: APIHandler {
    typealias Request = FetchRequest
    typealias Response = FetchResponse
    static let versions: ClosedRange<Int16> = 4...12

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        var r = Response()
        r.responses = await ctx.engine.withModel { m, _ in
            var budget = max(0, Int(request.maxBytes))
            var firstServed = false
            return request.topics.map { topic in
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
                            return out
                        }
                        let limit = min(budget, max(0, Int(p.partitionMaxBytes)))
                        let records = m.storedRecords(tp, from: p.fetchOffset, maxBytes: limit, firstAlways: !firstServed)?.records ?? []
                        if !records.isEmpty { firstServed = true }
                        budget = max(0, budget - records.count)
                        out.records = records
                        if !records.isEmpty { m.countFetched(tp, on: broker, bytes: records.count) }
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
