import Foundation
import KafkaAdmin
import KScaleCore
import Testing
@testable import KScaleExec

/// Issue 12 finding 4, the pure rules on observations built by hand: on KRaft the quorum decides
/// (a voter is never SAFE TO STOP; Metadata's "controller" id means nothing), on ZooKeeper the
/// controller does.
@Suite("Lifecycle: KRaft quorum voters and the controller verdict")
struct QuorumSafetyTests {
    typealias F = LifecycleFixture

    /// Four brokers, broker 4 empty; Metadata names broker 4 the controller.
    static func reading(_ quorum: MetadataQuorumReading) -> ClusterObservation {
        var o = F.observation(brokers: 4, partitions: [("t", 0, [1, 2]), ("t", 1, [2, 3])], controller: 4)
        o.quorum = quorum
        return o
    }

    static let dedicated = QuorumDescription(leaderID: 3001, leaderEpoch: 5, voters: [3000, 3001, 3002], observers: [1, 2, 3, 4])
    static let combined = QuorumDescription(leaderID: 1, leaderEpoch: 2, voters: [1, 2, 4], observers: [3])

    @Test func onZooKeeperTheControllerIsNotSafeToStop() {
        let v = BrokerVerdict.judge(4, in: Self.reading(.zookeeper))
        #expect(!v.isSafe && v.isController && !v.kraft)
        #expect(v.description == "broker 4: NOT SAFE (it is the controller)")
        #expect(ScaleInSafety.refusals(removing: [4], in: Self.reading(.zookeeper)).isEmpty)
    }

    @Test func onKRaftTheBrokerMetadataCallsControllerIsSafeWhenEmpty() {
        let o = Self.reading(.kraft(Self.dedicated))
        let v = BrokerVerdict.judge(4, in: o)
        #expect(v.isSafe)
        #expect(!v.isController)
        #expect(v.description == "broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)")
        #expect(ScaleInSafety.refusals(removing: [4], in: o).isEmpty)
        // Data still counts on KRaft.
        #expect(BrokerVerdict.judge(3, in: o).description == "broker 3: NOT SAFE (1 replica: t-1)")
    }

    @Test func aCombinedModeVoterIsNeverSafeToStopAndIsRefused() throws {
        let o = Self.reading(.kraft(Self.combined))
        let v = BrokerVerdict.judge(4, in: o)
        #expect(!v.isSafe && v.isQuorumVoter && !v.isController)
        #expect(v.description.hasPrefix("broker 4: NOT SAFE (it is a KRaft quorum voter: removing a voter needs a controller membership change first (KIP-853"))
        #expect(v.description.contains("kafka-metadata-quorum remove-controller"))
        let refusals = ScaleInSafety.refusals(removing: [3, 4], in: o)
        #expect(refusals.map(\.kind) == [.quorumVoter])
        #expect(refusals.first?.message.hasPrefix("brokers 4 are KRaft quorum voters (process.roles=broker,controller): removing a voter") == true)
        // Broker 3 observes: it is judged by its data alone.
        #expect(ScaleInSafety.refusals(removing: [3], in: o).isEmpty)
        let json = String(decoding: try JSONEncoder().encode(v), as: UTF8.self)
        #expect(json.contains("\"is_quorum_voter\":true") && json.contains("\"safe\":false") && json.contains("\"kraft\":true"))
        let back = try JSONDecoder().decode(BrokerVerdict.self, from: Data(json.utf8))
        #expect(back == v)
    }

    @Test func anUnreadQuorumLeavesEveryBrokerUnjudgedAsAVoter() {
        let o = Self.reading(.kraftUnread(reason: "DescribeQuorum: REQUEST_TIMED_OUT"))
        let v = BrokerVerdict.judge(4, in: o)
        #expect(!v.isSafe)
        #expect(v.description.contains("the metadata quorum could not be read (DescribeQuorum: REQUEST_TIMED_OUT): it may be a voter"))
        let refusal = ScaleInSafety.refusals(removing: [4], in: o)
        #expect(refusal.map(\.kind) == [.quorumVoter])
        #expect(refusal.first?.message.contains("whether brokers 4 are KRaft voters is unknown") == true)
    }

    @Test func aVerdictJournaledBeforeTheQuorumFieldsStillReads() throws {
        let old = #"{"broker":4,"replicas":[],"leaders":[],"is_controller":false,"safe":true}"#
        let v = try JSONDecoder().decode(BrokerVerdict.self, from: Data(old.utf8))
        #expect(v.isSafe && !v.isQuorumVoter && v.quorumUnknown == nil)
    }

    @Test func describeMarksTheZooKeeperControllerOrACombinedLeaderOnly() {
        #expect(Self.reading(.zookeeper).markedController == 4)
        #expect(Self.reading(.notRead).markedController == 4)
        #expect(Self.reading(.kraft(Self.dedicated)).markedController == nil)
        #expect(Self.reading(.kraft(Self.combined)).markedController == 1)
        let summary = ClusterSummary(Self.reading(.kraft(Self.dedicated)))
        #expect(summary.controllerID == 3001 && summary.metadataMode == "kraft" && summary.quorumVoters == [3000, 3001, 3002])
        #expect(!summary.brokers.contains { $0.isController })
        #expect(ClusterSummary(Self.reading(.kraft(Self.combined))).brokers.filter(\.isController).map(\.id) == [1])
        let zk = ClusterSummary(Self.reading(.zookeeper))
        #expect(zk.controllerID == 4 && zk.metadataMode == "zookeeper" && zk.quorumVoters == nil)
    }

    @Test func cordonsNeedMetadataVersion43() {
        var o = Self.reading(.kraft(Self.dedicated))
        o.finalizedFeatures = [MetadataVersion.featureName: 30]
        #expect(o.cordonUnavailableReason == nil)
        o.finalizedFeatures = [MetadataVersion.featureName: 29]
        #expect(o.cordonUnavailableReason?.hasPrefix("the cluster's metadata.version is 4.2-IV1 (level 29); cordons (KIP-1066) need 4.3-IV0 (level 30) or later") == true)
        o.finalizedFeatures = [:]
        #expect(o.cordonUnavailableReason?.contains("reports no metadata.version") == true)
        o.finalizedFeatures = nil
        #expect(o.cordonUnavailableReason?.contains("was not read") == true)
    }
}
