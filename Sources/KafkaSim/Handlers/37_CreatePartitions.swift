import KafkaProtocol

// CreatePartitions (key 37). Kafka grows a topic to Count partitions: INVALID_PARTITIONS when the
// count is not an increase, INVALID_REPLICA_ASSIGNMENT when explicit assignments have the wrong
// number of lists, another replication factor, duplicates or unknown brokers,
// UNKNOWN_TOPIC_OR_PARTITION for a missing topic. Without assignments the new partitions are
// placed by the broker. ValidateOnly checks only. Modelled: all of that, and KRaft's cap on the
// partitions one request creates (`maxPartitionsPerRequest`, POLICY_VIOLATION, checked before any
// allocation; ReplicationControlManager.MAX_PARTITIONS_PER_BATCH).
enum CreatePartitionsHandler: APIHandler {
    typealias Request = CreatePartitionsRequest
    typealias Response = CreatePartitionsResponse
    static let versions: ClosedRange<Int16> = 0...3

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        r.results = await ctx.engine.withModel { m, t in
            request.topics.map { topic in
                var out = Response.CreatePartitionsTopicResult(name: topic.name)
                do throws(SimFailure) {
                    try m.createPartitions(topic.name, totalCount: topic.count, assignments: topic.assignments?.map(\.brokerIds),
                                           validateOnly: request.validateOnly, at: t)
                } catch {
                    out.errorCode = error.code
                    out.errorMessage = error.message
                }
                return out
            }
        }
        return r
    }
}
