import KafkaProtocol

// DeleteTopics (key 20). Kafka deletes each named topic (v6: by name or id), answering
// UNKNOWN_TOPIC_OR_PARTITION (or UNKNOWN_TOPIC_ID) for ones that do not exist. A topic being
// reassigned, by mode (`Engine/TopicDeletion.swift`): KRaft deletes it at once and its
// reassignments with it (`ReplicationControlManager.deleteTopic`); ZooKeeper queues it
// (`TopicDeletionManager`: ineligible while `KafkaController.onPartitionReassignment` runs) and
// deletes it when its moves end, the broker's answer (`ZkAdminManager.deleteTopics`,
// `DelayedDeleteTopics`) timing out meanwhile. Modelled: all of that, the queued topic answered
// REQUEST_TIMED_OUT at once (no purgatory wait) unless timeout_ms is 0 (answered NONE, as
// Kafka does without waiting).
enum DeleteTopicsHandler: APIHandler {
    typealias Request = DeleteTopicsRequest
    typealias Response = DeleteTopicsResponse
    static let versions: ClosedRange<Int16> = 1...6

    static func changesCluster(_ request: Request) -> Bool { true }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let byState = ctx.version >= 6
        var r = Response()
        r.responses = await ctx.engine.withModel { m, t in
            let targets: [(name: String?, id: KafkaUUID)] = byState
                ? request.topics.map { ($0.name, $0.topicId) }
                : request.topicNames.map { ($0, KafkaUUID.zero) }
            return targets.map { target in
                var out = Response.DeletableTopicResult(name: target.name, topicId: target.id)
                guard let name = target.name ?? m.topicName(forID: target.id.bytes) else {
                    out.errorCode = SimErrorCode.unknownTopicID
                    return out
                }
                out.name = name
                out.topicId = KafkaUUID(simBytes: m.topicID(name) ?? [])
                do throws(SimFailure) {
                    if try m.deleteTopic(name, at: t) == .queued, request.timeoutMs > 0 {
                        out.errorCode = SimErrorCode.requestTimedOut
                        out.errorMessage = "The topic \(name) is marked for deletion; it is deleted when its partitions' reassignments end."
                    }
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
