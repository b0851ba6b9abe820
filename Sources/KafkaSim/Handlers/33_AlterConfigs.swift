import KafkaProtocol

// AlterConfigs (key 33), the legacy call: the configs given become the resource's whole dynamic
// set, so every dynamic config not named is deleted (the reason kscale never sends it). Values are
// validated as for IncrementalAlterConfigs. Modelled: exactly that replacement.
enum AlterConfigsHandler: APIHandler {
    typealias Request = AlterConfigsRequest
    typealias Response = AlterConfigsResponse
    static let versions: ClosedRange<Int16> = 0...2

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        r.responses = await ctx.engine.withModel { m, t in
            request.resources.map { res in
                var out = Response.AlterConfigsResourceResponse(resourceType: res.resourceType, resourceName: res.resourceName)
                do throws(SimFailure) {
                    guard let type = SimResourceType(rawValue: res.resourceType) else {
                        throw SimFailure(SimErrorCode.invalidRequest, "Unsupported resource type \(res.resourceType)")
                    }
                    try m.alterConfigs(type, res.resourceName, res.configs.map { ($0.name, $0.value) },
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
