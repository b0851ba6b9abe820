import KafkaProtocol

// FindCoordinator (key 10). Kafka names the broker that coordinates a group (or transaction):
// the leader of the group's __consumer_offsets partition; v4+ answers many keys at once.
// Modelled: a stable live broker chosen from the key's hash, so consumer-lag lookups have a
// coordinator; COORDINATOR_NOT_AVAILABLE when no broker is alive.
enum FindCoordinatorHandler: APIHandler {
    typealias Request = FindCoordinatorRequest
    typealias Response = FindCoordinatorResponse
    static let versions: ClosedRange<Int16> = 0...5

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let live = await ctx.engine.withModel { m, _ in m.liveBrokers }
        func pick(_ key: String) -> SimBrokerInfo? {
            guard !live.isEmpty else { return nil }
            let h = key.utf8.reduce(UInt32(2166136261)) { ($0 ^ UInt32($1)) &* 16777619 }
            return live[Int(h % UInt32(live.count))]
        }
        var r = Response()
        if ctx.version >= 4 {
            r.coordinators = request.coordinatorKeys.map { key in
                guard let b = pick(key) else {
                    return Response.Coordinator(key: key, nodeId: -1, host: "", port: -1, errorCode: SimErrorCode.coordinatorNotAvailable)
                }
                return Response.Coordinator(key: key, nodeId: b.id, host: b.host, port: b.port)
            }
        } else if let b = pick(request.key) {
            r.nodeId = b.id
            r.host = b.host
            r.port = b.port
        } else {
            r.errorCode = SimErrorCode.coordinatorNotAvailable
            r.nodeId = -1
        }
        return r
    }
}
