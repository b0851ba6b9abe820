import KScaleCore
import Testing
@testable import KafkaSim

/// The controller's reassignment, cancel and deletion semantics by mode (issue 12), on the
/// engine with explicit simulated times: KRaft's `ReplicationControlManager` against ZooKeeper's
/// `KafkaController`/`TopicDeletionManager`.
struct ControllerSemanticsTests {
    static let mb: Int64 = 1_000_000
    let t0 = TopicPartition("t", 0)
    let t1 = TopicPartition("t", 1)

    /// Seven brokers; topic "t" with two partitions of 100 MB, copied at 100 MB/s.
    func model(_ profile: KafkaProfile, partitions: [[BrokerID]] = [[1, 2, 3], [2, 3, 4]]) throws -> ClusterModel {
        let snapshot = ClusterSnapshot(
            brokers: (1...7).map { Broker(id: BrokerID($0), rack: "r\($0 % 2)") },
            topics: [
                TopicState(name: "t", partitions: partitions.enumerated().map {
                    PartitionState(partition: Int32($0.offset), replicas: $0.element, size: 100 * Self.mb)
                }),
                TopicState(name: "idle", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: Self.mb)]),
            ])
        return try ClusterModel(snapshot: snapshot, settings: .init(brokerNetworkBytesPerSec: 100e6, profile: profile))
    }

    static func zookeeper() throws -> KafkaProfile { try KafkaProfile(version: "3.3", mode: .zookeeper) }

    @Test func theModeDecidesTheSemantics() throws {
        for version in ["2.5", "2.8", "3.3", "3.9"] {
            #expect(try KafkaProfile(version: version, mode: .zookeeper).controllerSemantics == .zookeeper)
        }
        for version in ["2.8", "3.3", "3.9", "4.0", "4.3"] {
            #expect(try KafkaProfile(version: version, mode: .kraft).controllerSemantics == .kraft)
        }
    }

    // MARK: deletion

    @Test func kraftDeletesATopicUnderReassignmentAtOnceWithItsMoves() throws {
        var m = try model(.newest)
        try m.alterReassignment(t0, target: [4, 5, 6], at: 0)
        #expect(try m.deleteTopic("t", at: 0.1) == .deleted)
        #expect(!m.topicNames.contains("t"))
        #expect(m.reassignments().isEmpty)
    }

    @Test func zookeeperDefersDeletionUntilTheMovesEnd() throws {
        var m = try model(try Self.zookeeper())
        try m.alterReassignment(t0, target: [4, 5, 6], at: 0)
        #expect(try m.deleteTopic("t", at: 0.1) == .queued)
        // Still there, still moving; no new reassignment of it, no cancel either.
        #expect(m.topicNames.contains("t"))
        #expect(m.isQueuedForDeletion("t"))
        #expect(m.reassignments()[t0] != nil)
        for target in [[5, 6, 7], nil] as [[BrokerID]?] {
            #expect {
                try m.alterReassignment(t1, target: target ?? [5, 6, 7], at: 0.2)
            } throws: { ($0 as? SimFailure)?.code == SimErrorCode.unknownTopicOrPartition }
        }
        #expect { try m.alterReassignment(t0, target: nil, at: 0.2) } throws: { ($0 as? SimFailure)?.code == SimErrorCode.unknownTopicOrPartition }
        // 100 MB to each of three followers sharing the leader's 100 MB/s: done by 3 s, and the
        // topic goes with it.
        m.advance(to: 2.9)
        #expect(m.topicNames.contains("t"))
        m.advance(to: 3.1)
        #expect(!m.topicNames.contains("t"))
        #expect(!m.isQueuedForDeletion("t"))
    }

    @Test func eitherModeDeletesATopicWithNothingMovingAtOnce() throws {
        for profile in [KafkaProfile.newest, try Self.zookeeper()] {
            var m = try model(profile)
            try m.alterReassignment(t0, target: [4, 5, 6], at: 0)
            #expect(try m.deleteTopic("idle", at: 0.1) == .deleted, "\(profile)")
            #expect(!m.topicNames.contains("idle"), "\(profile)")
        }
    }

    // MARK: re-target

    /// A second target over a move in flight: KRaft starts from the current (merged) replicas,
    /// ZooKeeper from the original ones, stopping the replicas the first target was adding.
    @Test func aNewTargetOverAMoveInFlightStartsFromCurrentOnKRaftAndOriginalOnZooKeeper() throws {
        var kraft = try model(.newest)
        try kraft.alterReassignment(t0, target: [4, 5, 6], at: 0)
        try kraft.alterReassignment(t0, target: [1, 2, 7], at: 0.5)
        let k = try #require(kraft.reassignments()[t0])
        #expect(k.replicas == [1, 2, 7, 4, 5, 6, 3])
        #expect(k.adding == [7])
        #expect(k.removing == [4, 5, 6, 3])

        var zk = try model(try Self.zookeeper())
        try zk.alterReassignment(t0, target: [4, 5, 6], at: 0)
        try zk.alterReassignment(t0, target: [1, 2, 7], at: 0.5)
        let z = try #require(zk.reassignments()[t0])
        #expect(z.replicas == [1, 2, 7, 3])
        #expect(z.adding == [7])
        #expect(z.removing == [3])
        // The move completes on the new target only: 7 copies 100 MB from 0.5 s.
        zk.advance(to: 1.6)
        #expect(zk.partitionView("t", 0)?.replicas == [1, 2, 7])
    }

    // MARK: cancel

    /// The move's new replicas 4, 5 and 6: 4 caught up (in the ISR), 5 and 6 not; then the
    /// original replicas 1, 2, 3 all left the ISR (stopped, then restarted with no time passing).
    func moveWithNoOriginalInSync(_ profile: KafkaProfile) throws -> ClusterModel {
        var m = try model(profile)
        try m.alterReassignment(t0, target: [4, 5, 6], at: 0)
        try m.stopBroker(5, at: 0)
        try m.stopBroker(6, at: 0)
        m.advance(to: 2)
        for broker in [1, 2, 3] as [BrokerID] { try m.stopBroker(broker, at: 2) }
        for broker in [1, 2, 3, 5, 6] as [BrokerID] { try m.startBroker(broker, at: 2) }
        let p = try #require(m.partitionView("t", 0))
        #expect(p.isr == [4])
        return m
    }

    @Test func kraftRefusesACancelThatWouldNeedAnUncleanElection() throws {
        var m = try moveWithNoOriginalInSync(.newest)
        #expect {
            try m.alterReassignment(t0, target: nil, at: 2)
        } throws: { error in
            guard let failure = error as? SimFailure else { return false }
            return failure.code == SimErrorCode.invalidReplicaAssignment && (failure.message ?? "").contains("unclean leader election")
        }
        #expect(m.reassignments()[t0] != nil, "nothing applied")
        // The topic allowing unclean election: reverted, the first original replica the ISR.
        try m.incrementalAlterConfigs(.topic, "t", [(key: "unclean.leader.election.enable", op: .set, value: "true")], validateOnly: false, at: 2)
        try m.alterReassignment(t0, target: nil, at: 2)
        let p = try #require(m.partitionView("t", 0))
        #expect(p.replicas == [1, 2, 3])
        #expect(p.isr == [1])
        #expect(p.leader == 1)
    }

    @Test func zookeeperCancelIsAReassignmentBackThatAddsNothingAndIsNeverRefused() throws {
        var m = try moveWithNoOriginalInSync(try Self.zookeeper())
        try m.alterReassignment(t0, target: nil, at: 2)
        #expect(m.reassignments()[t0] == nil)
        let p = try #require(m.partitionView("t", 0))
        #expect(p.replicas == [1, 2, 3])
        // No original replica in sync: the partition is left without a leader, as ZooKeeper's
        // controller leaves it (ReassignPartitionLeaderElectionStrategy finds none).
        #expect(p.leader == nil)
        // An ordinary cancel: the originals in sync, reverted at once.
        var ordinary = try model(try Self.zookeeper())
        try ordinary.alterReassignment(t1, target: [5, 6, 7], at: 0)
        try ordinary.alterReassignment(t1, target: nil, at: 0.5)
        #expect(ordinary.reassignments()[t1] == nil)
        #expect(ordinary.partitionView("t", 1)?.replicas == [2, 3, 4])
        #expect(ordinary.partitionView("t", 1)?.leader == 2)
    }
}
