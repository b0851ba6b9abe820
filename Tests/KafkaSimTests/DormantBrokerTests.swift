import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaProtocol
import KScaleCore
import KScaleTime
import Testing
@testable import KafkaSim

/// Dormant brokers (`"registered": false` in the snapshot) and UnregisterBroker (key 64), over the
/// wire: what Metadata, DescribeCluster and ApiVersions answer before and after the control API's
/// `POST /brokers/{id}/start`, on KRaft and ZooKeeper profiles.
@Suite struct DormantBrokerTests {
    /// Brokers 1-3 hold the data; 4 and 5 are machines whose Kafka has not started.
    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"),
                  Broker(id: 4, rack: "a", registered: false), Broker(id: 5, rack: "b", registered: false)],
        topics: [TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2], size: 1_000),
            PartitionState(partition: 1, replicas: [2, 3], size: 1_000),
        ])])

    static func start(_ version: String = "4.1", mode: KafkaMode? = nil) async throws -> SimCluster {
        try await SimCluster.start(snapshot: snapshot, options: SimOptions(controlPort: 0, clock: ManualClock(),
                                                                           profile: try KafkaProfile(version: version, mode: mode)))
    }

    static func brokersInMetadata(_ client: WireClient) async throws -> [Int32] {
        try await client.call(MetadataRequest(topics: []), version: 12).brokers.map(\.nodeId).sorted()
    }

    /// v2 with fenced brokers where the release serves it (4.0), else v1 (3.9 lists only live ones).
    static func brokersInDescribeCluster(_ client: WireClient, version: Int16 = 2) async throws -> [Int32] {
        try await client.call(DescribeClusterRequest(includeClusterAuthorizedOperations: false, includeFencedBrokers: version >= 2), version: version)
            .brokers.map(\.brokerId).sorted()
    }

    static func post(_ sim: SimCluster, _ path: String) async throws -> Int {
        let base = try #require(sim.controlURL)
        var request = URLRequest(url: try #require(URL(string: base + path)))
        request.httpMethod = "POST"
        let (_, response) = try await URLSession.shared.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? -1
    }

    @Test func theSnapshotFieldIsReadAndWritten() throws {
        let json = """
        {"format": "kafka-cluster-v1", "brokers": [{"id": 1}, {"id": 4, "rack": "a", "registered": false}], "topics": []}
        """
        let read = try ClusterSnapshot.decode(Data(json.utf8))
        #expect(read.brokers.map(\.registered) == [nil, false])
        let written = String(decoding: try JSONEncoder().encode(read.brokers[1]), as: UTF8.self)
        #expect(written.contains("\"registered\":false"))
        #expect(!String(decoding: try JSONEncoder().encode(read.brokers[0]), as: UTF8.self).contains("registered"))
    }

    @Test func aDormantBrokerHoldingAReplicaIsRefused() {
        var bad = Self.snapshot
        bad.topics[0].partitions[0].replicas = [1, 4]
        #expect(throws: InvalidInput.self) { _ = try ClusterModel(snapshot: bad) }
        let allDormant = ClusterSnapshot(brokers: [Broker(id: 1, registered: false)], topics: [])
        #expect(throws: InvalidInput.self) { _ = try ClusterModel(snapshot: allDormant) }
    }

    @Test(arguments: [("4.1", KafkaMode.kraft), ("3.9", .zookeeper)])
    func aDormantBrokerIsAbsentUntilStarted(version: String, mode: KafkaMode) async throws {
        let sim = try await Self.start(version, mode: mode)
        let describe: Int16 = version.hasPrefix("4") ? 2 : 1
        do {
            // The bootstrap list has only the registered brokers.
            #expect(sim.bootstrapServers.split(separator: ",").count == 3)
            let client = try await connectWire(String(sim.bootstrapServers.split(separator: ",")[0]))
            #expect(try await Self.brokersInMetadata(client) == [1, 2, 3])
            #expect(try await Self.brokersInDescribeCluster(client, version: describe) == [1, 2, 3])
            #expect(try await Self.post(sim, "/brokers/4/start") == 200)
            #expect(try await Self.brokersInMetadata(client) == [1, 2, 3, 4])
            #expect(try await Self.brokersInDescribeCluster(client, version: describe) == [1, 2, 3, 4])
            // The started broker answers on its own listener, with the rack of the snapshot.
            let four = try #require(try await client.call(MetadataRequest(topics: []), version: 12).brokers.first { $0.nodeId == 4 })
            #expect(four.rack == "a")
            let direct = try await connectWire("\(four.host):\(four.port)")
            #expect(try await Self.brokersInMetadata(direct) == [1, 2, 3, 4])
            await sim.shutdown()
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    @Test func unregisterBrokerOnKRaft() async throws {
        let sim = try await Self.start("4.1")
        do {
            let client = try await connectWire(String(sim.bootstrapServers.split(separator: ",")[0]))
            let versions = try await client.call(ApiVersionsRequest(), version: 3)
            #expect(versions.apiKeys.first { $0.apiKey == 64 }.map { $0.minVersion...$0.maxVersion } == 0...0)
            // A dormant broker has no registration.
            let dormant = try await client.call(UnregisterBrokerRequest(brokerId: 5), version: 0)
            #expect(dormant.errorCode == 102)
            #expect(dormant.errorMessage == "Broker ID 5 is not currently registered")
            #expect(try await client.call(UnregisterBrokerRequest(brokerId: 99), version: 0).errorCode == 102)
            // Started, stopped, unregistered: gone from both answers, and counted as a change.
            #expect(try await Self.post(sim, "/brokers/4/start") == 200)
            #expect(try await Self.post(sim, "/brokers/4/stop") == 200)
            #expect(try await Self.brokersInDescribeCluster(client) == [1, 2, 3, 4])
            let done = try await client.call(UnregisterBrokerRequest(brokerId: 4), version: 0)
            #expect(done.errorCode == 0)
            #expect(done.errorMessage == nil)
            #expect(try await Self.brokersInDescribeCluster(client) == [1, 2, 3])
            #expect(try await Self.brokersInMetadata(client) == [1, 2, 3])
            // Every UnregisterBroker is counted, refused or not (5, 99 and 4 so far).
            #expect(await sim.mutatingRequests()[64] == 3)
            #expect(try await client.call(UnregisterBrokerRequest(brokerId: 4), version: 0).errorCode == 102)
            // A running broker can be unregistered too; started again, it registers again.
            #expect(try await Self.post(sim, "/brokers/4/start") == 200)
            #expect(try await client.call(UnregisterBrokerRequest(brokerId: 4), version: 0).errorCode == 0)
            #expect(try await Self.brokersInMetadata(client) == [1, 2, 3])
            #expect(try await Self.post(sim, "/brokers/4/start") == 200)
            #expect(try await Self.brokersInMetadata(client) == [1, 2, 3, 4])
            await sim.shutdown()
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    @Test(arguments: [("3.9", KafkaMode.zookeeper), ("2.8", .kraft)])
    func unregisterBrokerIsNotServedOnZooKeeperOrEarlyKRaft(version: String, mode: KafkaMode) async throws {
        let sim = try await Self.start(version, mode: mode)
        let client = try await connectWire(String(sim.bootstrapServers.split(separator: ",")[0]))
        let versions = try await client.call(ApiVersionsRequest(), version: 3)
        #expect(!versions.apiKeys.contains { $0.apiKey == 64 })
        // As Kafka does for an API it does not serve: the connection closes, no answer.
        await #expect(throws: (any Error).self) { _ = try await client.call(UnregisterBrokerRequest(brokerId: 4), version: 0) }
        await sim.shutdown()
    }

    @Test func unregisterBrokerFromThreeZeroInKRaft() throws {
        #expect(try KafkaProfile(version: "3.0", mode: .kraft).apiVersions[64] == 0...0)
        #expect(try KafkaProfile(version: "2.8", mode: .kraft).apiVersions[64] == nil)
        #expect(try KafkaProfile(version: "3.9", mode: .zookeeper).apiVersions[64] == nil)
        #expect(try KafkaProfile(version: "4.1").apiVersions[64] == 0...0)
    }
}
