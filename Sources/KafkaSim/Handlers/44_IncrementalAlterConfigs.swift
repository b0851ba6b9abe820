import KafkaProtocol

// IncrementalAlterConfigs (key 44, KIP-339). Per resource, a list of SET, DELETE, APPEND and
// SUBTRACT operations; APPEND and SUBTRACT only on list configs (INVALID_CONFIG otherwise), values
// validated (INVALID_CONFIG), read-only broker configs refused (INVALID_REQUEST), missing topics
// UNKNOWN_TOPIC_OR_PARTITION. All operations of a resource apply or none do. A broker resource
// named "" is the cluster-wide default. Modelled: all of that, including throttle configs, which
// take effect on the simulated replication at once. On KRaft from 3.5 a request changing more
// than 10,000 configs (one ConfigRecord each, `ConfigurationControlManager`) fails whole with
// POLICY_VIOLATION (`RecordCap.swift`). Checked on the receiving broker before anything is
// forwarded (`ConfigAdminManager.preprocess`, 3.2 on; ZooKeeper mode's `AdminManager`/
// `ZkAdminManager` before): a config key given twice in one resource is INVALID_REQUEST "Error
// due to duplicate config keys", and broker resource X is INVALID_REQUEST on any broker but X
// ("Unexpected broker id, expected Y, but received X"; the default "" goes anywhere); KRaft
// 2.8-3.1 forwarded both to the controller, which kept the last duplicate and applied X anywhere
// (`KafkaProfile.brokerConfigChangesOnlyOnThatBroker`, `refusesDuplicateIncrementalKeys`). Values
// are stored as given: list items are never trimmed (`ClusterModel.combineList`).
enum IncrementalAlterConfigsHandler: APIHandler {
    typealias Request = IncrementalAlterConfigsRequest
    typealias Response = IncrementalAlterConfigsResponse
    static let versions: ClosedRange<Int16> = 0...1

    static func changesCluster(_ request: Request) -> Bool { !request.validateOnly }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        let refusals = request.resources.map { ctx.brokerResourceRefusal(type: $0.resourceType, name: $0.resourceName, describing: false) }
        r.responses = await ctx.engine.withModel { m, t in
            m.capped { m in alter(request, refusals: refusals, in: &m, at: t) } ?? request.resources.map {
                Response.AlterConfigsResourceResponse(errorCode: SimErrorCode.policyViolation, errorMessage: ClusterModel.excessiveBatchMessage,
                                                      resourceType: $0.resourceType, resourceName: $0.resourceName)
            }
        }
        return r
    }

    /// Applies each resource's operations; one record per config changed.
    static func alter(_ request: Request, refusals: [SimFailure?], in m: inout ClusterModel, at t: Double)
        -> (result: [Response.AlterConfigsResourceResponse], records: Int) {
        var records = 0
        let responses = zip(request.resources, refusals).map { res, refusal in
            var out = Response.AlterConfigsResourceResponse(resourceType: res.resourceType, resourceName: res.resourceName)
            do {
                if let refusal { throw refusal }
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
