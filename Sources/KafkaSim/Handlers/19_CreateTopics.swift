import KScaleCore
import KafkaProtocol

// CreateTopics (key 19). Kafka creates each topic independently: TOPIC_ALREADY_EXISTS,
// INVALID_TOPIC_EXCEPTION for illegal names, INVALID_PARTITIONS / INVALID_REPLICATION_FACTOR for bad
// counts (-1 means the broker default), INVALID_REPLICA_ASSIGNMENT for bad explicit assignments,
// INVALID_CONFIG for unknown or malformed configs, INVALID_REQUEST when counts and assignments are
// both given. ValidateOnly checks without creating. v5+ returns the topic id, partition count,
// replication factor and the resulting configs. Modelled: all of that, with Kafka's rack-unaware
// round-robin placement. A request whose topics together ask for more than
// `maxPartitionsPerRequest` (10,000 by default) partitions is refused whole with POLICY_VIOLATION
// before anything is allocated, as KRaft's ReplicationControlManager.validateTotalNumberOfPartitions
// does (metadata/src/main/java/org/apache/kafka/controller/ReplicationControlManager.java).
enum CreateTopicsHandler: APIHandler {
    typealias Request = CreateTopicsRequest
    typealias Response = CreateTopicsResponse
    static let versions: ClosedRange<Int16> = 2...7

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let version = ctx.version
        var r = Response()
        r.topics = await ctx.engine.withModel { m, t in
            let specs = request.topics.map { topic in
                SimNewTopic(name: topic.name, numPartitions: topic.numPartitions, replicationFactor: topic.replicationFactor,
                            assignments: [:], configs: [:])
            }
            // The whole request is refused when its topics together ask for too many partitions.
            var total = 0
            for (topic, spec) in zip(request.topics, specs) { total += topic.assignments.isEmpty ? ClusterModel.requestedPartitions(spec) : topic.assignments.count }
            do throws(SimFailure) { try m.checkPartitionsPerRequest(total) } catch {
                return request.topics.map { Response.CreatableTopicResult(name: $0.name, errorCode: error.code, errorMessage: error.message) }
            }
            return request.topics.map { topic in
                var out = Response.CreatableTopicResult(name: topic.name)
                var configs: [String: String] = [:]
                for c in topic.configs { if let v = c.value { configs[c.name] = v } }
                let spec = SimNewTopic(name: topic.name, numPartitions: topic.numPartitions, replicationFactor: topic.replicationFactor,
                                       assignments: Dictionary(topic.assignments.map { ($0.partitionIndex, $0.brokerIds) }, uniquingKeysWith: { a, _ in a }),
                                       configs: configs)
                do throws(SimFailure) {
                    let created = try m.createTopic(spec, validateOnly: request.validateOnly, at: t)
                    out.topicId = KafkaUUID(simBytes: created.topicID)
                    out.numPartitions = created.numPartitions
                    out.replicationFactor = created.replicationFactor
                    if version >= 5 {
                        out.configs = created.configs.map {
                            Response.CreatableTopicConfigs(name: $0.name, value: $0.value, readOnly: $0.readOnly,
                                                           configSource: $0.source.rawValue, isSensitive: false)
                        }
                    }
                } catch {
                    out.errorCode = error.code
                    out.errorMessage = error.message
                    out.numPartitions = -1
                    out.replicationFactor = -1
                }
                return out
            }
        }
        return r
    }
}
