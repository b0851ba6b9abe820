import KScaleCore
import KafkaProtocol
import KScaleTestSupport
import Testing
@testable import KafkaSim

/// Engine rules checked on explicit simulated times: no sockets, exact numbers.
@Suite(.offThePool) struct ClusterModelTests {
    static let mb: Int64 = 1_000_000

    func model(brokers: Int = 4, partitions: [[BrokerID]] = [[1, 2], [2, 3]], size: Int64 = 100 * mb,
               network: Double = 100e6, ingest: Double = 0) throws -> ClusterModel {
        let snap = ClusterSnapshot(
            brokers: (1...brokers).map { Broker(id: BrokerID($0), rack: "r\($0 % 2)") },
            topics: [TopicState(name: "t", partitions: partitions.enumerated().map {
                PartitionState(partition: Int32($0.offset), replicas: $0.element, size: size)
            })])
        return try ClusterModel(snapshot: snap, settings: .init(brokerNetworkBytesPerSec: network, ingestBytesPerSecPerPartition: ingest))
    }

    let t0 = TopicPartition("t", 0)
    let t1 = TopicPartition("t", 1)

    @Test func reassignmentReportsMergedReplicasThenCompletesAtNetworkRate() throws {
        var m = try model()
        try m.alterReassignment(t0, target: [3, 2], at: 0)
        let r = try #require(m.reassignments()[t0])
        #expect(r.replicas == [3, 2, 1])
        #expect(r.adding == [3])
        #expect(r.removing == [1])
        // 100 MB at 100 MB/s: not done at 0.9 s, done by 1.1 s.
        m.advance(to: 0.9)
        #expect(m.reassignments()[t0] != nil)
        let move = try #require(m.state().move(t0))
        #expect(abs(Double(move.copiedBytes["3"] ?? 0) - 90e6) < 1)
        m.advance(to: 1.1)
        #expect(m.reassignments()[t0] == nil)
        let p = try #require(m.partitionView("t", 0))
        #expect(p.replicas == [3, 2])
        #expect(Set(p.isr) == [2, 3])
        // Broker 1 led and left: the first live in-sync target replica leads.
        #expect(p.leader == 3)
        #expect(p.leaderEpoch == 1)
    }

    @Test func throttleLimitsAndIsSharedAmongReplicasABrokerServes() throws {
        var m = try model(partitions: [[1, 2], [1, 3]])
        try m.incrementalAlterConfigs(.broker, "1", [("leader.replication.throttled.rate", .set, "10000000")], validateOnly: false, at: 0)
        try m.incrementalAlterConfigs(.topic, "t", [("leader.replication.throttled.replicas", .set, "*")], validateOnly: false, at: 0)
        try m.alterReassignment(t0, target: [1, 4], at: 0)
        try m.alterReassignment(t1, target: [1, 4], at: 0)
        // Two throttled replicas share broker 1's 10 MB/s: 5 MB/s each, 100 MB takes 20 s.
        m.advance(to: 10)
        #expect(abs(Double(m.state().move(t0)?.copiedBytes["4"] ?? 0) - 50e6) < 1)
        m.advance(to: 19.9)
        #expect(m.reassignments().count == 2)
        m.advance(to: 20.1)
        #expect(m.reassignments().isEmpty)
    }

    @Test func unlistedPartitionIsNotThrottled() throws {
        var m = try model(partitions: [[1, 2], [1, 3]])
        try m.incrementalAlterConfigs(.broker, "4", [("follower.replication.throttled.rate", .set, "1000000")], validateOnly: false, at: 0)
        try m.incrementalAlterConfigs(.topic, "t", [("follower.replication.throttled.replicas", .set, "0:4")], validateOnly: false, at: 0)
        try m.alterReassignment(t0, target: [1, 4], at: 0)
        try m.alterReassignment(t1, target: [1, 4], at: 0)
        // Partition 1 is not listed: it shares the network (50 MB/s each) and finishes in 2 s;
        // partition 0 is held to 1 MB/s.
        m.advance(to: 2.1)
        #expect(m.reassignments()[t1] == nil)
        #expect(m.reassignments()[t0] != nil)
        #expect(abs(Double(m.state().move(t0)?.copiedBytes["4"] ?? 0) - 2.1e6) < 1e3)
    }

