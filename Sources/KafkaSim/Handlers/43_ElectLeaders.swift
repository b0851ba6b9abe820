import KScaleCore
import KafkaProtocol

// ElectLeaders (key 43, KIP-460). Preferred (0) moves leadership to the first assigned replica when
// it is alive and in sync (PREFERRED_LEADER_NOT_AVAILABLE otherwise, ELECTION_NOT_NEEDED when it
// already leads); unclean (1) elects any live replica for leaderless partitions. Null partitions
// means all, and then partitions needing no election are left out of the answer. v0 is always
// preferred. ZooKeeper mode: a broker that is not the active controller answers every named
// partition NOT_CONTROLLER, and nothing for null partitions (`KafkaController.
// processReplicaLeaderElection`, `!isActive`); KRaft: any broker forwards to the controller.
// On KRaft from 3.5 more than 10,000 elections (one record each) fail the whole request with
// POLICY_VIOLATION (`ReplicationControlManager.electLeaders`, `RecordCap.swift`).
// Modelled: all of that.
enum ElectLeadersHandler: APIHandler {
    typealias Request = ElectLeadersRequest
    typealias Response = ElectLeadersResponse
    static let versions: ClosedRange<Int16> = 0...2

    static func changesCluster(_ request: Request) -> Bool { true }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let unclean = ctx.version >= 1 && request.electionType == 1
        var r = Response()
        guard await ctx.answersControllerRequests() else {
            r.replicaElectionResults = answerAll(request, SimErrorCode.notController, message: nil)
            return r
        }
        r.replicaElectionResults = await ctx.engine.withModel { m, t in
            m.capped { m in elect(request, unclean: unclean, in: &m, at: t) }
                ?? answerAll(request, SimErrorCode.policyViolation, message: ClusterModel.excessiveBatchMessage)
        }
        return r
    }

    /// Runs each election; one record per leader changed.
    static func elect(_ request: Request, unclean: Bool, in m: inout ClusterModel, at t: Double)
        -> (result: [Response.ReplicaElectionResult], records: Int) {
        var records = 0
        let all = request.topicPartitions == nil
        let targets = request.topicPartitions?.flatMap { tp in tp.partitions.map { TopicPartition(tp.topic, $0) } } ?? m.allPartitions()
        var results: [String: [Response.PartitionResult]] = [:]
        var order: [String] = []
        for tp in targets {
            var out = Response.PartitionResult(partitionId: tp.partition)
            do throws(SimFailure) {
                try m.electLeader(tp, unclean: unclean, at: t)
                records += 1
            } catch {
                if all && error.code == SimErrorCode.electionNotNeeded { continue }
                out.errorCode = error.code
                out.errorMessage = error.message
            }
            if results[tp.topic] == nil { order.append(tp.topic) }
            results[tp.topic, default: []].append(out)
        }
        return (order.map { Response.ReplicaElectionResult(topic: $0, partitionResult: results[$0] ?? []) }, records)
    }

    /// The same error for every named partition (none for a null list).
    static func answerAll(_ request: Request, _ code: Int16, message: String?) -> [Response.ReplicaElectionResult] {
        (request.topicPartitions ?? []).map { tp in
            Response.ReplicaElectionResult(topic: tp.topic, partitionResult: tp.partitions.map {
                Response.PartitionResult(partitionId: $0, errorCode: code, errorMessage: message)
            })
        }
    }
}
