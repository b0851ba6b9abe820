import KafkaProtocol

// DescribeCluster (key 60). Kafka returns the cluster id, the controller id and the registered
// brokers with host, port and rack; v2 adds fenced brokers when asked (IncludeFencedBrokers).
// Modelled: a stopped broker is fenced; it is listed only when fenced brokers are requested. The
// controller id is the controller in ZooKeeper mode and, in KRaft, a random live broker (as
// `KafkaApis.handleDescribeCluster` answers with `getRandomAliveBrokerId`; KIP-590), drawn from a
// seeded sequence so tests repeat.
enum DescribeClusterHandler: APIHandler {
    typealias Request = DescribeClusterRequest
    static let versions: ClosedRange<Int16> = 0...2

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> DescribeClusterResponse {
        let includeFenced = ctx.version >= 2 && request.includeFencedBrokers
        return await ctx.engine.withModel { m, _ in
            var r = DescribeClusterResponse()
            r.clusterId = SimDefaults.clusterID
            r.controllerId = m.reportedController()
            r.endpointType = request.endpointType
            r.brokers = m.registeredBrokers.filter { $0.alive || includeFenced }.map {
                DescribeClusterResponse.DescribeClusterBroker(brokerId: $0.id, host: $0.host, port: $0.port, rack: $0.rack, isFenced: $0.fenced)
            }
            return r
        }
    }
}
