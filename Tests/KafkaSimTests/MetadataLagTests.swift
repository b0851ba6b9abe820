import KScaleCore
import KafkaProtocol
import KScaleTime
import Testing
@testable import KafkaSim

/// Issue 12 finding 5 and the config semantics of ConfigAdminManager, over the wire: brokers
/// answer Metadata and (KRaft) DescribeConfigs from their metadata cache, `--metadata-lag` behind
/// the controller, which answers the reassignment APIs and takes the config writes at once; and a
/// broker's configs are asked of that broker.
struct MetadataLagTests {
    static let leaderKey = "leader.replication.throttled.replicas"

    func addresses(_ sim: SimCluster) -> [String] { sim.bootstrapServers.split(separator: ",").map(String.init) }

    func describe(_ client: WireClient, topic: String, key: String) async throws -> String? {
        let r = try await client.call(DescribeConfigsRequest(resources: [.init(resourceType: SimResourceType.topic.rawValue, resourceName: topic,
                                                                                configurationKeys: [key])]), version: 4)
        return r.results.first?.configs.first { $0.name == key && $0.configSource == SimConfigSource.dynamicTopic.rawValue }?.value
    }

    func setTopicConfig(_ client: WireClient, topic: String, key: String, value: String) async throws -> Int16? {
        let r = try await client.call(IncrementalAlterConfigsRequest(resources: [.init(
            resourceType: SimResourceType.topic.rawValue, resourceName: topic,
            configs: [.init(name: key, configOperation: SimConfigOp.set.rawValue, value: value)])], validateOnly: false), version: 1)
        return r.responses.first?.errorCode
    }

