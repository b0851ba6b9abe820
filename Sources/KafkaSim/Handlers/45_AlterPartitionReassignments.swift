import KScaleCore
import KafkaProtocol

// AlterPartitionReassignments (key 45, KIP-455). ZooKeeper mode: only the controller answers,
// other brokers NOT_CONTROLLER (`KafkaApis.handleAlterPartitionReassignmentsRequest`); KRaft: any
// broker forwards it to the controller (`ReplicationControlManager.alterPartitionReassignments`
// answers). Per partition: a replica list starts (or replaces) a reassignment, null cancels
// one (NO_REASSIGNMENT_IN_PROGRESS when there is none); errors are INVALID_REPLICA_ASSIGNMENT for
// empty, duplicate or unknown brokers and UNKNOWN_TOPIC_OR_PARTITION for missing partitions. v1
// adds AllowReplicationFactorChange: when false, a target of another size is refused with
// INVALID_REPLICATION_FACTOR. On KRaft from 3.5 a request that would write more than 10,000
// records (one per partition changed) fails whole with POLICY_VIOLATION (`RecordCap.swift`).
// Modelled: all of that; the move then runs in the engine.
enum AlterPartitionReassignmentsHandler: APIHandler {
    typealias Request = AlterPartitionReassignmentsRequest
    typealias Response = AlterPartitionReassignmentsResponse
    static let versions: ClosedRange<Int16> = 0...1

    static func changesCluster(_ request: Request) -> Bool { true }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let controller = await ctx.answersControllerRequests()
        let checkRF = ctx.version >= 1 && !request.allowReplicationFactorChange
        var r = Response()
        r.allowReplicationFactorChange = request.allowReplicationFactorChange
        if !controller { r.errorCode = SimErrorCode.notController }
        let results = await ctx.engine.withModel { m, t in
            m.capped { m in alter(request, checkRF: checkRF, answered: controller, in: &m, at: t) } ?? refused(request)
        }
        r.responses = results
        return r
    }

    /// Applies every partition's target; one record per partition changed.
    static func alter(_ request: Request, checkRF: Bool, answered: Bool, in m: inout ClusterModel, at t: Double)
        -> (result: [Response.ReassignableTopicResponse], records: Int) {
        var records = 0
        let responses = request.topics.map { topic in
            Response.ReassignableTopicResponse(name: topic.name, partitions: topic.partitions.map { p in
                var out = Response.ReassignablePartitionResponse(partitionIndex: p.partitionIndex)
                guard answered else {
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
                    records += 1
                } catch {
                    out.errorCode = error.code
                    out.errorMessage = error.message
                }
                return out
            })
        }
        return (responses, records)
    }

    /// Over KRaft's record cap: every partition POLICY_VIOLATION.
    static func refused(_ request: Request) -> [Response.ReassignableTopicResponse] {
        request.topics.map { topic in
            Response.ReassignableTopicResponse(name: topic.name, partitions: topic.partitions.map {
                Response.ReassignablePartitionResponse(partitionIndex: $0.partitionIndex, errorCode: SimErrorCode.policyViolation,
                                                       errorMessage: ClusterModel.excessiveBatchMessage)
            })
        }
    }
}