    @Test func throttleBelowIngestNeverFinishes() throws {
        var m = try model(ingest: 2e6)
        try m.incrementalAlterConfigs(.broker, "3", [("follower.replication.throttled.rate", .set, "1000000")], validateOnly: false, at: 0)
        try m.incrementalAlterConfigs(.topic, "t", [("follower.replication.throttled.replicas", .append, "0:3")], validateOnly: false, at: 0)
        try m.alterReassignment(t0, target: [2, 3], at: 0)
        m.advance(to: 10_000)
        #expect(m.reassignments()[t0] != nil)
        // The log keeps growing at 2 MB/s while the copy crawls at 1 MB/s.
        let move = try #require(m.state().move(t0))
        #expect(move.sizeBytes > 20_000 * Self.mb)
        #expect(move.copiedBytes["3"] == 10_000 * Self.mb)
    }

    @Test func ingestAboveZeroStillCompletesWhenCopyIsFaster() throws {
        var m = try model(ingest: 10e6)
        try m.alterReassignment(t0, target: [1, 4], at: 0)
        // Closing speed 90 MB/s over a 100 MB gap: 1.11 s.
        m.advance(to: 1.0)
        #expect(m.reassignments()[t0] != nil)
        m.advance(to: 1.2)
        #expect(m.reassignments()[t0] == nil)
    }

    @Test func cancelRevertsToOriginalReplicas() throws {
        var m = try model()
        try m.alterReassignment(t0, target: [3, 4], at: 0)
        #expect(m.partitionView("t", 0)?.replicas == [3, 4, 1, 2])
        try m.alterReassignment(t0, target: nil, at: 0.5)
        let p = try #require(m.partitionView("t", 0))
        #expect(p.replicas == [1, 2])
        #expect(p.isr == [1, 2])
        #expect(p.adding.isEmpty && p.removing.isEmpty)
        #expect(throws: SimFailure.self) { try m.alterReassignment(t0, target: nil, at: 1) }
        do {
            try m.alterReassignment(t0, target: nil, at: 1)
        } catch {
            #expect(error.code == SimErrorCode.noReassignmentInProgress)
        }
    }

    @Test func shrinkCompletesImmediately() throws {
        var m = try model(partitions: [[1, 2, 3]])
        try m.alterReassignment(t0, target: [2, 3], at: 0)
        let p = try #require(m.partitionView("t", 0))
        #expect(p.replicas == [2, 3])
        #expect(p.leader == 2)
        #expect(m.reassignments().isEmpty)
    }

    @Test func invalidTargetsAreRefusedWithKafkasErrors() throws {
        var m = try model()
        func code(_ tp: TopicPartition, _ target: [BrokerID]?) -> Int16? {
            do { try m.alterReassignment(tp, target: target, at: 0); return nil } catch { return error.code }
        }
        #expect(code(t0, [1, 1]) == SimErrorCode.invalidReplicaAssignment)
        #expect(code(t0, [1, 99]) == SimErrorCode.invalidReplicaAssignment)
        #expect(code(t0, []) == SimErrorCode.invalidReplicaAssignment)
        #expect(code(TopicPartition("t", 7), [1]) == SimErrorCode.unknownTopicOrPartition)
        #expect(code(TopicPartition("nope", 0), [1]) == SimErrorCode.unknownTopicOrPartition)
    }

