import KafkaProtocol

// IncrementalAlterConfigs (key 44, KIP-339). Per resource, a list of SET, DELETE, APPEND and
// SUBTRACT operations; APPEND and SUBTRACT only on list configs (INVALID_CONFIG otherwise), values
// validated (INVALID_CONFIG), read-only broker configs refused (INVALID_REQUEST), missing topics
// UNKNOWN_TOPIC_OR_PARTITION. All operations of a resource apply or none do. A broker resource
// named "" is the cluster-wide default. Modelled: all of that, including throttle configs, which
// take effect on the simulated replication at once. On KRaft from 3.5 a request changing more
// than 10,000 configs (one ConfigRecord each, `ConfigurationControlManager`) fails whole with
// POLICY_VIOLATION (`RecordCap.swift`).
enum IncrementalAlterConfigsHandler: APIHandler {
    typealias Request = IncrementalAlterConfigsRequest
    typealias Response = IncrementalAlterConfigsResponse
    static let versions: ClosedRange<Int16> = 0...1

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        r.responses = await ctx.engine.withModel { m, t in
            m.capped { m in alter(request, in: &m, at: t) } ?? request.resources.map {
                Response.AlterConfigsResourceResponse(errorCode: SimErrorCode.policyViolation, errorMessage: ClusterModel.excessiveBatchMessage,
                                                      resourceType: $0.resourceType, resourceName: $0.resourceName)
            }
        }
        return r
    }

    /// Applies each resource's operations; one record per config changed.
    static func alter(_ request: Request, in m: inout ClusterModel, at t: Double) -> (result: [Response.AlterConfigsResourceResponse], records: Int) {
        var records = 0
        let responses = request.resources.map { res in
            var out = Response.AlterConfigsResourceResponse(resourceType: res.resourceType, resourceName: res.resourceName)
            do {
                guard let type = SimResourceType(rawValue: res.resourceType) else {
                    throw SimFailure(SimErrorCode.invalidRequest, "Unsupported resource type \(res.resourceType)")
                }
                let ops = try res.configs.map { c throws(SimFailure) -> (key: String, op: SimConfigOp, value: String?) in
                    guard let op = SimConfigOp(rawValue: c.configOperation) else {
                        throw SimFailure(SimErrorCode.invalidRequest, "Unknown config operation \(c.configOperation)")
                    }
                    return (c.name, op, c.value)
                }
                try m.incrementalAlterConfigs(type, res.resourceName, ops, validateOnly: request.validateOnly, at: t)
                if !request.validateOnly { records += ops.count }
            } catch let e as SimFailure {
                out.errorCode = e.code
                out.errorMessage = e.message
            } catch {
                out.errorCode = SimErrorCode.unknownServerError
            }
            return out
        }
        return (responses, records)
    }
}
