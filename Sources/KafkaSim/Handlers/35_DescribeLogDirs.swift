import KafkaProtocol

// DescribeLogDirs (key 35). Each broker answers for its own log dirs: per replica the size, the
// offset lag behind the leader's log end (or the future replica's lag behind the current one) and
// whether it is a future replica (an intra-broker move); v4+ adds the dir's total and usable bytes.
// Topics null means every replica. Modelled: one log dir per broker, sizes from the replication
// engine (an adding replica reports the bytes copied so far), usable bytes from the simulated disk;
// no intra-broker moves, so isFuture is always false.
enum DescribeLogDirsHandler: APIHandler {
    typealias Request = DescribeLogDirsRequest
    typealias Response = DescribeLogDirsResponse
    static let versions: ClosedRange<Int16> = 1...4

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let broker = ctx.broker
        let wanted: [String: Set<Int32>]? = request.topics.map { topics in
            Dictionary(topics.map { ($0.topic, Set($0.partitions)) }, uniquingKeysWith: { $0.union($1) })
        }
        let dir = await ctx.engine.withModel { m, t in m.logDirs(broker: broker, at: t) }
        var r = Response()
        guard let dir else { return r }
        let replicas = dir.replicas.filter { wanted == nil || wanted?[$0.topic]?.contains($0.partition) == true }
        let byTopic = Dictionary(grouping: replicas, by: \.topic)
        r.results = [Response.DescribeLogDirsResult(
            logDir: dir.path,
            topics: byTopic.keys.sorted().map { name in
                Response.DescribeLogDirsTopic(name: name, partitions: (byTopic[name] ?? []).map {
                    Response.DescribeLogDirsPartition(partitionIndex: $0.partition, partitionSize: $0.size, offsetLag: $0.offsetLag,
                                                      isFutureKey: $0.isFuture)
                })
            },
            totalBytes: dir.totalBytes, usableBytes: dir.usableBytes)]
        return r
    }
}
