import KafkaProtocol

// AlterConfigs (key 33), the legacy call: the configs given become the resource's whole dynamic
// set, so every dynamic config not named is deleted (the reason kscale never sends it). Values are
// validated as for IncrementalAlterConfigs. Broker resource X is refused on any broker but X, and
// (from 3.2) a key given twice is refused, both INVALID_REQUEST, as for IncrementalAlterConfigs
// (`ConfigAdminManager.preprocess`, `ZkAdminManager.alterConfigs`; before 3.2 the last duplicate
// wins). Modelled: exactly that replacement and those checks.
enum AlterConfigsHandler: APIHandler {
    typealias Request = AlterConfigsRequest
    typealias Response = AlterConfigsResponse
    static let versions: ClosedRange<Int16> = 0...2

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        let refusals = request.resources.map { ctx.brokerResourceRefusal(type: $0.resourceType, name: $0.resourceName, describing: false) }
        r.responses = await ctx.engine.withModel { m, t in
            zip(request.resources, refusals).map { res, refusal in
                var out = Response.AlterConfigsResourceResponse(resourceType: res.resourceType, resourceName: res.resourceName)
                do throws(SimFailure) {
                    if let refusal { throw refusal }
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
