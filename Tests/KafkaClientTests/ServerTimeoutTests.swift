import Foundation
import KScaleCore
import KafkaProtocol
import Testing
@testable import KafkaClient

/// Issue 12 finding 7: the broker's `timeoutMs` is below the client's own deadline, so a slow
/// controller answers REQUEST_TIMED_OUT while the client still listens instead of the client giving
/// up first and resending.
@Suite struct ServerTimeoutTests {
    @Test func controllerRequestsGiveTheBrokerLessTimeThanTheClientWaits() async throws {
        let seen = Recorder<Int32>()
        let port = Recorder<Int>()
        let broker = try await TinyBroker.start { h, decoded in
            switch h.apiKey {
            case ApiVersionsRequest.apiKey: return allVersions(h)
            case DescribeClusterRequest.apiKey:
                let me = DescribeClusterResponse.DescribeClusterBroker(brokerId: 1, host: "127.0.0.1", port: Int32(port.all.first ?? 0), rack: nil)
                return .with(h, DescribeClusterResponse(errorCode: 0, errorMessage: nil, clusterId: "tiny", controllerId: 1, brokers: [me]))
            case AlterPartitionReassignmentsRequest.apiKey:
                guard let request = decoded as? AlterPartitionReassignmentsRequest else { return .close }
                seen.add(request.timeoutMs)
                let partitions = request.topics.map { t in
                    AlterPartitionReassignmentsResponse.ReassignableTopicResponse(name: t.name, partitions: t.partitions.map {
                        AlterPartitionReassignmentsResponse.ReassignablePartitionResponse(partitionIndex: $0.partitionIndex)
                    })
                }
                var response = AlterPartitionReassignmentsResponse()
                response.responses = partitions
                return .with(h, response)
            default: return .close
            }
        }
        port.add(broker.port)
        defer { Task { await broker.stop() } }
        // A generous deadline: the claim is about the ratio, and a loaded machine must not fail the connect.
        let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: broker.address, requestTimeout: .seconds(60)))
        defer { Task { await admin.close() } }
        #expect(try await admin.alterReassignments([TopicPartition("t", 0): [1]]).isEmpty)
        let timeout = try #require(seen.all.first)
        #expect(timeout > 0 && timeout < 60_000, "the broker was given \(timeout) ms of the client's 60000")
    }
}