    @Test func stoppedBrokerFailsOverStallsMovesAndCatchesUpWhenStarted() throws {
        var m = try model()
        try m.alterReassignment(t1, target: [2, 4], at: 0)
        try m.stopBroker(4, at: 0.5)
        try m.stopBroker(2, at: 0.5)
        // Partition 0 was led by 1; partition 1 was led by 2 and fails over to 3.
        #expect(m.partitionView("t", 1)?.leader == 3)
        #expect(m.partitionView("t", 1)?.isr == [3])
        #expect(m.partitionView("t", 1)?.offlineReplicas == [2, 4])
        #expect(m.partitionView("t", 0)?.isr == [1])
        // The move onto the stopped broker 4 makes no progress.
        let before = m.state().move(t1)?.copiedBytes["4"]
        m.advance(to: 100)
        #expect(m.state().move(t1)?.copiedBytes["4"] == before)
        try m.startBroker(4, at: 100)
        try m.startBroker(2, at: 100)
        m.advance(to: 103)
        #expect(m.reassignments().isEmpty)
        #expect(m.partitionView("t", 1)?.replicas == [2, 4])
        #expect(Set(m.partitionView("t", 0)?.isr ?? []) == [1, 2])
        // Broker 3 left partition 1, which it led: the first in-sync target, broker 2, leads.
        #expect(m.partitionView("t", 1)?.leader == 2)
        // Partition 0 fails over to 2 when 1 stops; preferred election gives it back to 1 once it is in sync.
        try m.stopBroker(1, at: 103)
        #expect(m.partitionView("t", 0)?.leader == 2)
        try m.startBroker(1, at: 104)
        do { try m.electLeader(t0, unclean: false, at: 104); Issue.record("expected PREFERRED_LEADER_NOT_AVAILABLE before catch-up") } catch {
            #expect(error.code == SimErrorCode.preferredLeaderNotAvailable)
        }
        try m.electLeader(t0, unclean: false, at: 110)
        #expect(m.partitionView("t", 0)?.leader == 1)
    }

    @Test func lastInSyncReplicaStaysInISRAndLeadsAgainOnRestart() throws {
        var m = try model(partitions: [[1]])
        try m.stopBroker(1, at: 0)
        #expect(m.partitionView("t", 0)?.leader == nil)
        #expect(m.partitionView("t", 0)?.isr == [1])
        try m.startBroker(1, at: 1)
        #expect(m.partitionView("t", 0)?.leader == 1)
    }

    @Test func controllerMovesOffAStoppedBroker() throws {
        var m = try model()
        try m.moveController(to: 3, at: 0)
        #expect(m.controller == 3)
        try m.stopBroker(3, at: 0)
        #expect(m.controller == 1)
        #expect(throws: InvalidInput.self) { try m.moveController(to: 3, at: 0) }
    }

    @Test func preferredElectionErrors() throws {
        var m = try model()
        do { try m.electLeader(t0, unclean: false, at: 0); Issue.record("expected ELECTION_NOT_NEEDED") } catch {
            #expect(error.code == SimErrorCode.electionNotNeeded)
        }
    }

    @Test func incrementalAlterConfigsAppendSubtractDelete() throws {
        var m = try model()
        let key = "leader.replication.throttled.replicas"
        try m.incrementalAlterConfigs(.topic, "t", [(key, .append, "0:1,0:2")], validateOnly: false, at: 0)
        try m.incrementalAlterConfigs(.topic, "t", [(key, .append, "0:2,1:3")], validateOnly: false, at: 0)
        #expect(try m.describeConfigs(.topic, "t", keys: [key]).first?.value == "0:1,0:2,1:3")
        try m.incrementalAlterConfigs(.topic, "t", [(key, .subtract, "0:1")], validateOnly: false, at: 0)
        #expect(try m.describeConfigs(.topic, "t", keys: [key]).first?.value == "0:2,1:3")
        try m.incrementalAlterConfigs(.topic, "t", [(key, .delete, nil)], validateOnly: false, at: 0)
        let entry = try #require(try m.describeConfigs(.topic, "t", keys: [key]).first)
        #expect(entry.isDefault && entry.source == .defaultConfig && entry.value == "")
        func code(_ body: () throws -> Void) -> Int16? { do { try body(); return nil } catch let e as SimFailure { return e.code } catch { return -2 } }
        #expect(code { try m.incrementalAlterConfigs(.topic, "t", [("retention.ms", .append, "5")], validateOnly: false, at: 0) } == SimErrorCode.invalidConfig)
        #expect(code { try m.incrementalAlterConfigs(.topic, "t", [(key, .set, "0-1")], validateOnly: false, at: 0) } == SimErrorCode.invalidConfig)
        #expect(code { try m.incrementalAlterConfigs(.topic, "t", [("no.such.config", .set, "1")], validateOnly: false, at: 0) } == SimErrorCode.invalidConfig)
        #expect(code { try m.incrementalAlterConfigs(.broker, "1", [("broker.rack", .set, "x")], validateOnly: false, at: 0) } == SimErrorCode.invalidRequest)
        #expect(code { try m.incrementalAlterConfigs(.topic, "zz", [("retention.ms", .set, "5")], validateOnly: false, at: 0) } == SimErrorCode.unknownTopicOrPartition)
    }

