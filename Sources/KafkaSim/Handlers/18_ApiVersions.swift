import KafkaProtocol

// ApiVersions (key 18). Kafka answers with every API and version range the broker serves, and
// always uses response header v0 so a client can read it before the versions are agreed. When the
// client asks with a version the broker does not know, the broker answers with a v0 response that
// carries UNSUPPORTED_VERSION and the full list, so the client can retry with a version it shares
// (KIP-511). Modelled: both; no feature flags are advertised.
enum ApiVersionsHandler: APIHandler {
    typealias Request = ApiVersionsRequest
    static let versions: ClosedRange<Int16> = 0...4

    static var apiKeys: [ApiVersionsResponse.ApiVersion] {
        Router.entries.values.sorted { $0.apiKey < $1.apiKey }.map {
            ApiVersionsResponse.ApiVersion(apiKey: $0.apiKey, minVersion: $0.versions.lowerBound, maxVersion: $0.versions.upperBound)
        }
    }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> ApiVersionsResponse {
        var r = ApiVersionsResponse()
        r.apiKeys = apiKeys
        return r
    }

    /// The KIP-511 fallback: a v0 body whatever version was asked for.
    static func unsupportedVersionResponse(_ header: RequestHeader) -> [UInt8]? {
        var r = ApiVersionsResponse()
        r.errorCode = SimErrorCode.unsupportedVersion
        r.apiKeys = apiKeys
        return try? KafkaFraming.encodeResponse(correlationId: header.correlationId, version: 0, r)
    }
}
