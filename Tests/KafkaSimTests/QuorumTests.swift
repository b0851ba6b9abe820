import KScaleCore
import KScaleTime
import KafkaAdmin
import KafkaProtocol
import Testing
@testable import KafkaSim

/// Issue 12 finding 4 on the simulator: DescribeQuorum per profile, KRaft's random "controller"
/// id in Metadata and DescribeCluster, and the finalized metadata.version in ApiVersions.
struct QuorumTests {
    static let metadataTopic = "__cluster_metadata"

    static func request(topic: String = metadataTopic, partitions: [Int32] = [0]) -> DescribeQuorumRequest {
        DescribeQuorumRequest(topics: [.init(topicName: topic, partitions: partitions.map { .init(partitionIndex: $0) })])
    }

    static func start(_ profile: KafkaProfile) async throws -> (SimCluster, [String]) {
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: SimOptions(clock: ManualClock(), profile: profile))
        return (sim, sim.bootstrapServers.split(separator: ",").map(String.init))
    }

    @Test func combinedModeVotersAreTheFirstThreeBrokersAndTheRestObserve() async throws {
        let (sim, addresses) = try await Self.start(try KafkaProfile(version: "4.3", combined: true))
        // Asked of broker 4, which is no voter: any broker forwards it to the active controller.
        let client = try await connectWire(addresses[3])
        for version: Int16 in 0...2 {
            let r = try await client.call(Self.request(), version: version)
            #expect(r.errorCode == 0)
            let p = try #require(r.topics.first?.partitions.first)
            #expect(r.topics.first?.topicName == Self.metadataTopic)
            #expect(p.errorCode == 0)
            #expect(p.leaderId == 1, "v\(version)")
            #expect(p.currentVoters.map(\.replicaId) == [1, 2, 3], "v\(version)")
            #expect(p.observers.map(\.replicaId) == [4], "v\(version)")
            #expect(r.nodes.map(\.nodeId) == (version >= 2 ? [1, 2, 3] : []), "v\(version)")
        }
        // A stopped voter stays a voter (membership changes only through RemoveRaftVoter) with an
        // unknown log end offset; the leader fails over to a live voter.
        await sim.stopBroker(1)
        let after = try await client.call(Self.request(), version: 1)
        await sim.shutdown()
        let p = try #require(after.topics.first?.partitions.first)
        #expect(p.currentVoters.map(\.replicaId) == [1, 2, 3])
        #expect(p.currentVoters.first?.logEndOffset == -1)
        #expect(p.leaderId == 2)
    }

    @Test func dedicatedControllersAreNotBrokersAndEveryBrokerObserves() async throws {
        let (sim, addresses) = try await Self.start(.newest)
        let r = try await connectWire(addresses[1]).call(Self.request(), version: 2)
        await sim.shutdown()
        let p = try #require(r.topics.first?.partitions.first)
        #expect(p.currentVoters.map(\.replicaId) == [3000, 3001, 3002])
        #expect(p.leaderId == 3000)
        #expect(p.observers.map(\.replicaId) == [1, 2, 3, 4])
    }

    @Test func onlyTheMetadataPartitionIsDescribed() async throws {
        let (sim, addresses) = try await Self.start(.newest)
        let client = try await connectWire(addresses[0])
        let wrongTopic = try await client.call(Self.request(topic: "orders"), version: 1)
        let wrongPartition = try await client.call(Self.request(partitions: [1]), version: 1)
        await sim.shutdown()
        #expect(wrongTopic.topics.first?.partitions.first?.errorCode == SimErrorCode.unknownTopicOrPartition)
        #expect(wrongPartition.topics.first?.partitions.first?.errorCode == SimErrorCode.unknownTopicOrPartition)
    }

    @Test func zooKeeperBrokersDoNotServeDescribeQuorum() async throws {
        let (sim, addresses) = try await Self.start(try KafkaProfile(version: "3.9", mode: .zookeeper))
        let client = try await connectWire(addresses[0])
        let versions = try await client.call(ApiVersionsRequest(), version: 3)
        #expect(!versions.apiKeys.contains { $0.apiKey == DescribeQuorumRequest.apiKey })
        #expect(versions.finalizedFeatures.isEmpty)
        // A request for an API the broker does not serve closes the connection.
        await #expect(throws: (any Error).self) { _ = try await client.call(Self.request(), version: 0) }
        await sim.shutdown()
    }

    @Test func kraftNamesARandomLiveBrokerAsControllerAndZooKeeperTheController() async throws {
        for (profile, random) in [(KafkaProfile.newest, true), (try KafkaProfile(version: "3.9", mode: .zookeeper), false)] {
            let (sim, addresses) = try await Self.start(profile)
            await sim.moveController(to: 3)
            let client = try await connectWire(addresses[0])
            var named: [Int32] = []
            for _ in 0..<12 {
                named.append(try await client.call(MetadataRequest(topics: []), version: 12).controllerId)
                named.append(try await client.call(DescribeClusterRequest(), version: 0).controllerId)
            }
            await sim.shutdown()
            #expect(named.allSatisfy { (1...4).contains($0) }, "\(profile)")
            if random {
                #expect(Set(named).count > 1, "\(profile) named \(named)")
            } else {
                #expect(Set(named) == [3], "\(profile) named \(named)")
            }
        }
    }

    @Test func theRandomControllerIsTheSameEveryRun() throws {
        func draws() throws -> [BrokerID] {
            var m = try ProfileTests.model(.newest)
            return (0..<20).map { _ in m.reportedController() }
        }
        #expect(try draws() == draws())
        // Only live brokers are named.
        var m = try ProfileTests.model(.newest)
        try m.stopBroker(2, at: 0)
        #expect((0..<40).allSatisfy { _ in m.reportedController() != 2 })
    }

    @Test func apiVersionsReportTheFinalizedMetadataVersion() async throws {
        for (profile, level) in [(KafkaProfile.newest, Int16(30)), (try KafkaProfile(version: "4.3").withMetadataVersion(29), 29),
                                 (try KafkaProfile(version: "3.9"), 21)] {
            let (sim, addresses) = try await Self.start(profile)
            let versions = try await connectWire(addresses[0]).call(ApiVersionsRequest(), version: 3)
            await sim.shutdown()
            #expect(versions.finalizedFeatures.map(\.name) == [MetadataVersion.featureName], "\(profile)")
            #expect(versions.finalizedFeatures.first?.maxVersionLevel == level, "\(profile)")
        }
        #expect(throws: InvalidInput.self) { try KafkaProfile(version: "4.2").withMetadataVersion(30) }
        #expect(throws: InvalidInput.self) { try KafkaProfile(version: "3.9", mode: .zookeeper).withMetadataVersion(7) }
    }

    /// 4.3 binaries at metadata.version 4.2: the config is accepted, and placement ignores it.
    @Test func aCordonBelowMetadataVersion43DoesNotKeepPartitionsOff() throws {
        for (profile, keptOff) in [(KafkaProfile.newest, true), (try KafkaProfile(version: "4.3").withMetadataVersion(29), false)] {
            var m = try ProfileTests.model(profile)
            for b: BrokerID in 1...3 {
                try m.incrementalAlterConfigs(.broker, String(b), [("cordoned.log.dirs", .set, "*")], validateOnly: false, at: 0)
            }
            _ = try m.createTopic(SimNewTopic(name: "new", numPartitions: 4, replicationFactor: 1), validateOnly: false, at: 0)
            let placed = Set(m.partitionViews("new").flatMap(\.replicas))
            #expect((placed == [4]) == keptOff, "\(profile): placed on \(placed)")
        }
    }
}
