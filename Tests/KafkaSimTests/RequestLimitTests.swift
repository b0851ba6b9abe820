import Foundation
import KafkaProtocol
import KScaleCore
import Testing
@testable import KafkaSim

/// A protected broker refuses requests that would allocate without bound: KRaft's cap on the
/// partitions one request creates (ReplicationControlManager.MAX_PARTITIONS_PER_BATCH = 10,000).
@Suite struct RequestLimitTests {
    static func snapshot() -> ClusterSnapshot {
        ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2)],
                        topics: [TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1, 2])])])
    }

    @Test func createTopicsOfSixteenMillionPartitionsIsAPolicyViolation() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        let client = try await connectWire(sim.bootstrapServers.split(separator: ",").map(String.init)[0])
        var request = CreateTopicsRequest()
        request.topics = [CreateTopicsRequest.CreatableTopic(name: "huge", numPartitions: 16_777_215, replicationFactor: 1),
                          CreateTopicsRequest.CreatableTopic(name: "small", numPartitions: 1, replicationFactor: 1)]
        request.timeoutMs = 1000
        let response = try await client.call(request, version: 7)
        // The whole request is refused, the small topic with it, and nothing is created.
        #expect(response.topics.map(\.errorCode) == [SimErrorCode.policyViolation, SimErrorCode.policyViolation])
        #expect(response.topics.first?.errorMessage == "Excessively large number of partitions per request.")
        let names = await sim.engine.withModel { m, _ in m.topicNames }
        #expect(names == ["t"])
        await sim.shutdown()
    }

    @Test func createPartitionsBeyondTheCapIsAPolicyViolation() async throws {
        var model = try ClusterModel(snapshot: Self.snapshot(), settings: ClusterModel.Settings(maxPartitionsPerRequest: 100))
        #expect(throws: SimFailure(SimErrorCode.policyViolation, "Excessively large number of partitions per request.")) {
            try model.createPartitions("t", totalCount: 16_777_215, assignments: nil, validateOnly: false, at: 0)
        }
        try model.createPartitions("t", totalCount: 101, assignments: nil, validateOnly: false, at: 0)
        #expect(model.partitionCount("t") == 101)
    }
}
