import Foundation
import Testing
import KafkaAdmin
import KScaleCore
@testable import KScaleExec

/// Issue 12 item 7: a rollback onto a still-cordoned broker. A run that gives replicas to a
/// broker with a per-broker cordon lifts it first (journaled with its value), a cancel sets it
/// back exactly, and a finished run leaves the broker in service.
struct CordonLiftTests {
    static let key = ClusterObservation.cordonKey

    static func cordon(of broker: BrokerID, _ c: EngineCluster) async throws -> String? {
        try await c.describeConfigs([.broker(broker)])[.broker(broker)]?.first { $0.name == key && $0.source == .dynamicBroker }?.value
    }

    @Test func aRunOntoACordonedBrokerLiftsItFirstAndACancelPutsItBack() async throws {
        let fixture = ExecutorTests()
        let c = try await fixture.cluster()
        try await c.setBrokerConfig(7, Self.key, "/var/lib/kafka/data")
        let plan = try await fixture.scaleOut(c)     // first replicas onto 7, 8, 9
        let dir = temporaryDirectory()
        c.clock.dieAfterSleeps = 3
        await #expect(throws: CancellationError.self) {
            try await fixture.run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        }
        c.clock.dieAfterSleeps = nil
        #expect(try await Self.cordon(of: 7, c) == nil, "lifted before replicas move onto it")
        let records = try Journal.read(path: dir + "/journal.jsonl")
        let lift = try #require(records.first { $0.type == .cordonLifted })
        #expect(lift.broker == 7 && lift.previous == "/var/lib/kafka/data")
        // Journaled before the first submission (write-ahead).
        let firstSubmit = records.firstIndex { $0.type == .partition && $0.state == PartitionPhase.submitted.rawValue }
        #expect(records.firstIndex { $0.type == .cordonLifted } ?? Int.max < firstSubmit ?? Int.max)
        #expect(try RunDirectory.readState(dir).liftedCordons == [7: "/var/lib/kafka/data"])

        _ = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        #expect(try await Self.cordon(of: 7, c) == "/var/lib/kafka/data", "the cancel restores the exact value")
        #expect(try RunDirectory.readState(dir).liftedCordons.isEmpty)
        // Brokers 8 and 9 were never cordoned: the cancel leaves them so.
        #expect(try await Self.cordon(of: 8, c) == nil)
    }

    /// The drain's rollback: broker 6 drained and cordoned (as a scale-in leaves it), then the
    /// replicas go back. The rollback lifts the cordon, so the broker holding data again takes
    /// new partitions too; a second run finds nothing to lift.
    @Test func theRollbackOfADrainUncordonsTheBrokerItRefills() async throws {
        let fixture = ExecutorTests()
        let c = try await fixture.cluster()
        var drain: [PartitionAssignment] = [], back: [PartitionAssignment] = []
        for t in try await c.describeTopics(nil) {
            for p in t.partitions where p.replicas.contains(6) {
                drain.append(PartitionAssignment(topic: t.name, partition: p.partition, replicas: p.replicas.map { $0 == 6 ? 7 : $0 }))
                back.append(PartitionAssignment(topic: t.name, partition: p.partition, replicas: p.replicas))
            }
        }
        _ = try await fixture.run(c, plan: ReassignmentPlan(partitions: drain), options: RunOptions(pollInterval: 1), dir: temporaryDirectory())
        try await c.setBrokerConfig(6, Self.key, "*")
        let dir = temporaryDirectory()
        _ = try await fixture.run(c, plan: ReassignmentPlan(partitions: back), options: RunOptions(pollInterval: 1), dir: dir)
        await fixture.expectAtTarget(c, ReassignmentPlan(partitions: back))
        #expect(try await Self.cordon(of: 6, c) == nil)
        #expect(try RunDirectory.readState(dir).liftedCordons == [6: "*"], "a finished run keeps the lift")
        #expect(CordonLift.gaining([Move(tp: TopicPartition("t", 0), from: [1, 2], to: [2, 6], bytes: 0)]) == [6])
    }
}