    @Test func alterConfigsReplacesTheWholeSet() throws {
        var m = try model()
        try m.incrementalAlterConfigs(.topic, "t", [("retention.ms", .set, "1000"), ("cleanup.policy", .set, "compact")], validateOnly: false, at: 0)
        try m.alterConfigs(.topic, "t", [("retention.ms", "2000")], validateOnly: false, at: 0)
        let entries = try m.describeConfigs(.topic, "t", keys: nil)
        #expect(entries.first { $0.name == "retention.ms" }?.value == "2000")
        #expect(entries.first { $0.name == "cleanup.policy" }?.isDefault == true)
    }

    @Test func brokerConfigsReportSourcesAndDefaults() throws {
        var m = try model()
        let rate = "leader.replication.throttled.rate"
        #expect(try m.describeConfigs(.broker, "2", keys: [rate]).first?.isDefault == true)
        try m.incrementalAlterConfigs(.broker, "", [(rate, .set, "5")], validateOnly: false, at: 0)
        #expect(try m.describeConfigs(.broker, "2", keys: [rate]).first?.source == .dynamicDefaultBroker)
        try m.incrementalAlterConfigs(.broker, "2", [(rate, .set, "7")], validateOnly: false, at: 0)
        let e = try #require(try m.describeConfigs(.broker, "2", keys: [rate]).first)
        #expect(e.value == "7" && e.source == .dynamicBroker && !e.isDefault)
        #expect(try m.describeConfigs(.broker, "2", keys: ["broker.rack"]).first?.value == "r0")
    }

    @Test func topicsAndPartitionsAreCreatedAndDeleted() throws {
        var m = try model()
        let created = try m.createTopic(SimNewTopic(name: "new", numPartitions: 6, replicationFactor: 3), validateOnly: false, at: 0)
        #expect(created.numPartitions == 6)
        let views = m.partitionViews("new")
        #expect(views.count == 6 && views.allSatisfy { Set($0.replicas).count == 3 })
        // Leaders spread over all four brokers.
        #expect(Set(views.compactMap(\.leader)).count == 4)
        func code(_ body: () throws -> Void) -> Int16? { do { try body(); return nil } catch let e as SimFailure { return e.code } catch { return -2 } }
        #expect(code { _ = try m.createTopic(SimNewTopic(name: "new"), validateOnly: false, at: 0) } == SimErrorCode.topicAlreadyExists)
        #expect(code { _ = try m.createTopic(SimNewTopic(name: "bad name"), validateOnly: false, at: 0) } == SimErrorCode.invalidTopic)
        #expect(code { _ = try m.createTopic(SimNewTopic(name: "x", numPartitions: 1, replicationFactor: 5), validateOnly: false, at: 0) } == SimErrorCode.invalidReplicationFactor)
        try m.createPartitions("new", totalCount: 8, assignments: [[1, 2, 3], [2, 3, 4]], validateOnly: false, at: 0)
        #expect(m.partitionView("new", 7)?.replicas == [2, 3, 4])
        try m.createPartitions("new", totalCount: 9, assignments: nil, validateOnly: false, at: 0)
        #expect(m.partitionCount("new") == 9)
        #expect(code { try m.createPartitions("new", totalCount: 9, assignments: nil, validateOnly: false, at: 0) } == SimErrorCode.invalidPartitions)
        #expect(code { try m.createPartitions("new", totalCount: 10, assignments: [[1, 2]], validateOnly: false, at: 0) } == SimErrorCode.invalidReplicaAssignment)
        _ = try m.deleteTopic("new", at: 0)
        #expect(m.partitionCount("new") == nil)
    }

