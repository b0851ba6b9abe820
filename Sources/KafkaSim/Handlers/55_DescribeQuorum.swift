import KScaleCore
import KafkaProtocol

// DescribeQuorum (key 55, KIP-595; v1 adds the fetch and caught-up timestamps, KIP-836; v2 the
// error messages, replica directory ids and the voters' endpoints, KIP-853). Only KRaft serves it: a
// broker forwards it to the active controller (`KafkaApis`: `forwardToControllerOrFail`), whose
// `ControllerApis.handleDescribeQuorum` hands it to `KafkaRaftClient.handleDescribeQuorumRequest`.
// That answers UNKNOWN_TOPIC_OR_PARTITION for each partition asked unless the request names exactly
// `__cluster_metadata` partition 0, NOT_LEADER_OR_FOLLOWER from a controller that is not the
// leader, and otherwise the leader id and epoch, the high watermark, the voters (`LeaderState.
// voterStates`: every controller, or in combined mode `process.roles=broker,controller` the brokers
// that are voters) and the observers (brokers following the metadata log), each with its log end
// offset (`RaftUtil.singletonDescribeQuorumResponse`). A ZooKeeper-mode broker does not list the API.
// Modelled: the profile's quorum (`ClusterModel.quorum`: three dedicated controllers, or the first
// three brokers in `--combined` mode) with the leader answering, so never NOT_LEADER_OR_FOLLOWER; the
// partition check; every live member caught up to the high watermark, a stopped combined voter with
// log end offset -1; timestamps are simulated milliseconds (-1 for the leader's own fetch); the
// voters as nodes without listeners (the simulator serves no controller listener), directory ids
// zero (a static quorum, `controller.quorum.voters`). Not modelled: elections, leader epochs
// (always 1), a metadata log (the high watermark counts topics created), AddRaftVoter/RemoveRaftVoter.
enum DescribeQuorumHandler: APIHandler {
    typealias Request = DescribeQuorumRequest
    static let versions: ClosedRange<Int16> = 0...2

    static let metadataTopic = "__cluster_metadata"

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> DescribeQuorumResponse {
        let asksForMetadataLog = request.topics.count == 1 && request.topics[0].topicName == metadataTopic
            && request.topics[0].partitions.map(\.partitionIndex) == [0]
        guard asksForMetadataLog else {
            var r = DescribeQuorumResponse()
            r.topics = request.topics.map { t in
                DescribeQuorumResponse.TopicData(topicName: t.topicName, partitions: t.partitions.map {
                    DescribeQuorumResponse.PartitionData(partitionIndex: $0.partitionIndex, errorCode: SimErrorCode.unknownTopicOrPartition)
                })
            }
            return r
        }
        return await ctx.engine.withModel { m, now in
            var r = DescribeQuorumResponse()
            guard let quorum = m.quorum else {
                r.errorCode = SimErrorCode.unsupportedVersion
                return r
            }
            let nowMs = Int64(now * 1000)
            func state(_ id: BrokerID) -> DescribeQuorumResponse.ReplicaState {
                let stopped = quorum.stoppedVoters.contains(id)
                return DescribeQuorumResponse.ReplicaState(
                    replicaId: id, replicaDirectoryId: .zero, logEndOffset: stopped ? -1 : quorum.highWatermark,
                    lastFetchTimestamp: id == quorum.leader || stopped ? -1 : nowMs,
                    lastCaughtUpTimestamp: stopped ? -1 : nowMs)
            }
            var partition = DescribeQuorumResponse.PartitionData()
            partition.partitionIndex = 0
            partition.leaderId = quorum.leader
            partition.leaderEpoch = quorum.leaderEpoch
            partition.highWatermark = quorum.highWatermark
            partition.currentVoters = quorum.voters.map(state)
            partition.observers = quorum.observers.map(state)
            r.topics = [DescribeQuorumResponse.TopicData(topicName: metadataTopic, partitions: [partition])]
            r.nodes = quorum.voters.map { DescribeQuorumResponse.Node(nodeId: $0, listeners: []) }
            return r
        }
    }
}
