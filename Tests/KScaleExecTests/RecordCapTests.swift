import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTime
import KScaleTestSupport
import Testing
@testable import KScaleExec

/// Issue 12 finding 3: KRaft (3.5 on) refuses a request that would write more than 10,000 metadata
/// records whole (POLICY_VIOLATION, nothing applied). A scale-in of a broker that leads 12,000
/// partitions, and `kscale elect-leaders` over 12,000, go through in chunks on the 4.3 profile.
@Suite("KRaft's record cap", .serialized, .timeLimit(.minutes(5)), .offThePool)
struct RecordCapTests {
    static let partitions = 12_000

    /// Brokers 1-6 on one rack; topic "big" with 12,000 partitions, each led by broker 4 and
    /// followed by one of 1, 2, 3, 5, 6.
    static func cluster() async throws -> EngineCluster {
        let others: [BrokerID] = [1, 2, 3, 5, 6]
        let assignment = (0..<partitions).map { p -> [BrokerID] in [4, others[p % others.count]] }
        return try await EngineCluster(brokers: (1...6).map { (BrokerID($0), "r") }, topics: [("big", assignment, 1_000)])
    }

    @Test func theEngineRefusesOneRequestOverTheCapWhole() async throws {
        let c = try await Self.cluster()
        let all = (0..<Int32(Self.partitions)).map { TopicPartition("big", $0) }
        let failed = try await c.admin.alterReassignments(Dictionary(uniqueKeysWithValues: all.map { ($0, Optional([BrokerID(1), 4])) }))
        #expect(failed.count == Self.partitions)
        #expect(failed.values.allSatisfy { $0.name == "POLICY_VIOLATION" })
        #expect(try await c.inFlightCount() == 0)
    }

    @Test func aScaleInOfABrokerLeading12000PartitionsMovesLeadershipFirstInChunks() async throws {
        let c = try await Self.cluster()
        let leadersAtDrain = LifecycleLeaderProbe()
        let events = WarningLog()
        var flows = LifecycleFlowTests.flows(c, execute: true) { cluster, _ in
            let o = try? await ClusterObservation.read(from: cluster)
            await leadersAtDrain.record(o?.partitions.filter { $0.1.leader == 4 }.count ?? -1)
        }
        flows.emit = { if $0.step == "warning" { events.add($0.message) } }
        let report = try await flows.scaleIn(removing: [4])
        // When the data started moving, broker 4 led nothing any more: the reorders and the
        // election went through.
        #expect(await leadersAtDrain.values == [0])
        #expect(events.all.isEmpty, "\(events.all.prefix(3))")
        #expect(await c.electionRequests.allSatisfy { $0.count <= RequestChunks.maxItems })
        #expect(await c.electionRequests.reduce(0) { $0 + $1.count } >= Self.partitions)
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(report.exitCode == 0)
    }

    @Test func electLeadersOver12000PartitionsElectsThemAll() async throws {
        let c = try await Self.cluster()
        // Broker 4 restarts: every partition is led by its follower, 4 is preferred and in sync.
        try await c.stop(4)
        try await c.start(4)
        await c.completeMoves()
        let before = try await ClusterObservation.read(from: c)
        #expect(before.partitions.filter { $0.1.leader == 4 }.isEmpty)
        let result = try await LeaderElection.run(in: before, among: nil, admin: DryRunAdmin(c, execute: true))
        #expect(result.changes.count == Self.partitions)
        #expect(result.failed.isEmpty, "\(result.failed.prefix(3))")
        let after = try await ClusterObservation.read(from: c)
        #expect(after.partitions.filter { $0.1.leader == 4 }.count == Self.partitions)
        #expect(await c.electionRequests.allSatisfy { $0.count <= RequestChunks.maxItems })
    }
}

/// Warnings a flow emitted, kept in order as they come (the emit hook is synchronous).
final class WarningLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func add(_ message: String) { lock.withLock { messages.append(message) } }
    var all: [String] { lock.withLock { messages } }
}
