import KafkaProtocol

// DescribeGroups (key 15). Kafka returns each group's state, protocol and members; an unknown group
// is reported as "Dead" (v6+: GROUP_ID_NOT_FOUND) (Kafka: `GroupCoordinator.handleDescribeGroup`).
// Modelled: seeded and traffic groups (`Engine/Traffic.swift`) are "Empty" consumer groups with
// no members; kscale's sampling needs only their commits.
enum DescribeGroupsHandler: APIHandler {
    typealias Request = DescribeGroupsRequest
    typealias Response = DescribeGroupsResponse
    static let versions: ClosedRange<Int16> = 0...5

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let known = Set(await ctx.engine.withModel { m, _ in m.groupNames })
        var r = Response()
        r.groups = request.groups.map { id in
            known.contains(id)
                ? Response.DescribedGroup(groupId: id, groupState: "Empty", protocolType: "consumer")
                : Response.DescribedGroup(groupId: id, groupState: "Dead")
        }
        return r
    }
}
