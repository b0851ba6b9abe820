import KafkaProtocol

// ListGroups (key 16). Kafka lists the groups a broker coordinates, with protocol type and (v4+)
// state (Kafka: `GroupCoordinator.handleListGroups`). Modelled: the groups whose offsets were
// seeded through SimCluster.commitOffset and the traffic groups (the snapshot's consumer_groups,
// or one modelled per topic read, `Engine/Traffic.swift`), all "Empty" consumer groups with no
// members (no group membership protocol is simulated); every broker lists every group, which
// kscale's union over the brokers cannot tell from Kafka's one coordinator per group.
enum ListGroupsHandler: APIHandler {
    typealias Request = ListGroupsRequest
    typealias Response = ListGroupsResponse
    static let versions: ClosedRange<Int16> = 0...4

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        let names = await ctx.engine.withModel { m, _ in m.groupNames }
        r.groups = names.map { Response.ListedGroup(groupId: $0, protocolType: "consumer", groupState: "Empty") }
        if !request.statesFilter.isEmpty { r.groups = r.groups.filter { request.statesFilter.contains($0.groupState) } }
        return r
    }
}