    /// A finished move: the controller no longer lists it at once, while Metadata shows it in
    /// flight until the lag has passed; DescribeConfigs (KRaft) shows a config written just now
    /// only then, while ZooKeeper-mode brokers read configs from ZooKeeper, current.
    @Test(arguments: ["4.3", "3.9"])
    func brokersAnswerFromStateThatOldAndTheControllerFromNow(version: String) async throws {
        let clock = ManualClock()
        let profile = version == "4.3" ? KafkaProfile.newest : try KafkaProfile(version: version, mode: .zookeeper)
        var options = SimOptions(brokerNetworkBytesPerSec: 10_000_000, clock: clock, profile: profile)
        options.metadataLag = MetadataLag(seconds: 5)
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: options)
        let controller = try await connectWire(addresses(sim)[0])
        let alter = AlterPartitionReassignmentsRequest(topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0, replicas: [3, 4])])])
        #expect(try await controller.call(alter, version: 0).responses.first?.partitions.first?.errorCode == 0)
        // 50 MB to each new replica at half of 10 MB/s: done after 10 s.
        clock.advance(by: 11)
        #expect(try await controller.call(ListPartitionReassignmentsRequest(topics: nil), version: 0).topics.isEmpty)
        let metadata = MetadataRequest(topics: [.init(name: "orders")])
        func replicas() async throws -> [BrokerID]? {
            try await controller.call(metadata, version: 12).topics.first?.partitions.first { $0.partitionIndex == 0 }?.replicaNodes
        }
        #expect(try await replicas() == [3, 4, 1, 2], "the broker's cache is 5 s behind: the move is still in flight there")
        #expect(await sim.state().partition(TopicPartition("orders", 0))?.replicas == [3, 4])
        #expect(try await setTopicConfig(controller, topic: "orders", key: Self.leaderKey, value: "0:3") == 0)
        let seen = try await describe(controller, topic: "orders", key: Self.leaderKey)
        #expect(seen == (profile.configsFromMetadataCache ? nil : "0:3"), "\(profile)")
        clock.advance(by: 5)
        #expect(try await replicas() == [3, 4])
        #expect(try await describe(controller, topic: "orders", key: Self.leaderKey) == "0:3")
        await sim.shutdown()
    }

    /// Each broker applies at its own pace: a broker's own configs are answered by it, from its cache.
    @Test func eachBrokerLagsByItsOwnAmount() async throws {
        let clock = ManualClock()
        var options = SimOptions(clock: clock)
        options.metadataLag = MetadataLag(seconds: 0, byBroker: [2: 3])
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: options)
        let addrs = addresses(sim)
        let (one, two) = (try await connectWire(addrs[0]), try await connectWire(addrs[1]))
        #expect(try await setTopicConfig(one, topic: "orders", key: Self.leaderKey, value: "1:2") == 0)
        #expect(try await describe(one, topic: "orders", key: Self.leaderKey) == "1:2")
        #expect(try await describe(two, topic: "orders", key: Self.leaderKey) == nil)
        clock.advance(by: 3)
        #expect(try await describe(two, topic: "orders", key: Self.leaderKey) == "1:2")
        await sim.shutdown()
    }

    /// DescribeCluster is answered from the broker's metadata cache (`KafkaApis.handleDescribeCluster`
    /// over `metadataCache`), as Metadata is: a broker stopped just now is still listed alive until
    /// the lag has passed, then it is gone (and listed fenced only when fenced brokers are asked for).
    @Test(arguments: ["4.3", "3.9"])
    func describeClusterAnswersFromTheLaggedView(version: String) async throws {
        let clock = ManualClock()
        let profile = version == "4.3" ? KafkaProfile.newest : try KafkaProfile(version: version, mode: .zookeeper)
        var options = SimOptions(clock: clock, profile: profile)
        options.metadataLag = MetadataLag(seconds: 5)
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: options)
        let client = try await connectWire(addresses(sim)[0])
        func listed(fenced: Bool) async throws -> [BrokerID: Bool] {
            let r = try await client.call(DescribeClusterRequest(includeClusterAuthorizedOperations: false, includeFencedBrokers: fenced),
                                          version: profile.apiVersions[60]?.upperBound ?? 0)
            return Dictionary(uniqueKeysWithValues: r.brokers.map { ($0.brokerId, $0.isFenced) })
        }
        await sim.stopBroker(4)
        #expect(try await listed(fenced: false).keys.sorted() == [1, 2, 3, 4], "\(profile): the cache is 5 s behind")
        clock.advance(by: 5)
        #expect(try await listed(fenced: false).keys.sorted() == [1, 2, 3], "\(profile)")
        if profile.apiVersions[60]?.upperBound ?? 0 >= 2 {
            #expect(try await listed(fenced: true)[4] == true, "\(profile)")
        }
        await sim.shutdown()
    }

    @Test func aNegativeLagIsRefused() async throws {
        var options = SimOptions()
        options.metadataLag = MetadataLag(seconds: -1)
        await #expect(throws: InvalidInput.self) { _ = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: options) }
    }

    /// Broker 2's configs, asked of broker 1: INVALID_REQUEST for DescribeConfigs on every release,
    /// for IncrementalAlterConfigs and AlterConfigs where ConfigAdminManager (or ZooKeeper's
    /// AdminManager) checks it; the cluster default "" is answered anywhere.
    @Test(arguments: ["4.3", "3.9", "3.1"])
    func aBrokersConfigsAreItsOwn(version: String) async throws {
        let profile = version == "4.3" ? KafkaProfile.newest : try KafkaProfile(version: version, mode: version == "3.1" ? .kraft : .zookeeper)
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: SimOptions(clock: ManualClock(), profile: profile))
        let addrs = addresses(sim)
        let one = try await connectWire(addrs[0])
        let broker = SimResourceType.broker.rawValue
        let rate = "leader.replication.throttled.rate"
        func describe(_ name: String) async throws -> Int16? {
            try await one.call(DescribeConfigsRequest(resources: [.init(resourceType: broker, resourceName: name, configurationKeys: nil)]), version: 4)
                .results.first?.errorCode
        }
        func alter(_ name: String) async throws -> Int16? {
            try await one.call(IncrementalAlterConfigsRequest(resources: [.init(resourceType: broker, resourceName: name,
                configs: [.init(name: rate, configOperation: SimConfigOp.set.rawValue, value: "1000")])], validateOnly: false), version: 1)
                .responses.first?.errorCode
        }
        func legacy(_ name: String) async throws -> Int16? {
            try await one.call(AlterConfigsRequest(resources: [.init(resourceType: broker, resourceName: name,
                configs: [.init(name: rate, value: "1000")])], validateOnly: false), version: 1).responses.first?.errorCode
        }
        #expect(try await describe("2") == SimErrorCode.invalidRequest)
        #expect(try await describe("1") == 0)
        #expect(try await describe("") == 0)
        let refused = profile.brokerConfigChangesOnlyOnThatBroker ? SimErrorCode.invalidRequest : 0
        #expect(try await alter("2") == refused, "\(profile)")
        #expect(try await legacy("2") == refused, "\(profile)")
        #expect(try await alter("1") == 0)
        #expect(try await alter("") == 0)
        // Asked of broker 2 itself, it answers.
        let two = try await connectWire(addrs[1])
        let there = try await two.call(DescribeConfigsRequest(resources: [.init(resourceType: broker, resourceName: "2", configurationKeys: [rate])]), version: 4)
        #expect(there.results.first?.errorCode == 0)
        await sim.shutdown()
    }
}
