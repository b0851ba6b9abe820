import KScaleCore
import KafkaProtocol

// Metadata (key 3). Kafka lists the live brokers (id, host, port, rack), the cluster id, a
// controller id, and for each requested topic (all when the list is null, or empty in v0) its id
// and partitions with leader, leader epoch, replicas, ISR and offline replicas (replicas on brokers
// that are down). A partition without a leader has leader -1 and LEADER_NOT_AVAILABLE. Unknown
// topics get UNKNOWN_TOPIC_OR_PARTITION (auto-creation is off, as kscale expects in production);
// topics asked for by id (v10+) and unknown get UNKNOWN_TOPIC_ID. Modelled: all of that, built in
// one pass over the model so 100,000 partitions answer quickly; authorized operations are not.
// The answering broker's metadata cache answers, not the controller: with `--metadata-lag` the
// cluster as it was that long ago (`MetadataLag`: KRaft's `KRaftMetadataCache` over the
// broker's `MetadataImage`, ZooKeeper's `ZkMetadataCache` fed by UpdateMetadata).
// The controller id is the controller in ZooKeeper mode; a KRaft broker names a random live broker
// (`KafkaApis.handleTopicMetadataRequest`: `metadataCache.getRandomAliveBrokerId`, KIP-590: any
// broker forwards controller requests), here drawn from a seeded sequence (`reportedController`).
enum MetadataHandler: APIHandler {
    typealias Request = MetadataRequest
    static let versions: ClosedRange<Int16> = 0...12

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> MetadataResponse {
        let all = request.topics == nil || (ctx.version == 0 && request.topics?.isEmpty == true)
        let wanted = request.topics ?? []
        // The controller id is drawn from the live model (the draw advances its sequence); the rest
        // comes from the answering broker's view.
        let controller = await ctx.engine.withModel { m, _ in m.reportedController() }
        return await ctx.engine.withMetadataView(of: ctx.broker) { m, _ in
            var r = MetadataResponse()
            r.brokers = m.liveBrokers.map {
                MetadataResponse.MetadataResponseBroker(nodeId: $0.id, host: $0.host, port: $0.port, rack: $0.rack)
            }
            r.clusterId = SimDefaults.clusterID
            r.controllerId = controller
            if all {
                r.topics = m.topicNames.map { topicMetadata(m, $0) }
            } else {
                r.topics = wanted.map { t in
                    let name = t.name ?? (t.topicId == .zero ? nil : m.topicName(forID: t.topicId.bytes))
                    guard let name, m.partitionCount(name) != nil else {
                        var missing = MetadataResponse.MetadataResponseTopic()
                        missing.name = t.name
                        missing.topicId = t.topicId
                        missing.errorCode = t.name == nil ? SimErrorCode.unknownTopicID : SimErrorCode.unknownTopicOrPartition
                        return missing
                    }
                    return topicMetadata(m, name)
                }
            }
            return r
        }
    }

    static func topicMetadata(_ m: ClusterModel, _ name: String) -> MetadataResponse.MetadataResponseTopic {
        var t = MetadataResponse.MetadataResponseTopic()
        t.name = name
        t.topicId = KafkaUUID(simBytes: m.topicID(name) ?? [])
        t.isInternal = name.hasPrefix("__")
        // Straight from the model, without intermediate views: this runs for every partition of a
        // 100,000-partition cluster on each full Metadata request.
        let partitions = m.topics[name]?.partitions ?? []
        var out: [MetadataResponse.MetadataResponsePartition] = []
        out.reserveCapacity(partitions.count)
        let down = Set(m.brokers.values.filter { !$0.alive }.map(\.id))
        for (i, p) in partitions.enumerated() {
            out.append(MetadataResponse.MetadataResponsePartition(
                errorCode: p.leader == nil ? SimErrorCode.leaderNotAvailable : 0,
                partitionIndex: Int32(i), leaderId: p.leader ?? -1, leaderEpoch: p.leaderEpoch,
                replicaNodes: p.replicas, isrNodes: p.isr, offlineReplicas: down.isEmpty ? [] : p.replicas.filter { down.contains($0) }))
        }
        t.partitions = out
        return t
    }
}