    @Test func storedBatchesAreBoundedAndTheLogStartFollowsThem() throws {
        var m = try model(size: 0)
        let value = [UInt8](repeating: 7, count: 1 << 20)
        let batch = try RecordBatch.encode([KafkaRecord(key: nil, value: value)])
        let batches = SimDefaults.storedRecordBytesPerPartition / batch.count + 2
        for index in 0..<batches { #expect(try m.append(t0, on: 1, records: batch, at: 0).baseOffset == Int64(index)) }
        let start = try m.listOffset(t0, timestamp: -2)
        #expect(start > 0)
        #expect(try m.listOffset(t0, timestamp: -1) == Int64(batches))
        let kept = try #require(m.partition(t0)?.storedLog)
        #expect(kept.storedBytes <= SimDefaults.storedRecordBytesPerPartition)
        #expect(kept.batches.first?.baseOffset == start)
        // A later partition of a fetch gets nothing when its first batch does not fit (only the
        // first non-empty partition may exceed the limit).
        #expect(m.storedRecords(t0, from: start, maxBytes: 100, firstAlways: false)?.records.isEmpty == true)
        #expect(m.storedRecords(t0, from: start, maxBytes: 100, firstAlways: true)?.records.count == batch.count)
        #expect(m.storedRecords(t0, from: start, maxBytes: 2 * batch.count, firstAlways: true)?.records.count == 2 * batch.count)
    }

    @Test func produceAppendsAndLogDirsReportSizesAndLag() throws {
        var m = try model(size: 0)
        let base = try m.produce(t0, on: 1, records: 5, bytes: 500, at: 0)
        #expect(base == 0)
        #expect(try m.produce(t0, on: 1, records: 3, bytes: 300, at: 0) == 5)
        #expect(try m.listOffset(t0, timestamp: -1) == 8)
        #expect(throws: SimFailure.self) { _ = try m.produce(t0, on: 2, records: 1, bytes: 1, at: 0) }
        let logDir = m.logDirs(broker: 1, at: 0)
        let dir = try #require(logDir)
        #expect(dir.replicas.first { $0.partition == 0 }?.size == 800)
        #expect(dir.totalBytes - dir.usableBytes == 800)
    }

    /// A snapshot's cordoned broker starts cordoned (KIP-1066): new topics avoid it, and the
    /// state the simulator reports marks it.
    @Test func aSnapshotsCordonedBrokerStartsCordoned() throws {
        var snap = ClusterSnapshot(brokers: (1...4).map { Broker(id: BrokerID($0)) }, topics: [])
        snap.brokers[1].cordoned = true
        var m = try ClusterModel(snapshot: snap)
        #expect(m.isCordoned(2) && !m.isCordoned(1))
        let created = try m.createTopic(SimNewTopic(name: "new", numPartitions: 6, replicationFactor: 3), validateOnly: false, at: 0)
        #expect(created.numPartitions == 6)
        let placed = m.partitionViews("new").map(\.replicas)
        #expect(placed.count == 6 && placed.allSatisfy { !$0.contains(2) })
        #expect(m.state().snapshot.brokers.map(\.cordoned) == [nil, true, nil, nil])
    }
}
