import KScaleCore
import KafkaProtocol
import KScaleTime
import Testing
@testable import KafkaSim

/// KafkaSim's version profiles: what each release refuses, serves and does differently.
struct ProfileTests {
    static let mb: Int64 = 1_000_000
    static let leaderKey = "leader.replication.throttled.replicas"
    static let followerKey = "follower.replication.throttled.replicas"

    static func profile(_ version: String, _ mode: KafkaMode? = nil, combined: Bool = false) throws -> KafkaProfile {
        try KafkaProfile(version: version, mode: mode, combined: combined)
    }

    static func model(_ profile: KafkaProfile) throws -> ClusterModel {
        let snap = ClusterSnapshot(
            brokers: (1...4).map { Broker(id: BrokerID($0), rack: "r\($0 % 2)") },
            topics: [TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: 100 * mb)])])
        return try ClusterModel(snapshot: snap, settings: .init(brokerNetworkBytesPerSec: 100e6, profile: profile))
    }

    static func code(_ body: () throws -> Void) -> Int16? {
        do { try body(); return nil } catch let e as SimFailure { return e.code } catch { return -2 }
    }

    // MARK: choosing a profile

    @Test func impossibleCombinationsAreRefusedWithTheReason() throws {
        func message(_ body: () throws -> KafkaProfile) -> String {
            do { _ = try body(); return "" } catch { return "\(error)" }
        }
        #expect(message { try Self.profile("4.0", .zookeeper) }.contains("no ZooKeeper mode"))
        #expect(message { try Self.profile("2.5", .kraft) }.contains("no KRaft mode"))
        #expect(message { try Self.profile("3.3", .zookeeper, combined: true) }.contains("--combined"))
        #expect(message { try Self.profile("1.1") }.contains("no KafkaSim profile for Kafka 1.1"))
        #expect(message { try Self.profile("latest") }.contains("--kafka-version"))
        // The default mode: ZooKeeper before 3.3, KRaft from there; a patch level is accepted.
        #expect(try Self.profile("2.8").mode == .zookeeper)
        #expect(try Self.profile("2.8", .kraft).mode == .kraft)
        #expect(try Self.profile("3.3.2").mode == .kraft)
        #expect(KafkaProfile.newest == (try Self.profile("4.3", .kraft)))
        #expect(SimOptions().profile == .newest)
    }

    @Test func namedBehavioursFollowTheRelease() throws {
        #expect(try Self.profile("2.5").listConfigAppendOnUnset == .serverError)
        #expect(try Self.profile("2.6").listConfigAppendOnUnset == .leadingEmptyItem)
        #expect(try Self.profile("3.3", .zookeeper).listConfigAppendOnUnset == .leadingEmptyItem)
        #expect(try Self.profile("3.3", .kraft).listConfigAppendOnUnset == .correct)
        #expect(try Self.profile("3.4", .zookeeper).listConfigAppendOnUnset == .correct)
        #expect(try Self.profile("3.9", .zookeeper).routing == .controllerOnly)
        #expect(try Self.profile("2.8", .kraft).routing == .anyBrokerForwards)
        #expect(try Self.profile("3.9", .zookeeper).maxRecordsPerUserOp == nil)
        #expect(KafkaProfile.newest.maxRecordsPerUserOp == 10_000)
        #expect(!(try Self.profile("4.2")).supportsCordons)
        #expect(KafkaProfile.newest.supportsCordons)
        // metadata.version: KRaft from 3.3 only, each release's newest level; cordons act from 4.3-IV0.
        #expect(try Self.profile("3.9", .zookeeper).metadataVersionLevel == nil)
        #expect(try Self.profile("3.2", .kraft).metadataVersionLevel == nil)
        #expect(try Self.profile("3.3", .kraft).metadataVersionLevel == 7)
        #expect(try Self.profile("4.0").metadataVersionLevel == 25)
        #expect(KafkaProfile.newest.metadataVersionLevel == 30 && KafkaProfile.newest.cordonsTakeEffect)
        let unfinalized = try KafkaProfile.newest.withMetadataVersion(29)
        #expect(unfinalized.supportsCordons && !unfinalized.cordonsTakeEffect)
        #expect(try Self.profile("3.9", .zookeeper).reportsRandomController == false && KafkaProfile.newest.reportsRandomController)
    }

    @Test func apiVersionsAreTheReleases() throws {
        let describeCluster: Int16 = 60, describeLogDirs: Int16 = 35, describeQuorum: Int16 = 55
        #expect(try Self.profile("2.5").apiVersions[describeCluster] == nil)
        #expect(try Self.profile("2.8").apiVersions[describeCluster] == 0...0)
        #expect(try Self.profile("3.9").apiVersions[describeCluster] == 0...1)
        #expect(try Self.profile("4.0").apiVersions[describeCluster] == 0...2)
        // DescribeLogDirs v4 (capacity, KIP-827) is 3.3's.
        #expect(try Self.profile("2.8").apiVersions[describeLogDirs]?.upperBound == 2)
        #expect(try Self.profile("3.3", .zookeeper).apiVersions[describeLogDirs]?.upperBound == 4)
        #expect(try Self.profile("3.3", .zookeeper).apiVersions[describeQuorum] == nil)
        #expect(try Self.profile("3.3", .kraft).apiVersions[describeQuorum] != nil)
        // KIP-896: 4.0 serves Produce from v3 only; 3.9 still from v0.
        #expect(try Self.profile("4.0").apiVersions[0]?.lowerBound == 3)
        #expect(try Self.profile("3.9").apiVersions[0]?.lowerBound == 0)
    }

    @Test func cordonsExistFrom43Only() throws {
        let key = "cordoned.log.dirs"
        var old = try Self.model(try Self.profile("4.2"))
        #expect(Self.code { try old.incrementalAlterConfigs(.broker, "1", [(key, .set, "*")], validateOnly: false, at: 0) } == SimErrorCode.invalidConfig)
        #expect(try old.describeConfigs(.broker, "1", keys: nil).contains { $0.name == key } == false)
        var new = try Self.model(.newest)
        #expect(try new.describeConfigs(.broker, "1", keys: nil).contains { $0.name == key })
        try new.incrementalAlterConfigs(.broker, "1", [(key, .set, "*")], validateOnly: false, at: 0)
        let cordoned = ClusterSnapshot(brokers: [Broker(id: 1, rack: nil, cordoned: true)], topics: [])
        #expect(throws: InvalidInput.self) {
            _ = try ClusterModel(snapshot: cordoned, settings: .init(profile: try Self.profile("4.2")))
        }
    }

    // MARK: on the wire

    @Test func apiVersionsListOnlyWhatTheReleaseServes() async throws {
        let old = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: SimOptions(profile: try Self.profile("2.5")))
        let listed = try await connectWire(old.bootstrapServers.split(separator: ",").map(String.init)[0]).call(ApiVersionsRequest(), version: 3)
        await old.shutdown()
        #expect(!listed.apiKeys.contains { $0.apiKey == 60 })
        #expect(listed.apiKeys.first { $0.apiKey == 3 }?.maxVersion == 9)
        #expect(listed.apiKeys.first { $0.apiKey == 18 }?.maxVersion == 3)

        let new = try await SimCluster.start(snapshot: SimClusterTests.snapshot())
        let client = try await connectWire(new.bootstrapServers.split(separator: ",").map(String.init)[0])
        let newest = try await client.call(ApiVersionsRequest(), version: 3)
        #expect(newest.apiKeys.first { $0.apiKey == 60 }?.maxVersion == 2)
        await new.shutdown()
    }

    @Test func aReleaseWithoutTheAPIClosesTheConnection() async throws {
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: SimOptions(profile: try Self.profile("2.5")))
        let client = try await connectWire(sim.bootstrapServers.split(separator: ",").map(String.init)[0])
        await #expect(throws: (any Error).self) { _ = try await client.call(DescribeClusterRequest(), version: 0) }
        await sim.shutdown()
    }

    @Test func kraftBrokersForwardReassignmentsAndZooKeeperOnesRefuse() async throws {
        let request = AlterPartitionReassignmentsRequest(topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0, replicas: [3, 4])])])
        let election = ElectLeadersRequest(electionType: 0, topicPartitions: [.init(topic: "orders", partitions: [1])])
        for (profile, answered) in [(try Self.profile("3.9", .zookeeper), false), (KafkaProfile.newest, true)] {
            let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(), options: SimOptions(clock: ManualClock(), profile: profile))
            // Broker 2 is not the controller (broker 1 is).
            let other = try await connectWire(sim.bootstrapServers.split(separator: ",").map(String.init)[1])
            let moved = try await other.call(request, version: 0)
            let listed = try await other.call(ListPartitionReassignmentsRequest(topics: nil), version: 0)
            let elected = try await other.call(election, version: 2)
            let moves = await sim.state().moves.count
            await sim.shutdown()
            if answered {
                #expect(moved.errorCode == 0 && moved.responses.first?.partitions.first?.errorCode == 0, "\(profile)")
                #expect(listed.errorCode == 0 && listed.topics.count == 1, "\(profile)")
                #expect(elected.replicaElectionResults.first?.partitionResult.first?.errorCode == SimErrorCode.electionNotNeeded, "\(profile)")
                #expect(moves == 1, "\(profile)")
            } else {
                #expect(moved.errorCode == SimErrorCode.notController, "\(profile)")
                #expect(listed.errorCode == SimErrorCode.notController, "\(profile)")
                #expect(elected.replicaElectionResults.first?.partitionResult.first?.errorCode == SimErrorCode.notController, "\(profile)")
                #expect(moves == 0, "\(profile)")
            }
        }
    }

    // MARK: KRaft's record cap (finding 3)

    @Test func kraftRefusesAReassignmentOverTenThousandRecordsWholeAndZooKeeperDoesNot() async throws {
        let count = 10_001
        let snapshot = ClusterSnapshot(brokers: (1...3).map { Broker(id: BrokerID($0)) },
                                       topics: [TopicState(name: "big", partitions: (0..<count).map { PartitionState(partition: Int32($0), replicas: [1, 2], size: 0) })])
        // A reorder of every partition: one record each.
        let all = AlterPartitionReassignmentsRequest(topics: [.init(name: "big", partitions: (0..<Int32(count)).map { .init(partitionIndex: $0, replicas: [2, 1]) })])
        let under = AlterPartitionReassignmentsRequest(topics: [.init(name: "big", partitions: (0..<Int32(10_000)).map { .init(partitionIndex: $0, replicas: [2, 1]) })])
        for (profile, capped) in [(KafkaProfile.newest, true), (try Self.profile("3.9", .zookeeper), false)] {
            let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(clock: ManualClock(), profile: profile))
            let client = try await connectWire(sim.bootstrapServers.split(separator: ",").map(String.init)[0])
            let answer = try await client.call(all, version: 0)
            let codes = Set(answer.responses.flatMap { $0.partitions.map(\.errorCode) })
            let reordered = await sim.state().snapshot.topics.first?.partitions.filter { $0.replicas == [2, 1] }.count
            if capped {
                #expect(codes == [SimErrorCode.policyViolation], "\(profile)")
                #expect(reordered == 0, "\(profile): nothing is applied")
                let fits = try await client.call(under, version: 0)
                #expect(Set(fits.responses.flatMap { $0.partitions.map(\.errorCode) }) == [0], "\(profile)")
            } else {
                #expect(codes == [0], "\(profile)")
                #expect(reordered == count, "\(profile)")
            }
            await sim.shutdown()
        }
    }

    // MARK: list configs (finding 1)

    @Test func appendOntoAnUnsetListFailsOn25AndAppliesNothing() throws {
        var m = try Self.model(try Self.profile("2.5"))
        let failed = Self.code {
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .append, "0:1")], validateOnly: false, at: 0)
        }
        #expect(failed == SimErrorCode.unknownServerError)
        #expect(Self.code { try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .subtract, "0:1")], validateOnly: false, at: 0) }
                == SimErrorCode.unknownServerError)
        #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.isDefault == true)
        // SET works, and APPEND onto the value it left works too (with repeats: before 3.3).
        try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .set, "0:1")], validateOnly: false, at: 0)
        try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .append, "0:1,0:2")], validateOnly: false, at: 0)
        #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == "0:1,0:1,0:2")
    }

    /// 2.6-3.3 ZooKeeper: ",0:1" is stored, the brokers' parser throws on it, and the copy runs at
    /// the network's speed; SUBTRACT keeps the empty item. KRaft 3.3 and 4.3 store "0:1" and throttle.
    @Test func appendOntoAnUnsetListLeavesALeadingEmptyItemOn26To33() throws {
        for (profile, broken) in [(try Self.profile("3.3", .zookeeper), true), (try Self.profile("2.6"), true),
                                  (try Self.profile("3.3", .kraft), false), (KafkaProfile.newest, false)] {
            var m = try Self.model(profile)
            try m.incrementalAlterConfigs(.broker, "1", [("leader.replication.throttled.rate", .set, "10000000")], validateOnly: false, at: 0)
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .append, "0:1,0:2")], validateOnly: false, at: 0)
            let stored = try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value
            #expect(stored == (broken ? ",0:1,0:2" : "0:1,0:2"), "\(profile)")
            try m.alterReassignment(TopicPartition("t", 0), target: [1, 3], at: 0)
            // Throttled: 10 MB/s, 100 MB takes 10 s. Not applied: the network's 100 MB/s, 1 s.
            m.advance(to: 2)
            #expect((m.reassignments()[TopicPartition("t", 0)] == nil) == broken, "\(profile)")
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .subtract, "0:1")], validateOnly: false, at: 2)
            #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == (broken ? ",0:2" : "0:2"), "\(profile)")
        }
    }

    @Test func theBrokersParserRefusesEmptyItemsAndABadLeaderListStopsTheFollowerOne() {
        #expect(AppliedThrottledReplicas.parse(",0:1").failing == .every)
        #expect(AppliedThrottledReplicas.parse("0:1,,0:2").failing == .every)
        #expect(AppliedThrottledReplicas.parse("0:1,") == AppliedThrottledReplicas(replicas: .some([.init(partition: 0, broker: 1)]), failing: .none))
        #expect(AppliedThrottledReplicas.parse("") == .unset)
        #expect(AppliedThrottledReplicas.parse(" * ").replicas == .all)
        var topic = SimTopic(name: "t", id: [], partitions: [], configs: [Self.leaderKey: ",0:1", Self.followerKey: "0:2"])
        topic.refreshThrottles()
        #expect(!topic.leaderThrottled.contains(partition: 0, broker: 1) && !topic.followerThrottled.contains(partition: 0, broker: 2))
        topic.configs = [Self.leaderKey: "0:1", Self.followerKey: ",0:2"]
        topic.refreshThrottles()
        #expect(topic.leaderThrottled.contains(partition: 0, broker: 1) && !topic.followerThrottled.contains(partition: 0, broker: 2))
    }

    // MARK: untrimmed list values, duplicate keys (issue 12)

    /// Kafka never trims a list item: "0:1, 0:2" is stored as given, the validator (which trims)
    /// accepts it, SUBTRACT "0:2" leaves " 0:2", and the brokers' parser, which reads each item's
    /// numbers untrimmed, throws on " 0:2" only on broker 2, the broker it names.
    @Test func anUntrimmedItemIsKeptAndThrowsOnlyOnTheBrokerItNames() throws {
        let parsed = AppliedThrottledReplicas.parse("0:1, 0:2")
        #expect(parsed.failing == .brokers([2]))
        #expect(parsed.contains(partition: 0, broker: 1))
        #expect(!parsed.contains(partition: 0, broker: 2))
        #expect(AppliedThrottledReplicas.parse("0:1,0: 2").failing == .every)
        #expect(ThrottledReplicas.parse("0 : 1") == nil)
        for profile in [KafkaProfile.newest, try Self.profile("3.9", .zookeeper), try Self.profile("2.5")] {
            var m = try Self.model(profile)
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .set, "0:1, 0:2")], validateOnly: false, at: 0)
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .subtract, "0:2")], validateOnly: false, at: 0)
            #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == "0:1, 0:2", "\(profile)")
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .append, "0:3")], validateOnly: false, at: 0)
            #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == "0:1, 0:2,0:3", "\(profile)")
            try m.incrementalAlterConfigs(.topic, "t", [(Self.leaderKey, .subtract, " 0:2")], validateOnly: false, at: 0)
            #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == "0:1,0:3", "\(profile)")
        }
    }

    /// A key twice in one resource: INVALID_REQUEST, nothing applied (ConfigAdminManager from 3.2,
    /// ZooKeeper's AdminManager before); KRaft 2.8-3.1's controller keeps the last.
    @Test func duplicateConfigKeysAreRefusedWhereKafkaRefusesThem() throws {
        let twice: [(key: String, op: SimConfigOp, value: String?)] = [(Self.leaderKey, .set, "0:1"), (Self.leaderKey, .set, "0:2")]
        for (profile, refused) in [(KafkaProfile.newest, true), (try Self.profile("3.2", .kraft), true), (try Self.profile("2.5"), true),
                                   (try Self.profile("3.1", .zookeeper), true), (try Self.profile("3.1", .kraft), false)] {
            var m = try Self.model(profile)
            let code = Self.code { try m.incrementalAlterConfigs(.topic, "t", twice, validateOnly: false, at: 0) }
            #expect(code == (refused ? SimErrorCode.invalidRequest : nil), "\(profile)")
            #expect(try m.describeConfigs(.topic, "t", keys: [Self.leaderKey]).first?.value == (refused ? "" : "0:2"), "\(profile)")
            let legacy = Self.code { try m.alterConfigs(.topic, "t", [(Self.leaderKey, "0:1"), (Self.leaderKey, "0:3")], validateOnly: false, at: 0) }
            #expect(legacy == (profile.release >= KafkaRelease(3, 2) ? SimErrorCode.invalidRequest : nil), "\(profile)")
        }
        #expect(try Self.profile("3.1", .kraft).brokerConfigChangesOnlyOnThatBroker == false)
        #expect(try Self.profile("3.1", .zookeeper).brokerConfigChangesOnlyOnThatBroker)
        #expect(KafkaProfile.newest.brokerConfigChangesOnlyOnThatBroker)
    }
}
