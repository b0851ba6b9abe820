import KScaleCore
import KafkaProtocol

// ListPartitionReassignments (key 46, KIP-455). ZooKeeper mode: only the controller answers
// (NOT_CONTROLLER elsewhere); KRaft: any broker forwards it to the controller. Lists every reassignment in flight, or those among the given partitions, with the
// full replica list (target plus removing) and the adding and removing replicas. Partitions that
// are not moving, or do not exist, are left out. Modelled: all of that.
enum ListPartitionReassignmentsHandler: APIHandler {
    typealias Request = ListPartitionReassignmentsRequest
    typealias Response = ListPartitionReassignmentsResponse
    static let versions: ClosedRange<Int16> = 0...0

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        guard await ctx.answersControllerRequests() else {
            r.errorCode = SimErrorCode.notController
            r.errorMessage = "This is not the correct controller for this cluster."
            return r
        }
        let filter = request.topics.map { topics in topics.flatMap { t in t.partitionIndexes.map { TopicPartition(t.name, $0) } } }
        let moves = await ctx.engine.withModel { m, _ in m.reassignments(filter) }
        let byTopic = Dictionary(grouping: moves.keys.sorted(), by: \.topic)
        r.topics = byTopic.keys.sorted().map { name in
            Response.OngoingTopicReassignment(name: name, partitions: (byTopic[name] ?? []).compactMap { tp in
                moves[tp].map {
                    Response.OngoingPartitionReassignment(partitionIndex: tp.partition, replicas: $0.replicas,
                                                          addingReplicas: $0.adding, removingReplicas: $0.removing)
                }
            })
        }
        return r
    }
}
