import KafkaAdmin
import KafkaProtocol

// ApiVersions (key 18). Kafka answers with every API and version range the broker serves, and
// always uses response header v0 so a client can read it before the versions are agreed. When the
// client asks with a version the broker does not know, the broker answers with a v0 response that
// carries UNSUPPORTED_VERSION and the full list, so the client can retry with a version it shares
// (KIP-511). Which APIs and versions a broker lists is its release's (`ApiVersionsResponse`
// built from `ApiKeys` per listener in `ApiVersionManager`): the profile's table, narrowed to the
// versions each handler fills in, so a 2.5 profile lists no DescribeCluster and a ZooKeeper one no
// DescribeQuorum. Modelled: both. From v3 a KRaft broker also reports its features (KIP-584,
// `ApiVersionsResponse.createApiVersionsResponse`): `metadata.version` supported from 3.3-IV3 to the
// release's newest level and finalized at the profile's level (KIP-778; MetadataVersion.java's
// feature levels), min = max = that level as KRaft writes it; ZooKeeper brokers report none. Other
// features (kraft.version, group.version, ...) are not advertised.
enum ApiVersionsHandler: APIHandler {
    typealias Request = ApiVersionsRequest
    static let versions: ClosedRange<Int16> = 0...4

    static func apiKeys(_ profile: KafkaProfile) -> [ApiVersionsResponse.ApiVersion] {
        Router.entries.values.sorted { $0.apiKey < $1.apiKey }.compactMap { entry in
            Router.served(entry, by: profile).map {
                ApiVersionsResponse.ApiVersion(apiKey: entry.apiKey, minVersion: $0.lowerBound, maxVersion: $0.upperBound)
            }
        }
    }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> ApiVersionsResponse {
        var r = ApiVersionsResponse()
        let profile = ctx.engine.profile
        r.apiKeys = apiKeys(profile)
        if let finalized = profile.metadataVersionLevel, let newest = MetadataVersionLevel.newest(of: profile.release) {
            r.supportedFeatures = [ApiVersionsResponse.SupportedFeatureKey(name: MetadataVersion.featureName,
                                                                           minVersion: MetadataVersionLevel.oldestKRaft, maxVersion: newest)]
            r.finalizedFeaturesEpoch = 1
            r.finalizedFeatures = [ApiVersionsResponse.FinalizedFeatureKey(name: MetadataVersion.featureName,
                                                                           maxVersionLevel: finalized, minVersionLevel: finalized)]
        }
        return r
    }

    /// The KIP-511 fallback: a v0 body whatever version was asked for.
    static func unsupportedVersionResponse(_ header: RequestHeader, _ profile: KafkaProfile) -> [UInt8]? {
        var r = ApiVersionsResponse()
        r.errorCode = SimErrorCode.unsupportedVersion
        r.apiKeys = apiKeys(profile)
        return try? KafkaFraming.encodeResponse(correlationId: header.correlationId, version: 0, r)
    }
}
