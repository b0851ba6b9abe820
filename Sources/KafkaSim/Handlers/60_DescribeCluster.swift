import KafkaProtocol

// DescribeCluster (key 60). Kafka returns the cluster id, the controller id and the registered
// brokers with host, port and rack; v2 adds fenced brokers when asked (IncludeFencedBrokers).
// The answering broker's metadata cache answers (`KafkaApis.handleDescribeCluster`:
// `metadataCache.getAliveBrokerNodes`, 3.9; `getBrokerNodes` with the fenced ones from 4.0), as
// for Metadata: with `--metadata-lag` the brokers as that broker last applied them, that long ago
// (`KRaftMetadataCache` over its `MetadataImage`; in ZooKeeper mode, 2.8-3.9, `ZkMetadataCache`
// fed by UpdateMetadata). Modelled: a stopped broker is fenced; it is listed only when fenced
// brokers are requested. The controller id is the controller in ZooKeeper mode and, in KRaft, a
// random live broker (as `KafkaApis.handleDescribeCluster` answers with `getRandomAliveBrokerId`;
// KIP-590), drawn from a seeded sequence on the live model so tests repeat.
enum DescribeClusterHandler: APIHandler {
    typealias Request = DescribeClusterRequest
    static let versions: ClosedRange<Int16> = 0...2

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> DescribeClusterResponse {
        let includeFenced = ctx.version >= 2 && request.includeFencedBrokers
        // The draw advances the live model's sequence; the brokers come from the answering broker's view.
        let controller = await ctx.engine.withModel { m, _ in m.reportedController() }
        return await ctx.engine.withMetadataView(of: ctx.broker) { m, _ in
            var r = DescribeClusterResponse()
            r.clusterId = SimDefaults.clusterID
            r.controllerId = controller
            r.endpointType = request.endpointType
            r.brokers = m.registeredBrokers.filter { $0.alive || includeFenced }.map {
                DescribeClusterResponse.DescribeClusterBroker(brokerId: $0.id, host: $0.host, port: $0.port, rack: $0.rack, isFenced: $0.fenced)
            }
            return r
        }
    }
}
