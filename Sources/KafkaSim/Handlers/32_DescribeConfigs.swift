import KafkaProtocol

// DescribeConfigs (key 32). For a topic, or a broker, Kafka returns every config (or the keys
// asked for) with its value, whether it is read-only, its source (DYNAMIC_TOPIC_CONFIG,
// DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG, DEFAULT_CONFIG) and,
// when asked, its synonyms in precedence order; v3+ adds the type. A broker describes only its own
// configs and the cluster default (broker ""): broker X asked on another broker is INVALID_REQUEST
// "Unexpected broker id, expected Y or empty string, but received X" (`ConfigHelper.
// describeConfigs`, `AdminManager.describeConfigs` before 2.8). A KRaft broker reads topic and
// broker configs from its own metadata image (`KRaftConfigRepository`), so with `--metadata-lag`
// it answers with the configs as they were that long ago; a ZooKeeper-mode broker reads ZooKeeper
// (`ZkConfigRepository`), current (`KafkaProfile.configsFromMetadataCache`).
// Modelled: the config catalogue kscale and common tools use, defaults reported as defaults;
// unknown resources get UNKNOWN_TOPIC_OR_PARTITION or INVALID_REQUEST; no documentation strings.
enum DescribeConfigsHandler: APIHandler {
    typealias Request = DescribeConfigsRequest
    typealias Response = DescribeConfigsResponse
    static let versions: ClosedRange<Int16> = 1...4

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        let lagging = ctx.engine.profile.configsFromMetadataCache
        let refusals = request.resources.map { ctx.brokerResourceRefusal(type: $0.resourceType, name: $0.resourceName, describing: true) }
        let describe: @Sendable (ClusterModel, Double) -> [Response.DescribeConfigsResult] = { m, _ in
            zip(request.resources, refusals).map { res, refusal in
                var out = Response.DescribeConfigsResult(resourceType: res.resourceType, resourceName: res.resourceName)
                if let refusal {
                    out.errorCode = refusal.code
                    out.errorMessage = refusal.message
                    return out
                }
                guard let type = SimResourceType(rawValue: res.resourceType) else {
                    out.errorCode = SimErrorCode.invalidRequest
                    out.errorMessage = "Unsupported resource type \(res.resourceType)"
                    return out
                }
                do throws(SimFailure) {
                    let entries = try m.describeConfigs(type, res.resourceName, keys: res.configurationKeys)
                    out.configs = entries.map { e in
                        Response.DescribeConfigsResourceResult(
                            name: e.name, value: e.value, readOnly: e.readOnly, configSource: e.source.rawValue, isSensitive: e.isSensitive,
                            synonyms: request.includeSynonyms
                                ? e.synonyms.map { Response.DescribeConfigsSynonym(name: $0.name, value: $0.value, source: $0.source.rawValue) } : [],
                            configType: e.type.rawValue)
                    }
                } catch {
                    out.errorCode = error.code
                    out.errorMessage = error.message
                }
                return out
            }
        }
        if lagging {
            r.results = await ctx.engine.withMetadataView(of: ctx.broker, describe)
        } else {
            r.results = await ctx.engine.withModel { m, t in describe(m, t) }
        }
        return r
    }
}
