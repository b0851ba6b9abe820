import Foundation
import Testing
import KafkaAdmin
import KScaleCore
@testable import KScaleExec

/// Issue 12 finding 7: a cancel that reaches Kafka after the move finished is answered
/// NO_REASSIGNMENT_IN_PROGRESS. That partition is done (and the rollback moves it back), not a
/// failed cancel.
struct CancelRaceTests {
    @Test func aMoveThatFinishedBeforeTheCancelIsDoneNotAFailedCancel() async throws {
        let fixture = ExecutorTests()
        let c = try await fixture.cluster()
        let clock = c.clock
        let plan = try await fixture.scaleOut(c)
        var before: [TopicPartition: [BrokerID]] = [:]
        for line in plan.partitions { before[line.topicPartition] = await c.replicas(line.topicPartition) }
        let dir = temporaryDirectory()
        clock.dieAfterSleeps = 8
        await #expect(throws: CancellationError.self) {
            try await fixture.run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        }
        clock.dieAfterSleeps = nil
        let moving = try await c.listReassignments(nil).keys.sorted()
        #expect(!moving.isEmpty)
        await c.setFinishMovesBeforeCancel(true)
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: clock)
        #expect(outcome.failures.isEmpty, "\(outcome.failures)")
        #expect(outcome.cancelled.isEmpty)
        let state = try RunDirectory.readState(dir)
        for tp in moving { #expect(state.partitions[tp]?.phase == .done, "\(tp)") }
        // The rollback takes the finished moves back too.
        let rolledBack = Set(outcome.rollback.partitions.map(\.topicPartition))
        #expect(Set(moving).isSubset(of: rolledBack))
        #expect(try await c.throttleConfigs() == [])
        _ = try await fixture.run(c, plan: outcome.rollback, options: RunOptions(throttle: 10_000_000, pollInterval: 1), dir: dir + "-rollback")
        for (tp, r) in before { #expect(await c.replicas(tp) == r, "\(tp)") }
    }
}
