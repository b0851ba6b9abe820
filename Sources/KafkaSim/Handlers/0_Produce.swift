import KScaleCore
import KafkaProtocol

// Produce (key 0). Kafka appends each partition's record batches on the leader and answers the
// base offset of the first record; NOT_LEADER_OR_FOLLOWER when this broker is not the leader,
// UNKNOWN_TOPIC_OR_PARTITION for missing partitions, CORRUPT_MESSAGE for batches it cannot read.
// With acks=0 there is no response at all. Modelled: records are counted from the v2 record-batch
// headers (magic 2, record count at byte 57) and their bytes added to the log; record contents are
// not stored, so nothing can be fetched back.
enum ProduceHandler: APIHandler {
    typealias Request = ProduceRequest
    typealias Response = ProduceResponse
    static let versions: ClosedRange<Int16> = 3...11

    static func expectsResponse(_ request: Request) -> Bool { request.acks != 0 }

    /// Record count and byte size of a run of v2 record batches, or nil when malformed.
    static func countRecords(_ bytes: [UInt8]) -> (records: Int64, bytes: Int64)? {
        var offset = 0
        var records: Int64 = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 61 else { return nil }
            let length = Int(Int32(bitPattern: readUInt32(bytes, offset + 8)))
            let magic = bytes[offset + 16]
            guard magic == 2, length >= 49, offset + 12 + length <= bytes.count else { return nil }
            let count = Int32(bitPattern: readUInt32(bytes, offset + 57))
            guard count >= 0 else { return nil }
            records += Int64(count)
            offset += 12 + length
        }
        return (records, Int64(bytes.count))
    }

    private static func readUInt32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        var r = Response()
        r.responses = await ctx.engine.withModel { m, t in
            request.topicData.map { topic in
                let name = topic.name.isEmpty ? (m.topicName(forID: topic.topicId.bytes) ?? "") : topic.name
                return Response.TopicProduceResponse(name: topic.name, topicId: topic.topicId, partitionResponses: topic.partitionData.map { p in
                    var out = Response.PartitionProduceResponse(index: p.index)
                    out.logAppendTimeMs = -1
                    guard let counted = countRecords(p.records ?? []) else {
                        out.errorCode = 2  // CORRUPT_MESSAGE
                        out.baseOffset = -1
                        return out
                    }
                    do throws(SimFailure) {
                        out.baseOffset = try m.produce(TopicPartition(name, p.index), on: broker, records: counted.records,
                                                       bytes: counted.bytes, at: t)
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
