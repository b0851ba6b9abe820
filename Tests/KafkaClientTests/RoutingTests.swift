import Foundation
import KScaleCore
import KafkaProtocol
import Testing
@testable import KafkaClient

/// Ports and the controller the two tiny brokers report, filled in once both listen.
private final class TinyCluster: @unchecked Sendable {
    private let lock = NSLock()
    private var ports: [BrokerID: Int] = [:]
    private var controller: BrokerID = 1
    var controllerID: BrokerID {
        get { lock.withLock { controller } }
        set { lock.withLock { controller = newValue } }
    }
    func set(_ id: BrokerID, port: Int) { lock.withLock { ports[id] = port } }

    func describe(_ h: RequestHeader) -> TinyReply {
        let brokers = lock.withLock { ports.sorted { $0.key < $1.key } }.map {
            DescribeClusterResponse.DescribeClusterBroker(brokerId: $0.key, host: "127.0.0.1", port: Int32($0.value), rack: nil)
        }
        return .with(h, DescribeClusterResponse(errorCode: 0, errorMessage: nil, clusterId: "tiny", controllerId: controllerID, brokers: brokers))
    }
}

@Suite struct RoutingTests {
    /// Broker 1 was the controller; it now answers NOT_CONTROLLER and the metadata names broker 2.
    @Test func followsNotControllerToTheNewController() async throws {
        let cluster = TinyCluster()
        let listsSeen = Recorder<BrokerID>()
        func broker(_ id: BrokerID) async throws -> TinyBroker {
            try await TinyBroker.start { h, _ in
                switch h.apiKey {
                case ApiVersionsRequest.apiKey: return allVersions(h)
                case DescribeClusterRequest.apiKey: return cluster.describe(h)
                case ListPartitionReassignmentsRequest.apiKey:
                    listsSeen.add(id)
                    if cluster.controllerID != id {
                        return .with(h, ListPartitionReassignmentsResponse(errorCode: KafkaErrorCode.notController.rawValue, errorMessage: nil, topics: []))
                    }
                    let p = ListPartitionReassignmentsResponse.OngoingPartitionReassignment(partitionIndex: 0, replicas: [1, 2], addingReplicas: [2], removingReplicas: [])
                    return .with(h, ListPartitionReassignmentsResponse(errorCode: 0, errorMessage: nil, topics: [.init(name: "t", partitions: [p])]))
                default: return .close
                }
            }
        }
        let b1 = try await broker(1), b2 = try await broker(2)
        defer { Task { await b1.stop(); await b2.stop() } }
        cluster.set(1, port: b1.port)
        cluster.set(2, port: b2.port)
        let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: b1.address, retryBackoff: .milliseconds(10)))
        defer { Task { await admin.close() } }
        #expect(await admin.cluster.controllerID == 1)
        cluster.controllerID = 2
        let ongoing = try await admin.listReassignments(nil)
        #expect(ongoing[TopicPartition("t", 0)] == OngoingReassignment(replicas: [1, 2], adding: [2], removing: []))
        #expect(listsSeen.all == [1, 2])
        #expect(await admin.cluster.controllerID == 2)
    }

    /// A refusal names the broker, its address and the API, as operators read it.
    @Test func errorsNameBrokerAddressAndAPI() async throws {
        let cluster = TinyCluster()
        cluster.controllerID = 3
        let b3 = try await TinyBroker.start { h, _ in
            switch h.apiKey {
            case ApiVersionsRequest.apiKey: return allVersions(h)
            case DescribeClusterRequest.apiKey: return cluster.describe(h)
            case DescribeLogDirsRequest.apiKey:
                return .with(h, DescribeLogDirsResponse(errorCode: KafkaErrorCode.clusterAuthorizationFailed.rawValue, results: []))
            default: return .close
            }
        }
        defer { Task { await b3.stop() } }
        cluster.set(3, port: b3.port)
        let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: b3.address))
        defer { Task { await admin.close() } }
        await #expect { _ = try await admin.logDirs(brokers: nil) } throws: { e in
            "\(e)" == "broker 3 (127.0.0.1:\(b3.port)) rejected DescribeLogDirs: CLUSTER_AUTHORIZATION_FAILED"
        }
    }

    /// A broker without DescribeCluster (before Kafka 2.8): brokers and controller come from Metadata.
    @Test func fallsBackToMetadataWithoutDescribeCluster() async throws {
        let portBox = Recorder<Int>()
        let b = try await TinyBroker.start { h, _ in
            switch h.apiKey {
            case ApiVersionsRequest.apiKey:
                return allVersions(h, except: [DescribeClusterRequest.apiKey: 99...99])
            case MetadataRequest.apiKey:
                let port = Int32(portBox.all.first ?? 0)
                return .with(h, MetadataResponse(brokers: [.init(nodeId: 5, host: "127.0.0.1", port: port, rack: "r1")], clusterId: "old", controllerId: 5, topics: []))
            default: return .close
            }
        }
        defer { Task { await b.stop() } }
        portBox.add(b.port)
        let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: b.address))
        defer { Task { await admin.close() } }
        let d = try await admin.describeCluster()
        #expect(d == ClusterDescription(clusterID: "old", controllerID: 5, brokers: [BrokerInfo(id: 5, host: "127.0.0.1", port: Int32(b.port), rack: "r1")]))
    }
}
