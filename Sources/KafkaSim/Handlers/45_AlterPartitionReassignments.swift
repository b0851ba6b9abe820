import KScaleCore
import KafkaProtocol

// AlterPartitionReassignments (key 45, KIP-455). Sent to the controller; other brokers answer
// NOT_CONTROLLER. Per partition: a replica list starts (or replaces) a reassignment, null cancels
// one (NO_REASSIGNMENT_IN_PROGRESS when there is none); errors are INVALID_REPLICA_ASSIGNMENT for
// empty, duplicate or unknown brokers and UNKNOWN_TOPIC_OR_PARTITION for missing partitions. v1
// adds AllowReplicationFactorChange: when false, a target of another size is refused with
// INVALID_REPLICATION_FACTOR. Modelled: all of that; the move then runs in the engine.
enum AlterPartitionReassignmentsHandler: APIHandler {
    typealias Request = AlterPartitionReassignmentsRequest
    typealias Response = AlterPartitionReassignmentsResponse
    static let versions: ClosedRange<Int16> = 0...1

    static func changesCluster(_ request: Request) -> Bool { true }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let controller = await ctx.isController()
        let checkRF = ctx.version >= 1 && !request.allowReplicationFactorChange
        var r = Response()
        r.allowReplicationFactorChange = request.allowReplicationFactorChange
        if !controller { r.errorCode = SimErrorCode.notController }
        let results = await ctx.engine.withModel { m, t in
            request.topics.map { topic in
                Response.ReassignableTopicResponse(name: topic.name, partitions: topic.partitions.map { p in
                    var out = Response.ReassignablePartitionResponse(partitionIndex: p.partitionIndex)
                    guard controller else {
                        out.errorCode = SimErrorCode.notController
                        return out
                    }
                    let tp = TopicPartition(topic.name, p.partitionIndex)
                    do throws(SimFailure) {
                        if checkRF, let target = p.replicas, let current = m.partitionView(topic.name, p.partitionIndex),
                           target.count != current.replicas.count - current.removing.count {
                            throw SimFailure(SimErrorCode.invalidReplicationFactor, "The replication factor is changed from \(current.replicas.count - current.removing.count) to \(target.count)")
                        }
                        try m.alterReassignment(tp, target: p.replicas, at: t)
                    } catch {
                        out.errorCode = error.code
                        out.errorMessage = error.message
                    }
                    return out
                })
            }
        }
        r.responses = results
        return r
    }
}
