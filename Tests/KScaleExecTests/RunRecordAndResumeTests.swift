import Foundation
import Testing
import KafkaAdmin
import KScaleCore
@testable import KScaleExec

/// Two review mends in the executor: `--auto-throttle` retunes reach the cluster's run record
/// before the brokers, and a resume judges drift for the partitions it has not started.
struct RunRecordAndResumeTests {
    /// Every rate the run sets after its start is in its claim on `__kscale_runs` first.
    @Test func eachAutoThrottleRetuneIsRecordedOnTheClusterBeforeItIsSet() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2], [2, 3]], 200_000_000)], copyRate: 1_000_000)
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [4, 2])])
        let options = RunOptions(maxMovesPerBroker: 5, autoThrottleMin: 10_000_000, autoThrottleMax: 90_000_000, pollInterval: 5)
        let events = ExecEventLog()
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock, emit: { events.add($0) })
            .execute(plan, in: temporaryDirectory() + "/run", options: options, drift: .skip) else {
            Issue.record("the run did not run")
            return
        }
        #expect(summary.failed.isEmpty)
        let retunes = events.all.compactMap { if case let .throttleChanged(rate, _) = $0 { rate } else { nil } }
        #expect(!retunes.isEmpty, "the run retuned its rate")
        let timeline = await c.timeline
        for rate in retunes {
            let recorded = try #require(timeline.firstIndex(of: "record \(rate)"), "rate \(rate) never reached the run record: \(timeline)")
            let set = try #require(timeline.firstIndex(of: "rates \(rate)"))
            #expect(recorded < set, "rate \(rate) was set before the run record said so: \(timeline)")
        }
        #expect(try await c.throttleConfigs() == [])
    }

    /// A run killed with partitions not started; one of them then moves (someone else's
    /// reassignment). Its resume refuses it as drift, naming it, as execute does; a run started
    /// with --allow-drift resumes over it.
    @Test func resumeJudgesDriftForPartitionsNotStarted() async throws {
        for allowDrift in [false, true] {
            let c = try await ExecutorTests().cluster()
            var plan = try await ExecutorTests().scaleOut(c)
            for i in plan.partitions.indices {
                plan.partitions[i].originalReplicas = await c.replicas(plan.partitions[i].topicPartition)
            }
            let dir = temporaryDirectory() + "/run"
            c.clock.dieAfterSleeps = 1
            await #expect(throws: CancellationError.self) {
                _ = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock)
                    .execute(plan, in: dir, options: RunOptions(throttle: 1_000_000, maxMovesPerBroker: 1, pollInterval: 1),
                             drift: allowDrift ? .allow : .refuse)
            }
            c.clock.dieAfterSleeps = nil
            let state = try RunDirectory.readState(dir)
            #expect(state.plan?.partitions.allSatisfy { $0.originalReplicas != nil } == true, "the journal keeps original_replicas")
            let unstarted = try #require(state.partitions.filter { $0.value.phase == .pending }.map(\.key).sorted().first)
            let recorded = try #require(await c.replicas(unstarted))
            let elsewhere = Array(recorded.reversed())
            _ = try await c.admin.alterReassignments([unstarted: elsewhere])
            #expect(await c.replicas(unstarted) == elsewhere)
            let resume = { try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).resume(in: dir) }
            if allowDrift {
                guard case let .finished(summary) = try await resume() else {
                    Issue.record("the resume did not run")
                    continue
                }
                #expect(summary.failed.isEmpty)
            } else {
                let refused = await #expect(throws: Refusal.self) { _ = try await resume() }
                #expect(refused?.message.contains("\(unstarted): planned from \(recorded), now \(elsewhere)") == true, "\(refused?.message ?? "")")
            }
        }
    }

    /// Journals written before original_replicas was kept still read; the field round-trips.
    @Test func planLinesReadWithAndWithoutOriginalReplicas() throws {
        let old = Data(#"{"topic":"t","partition":0,"replicas":[1,2]}"#.utf8)
        let line = try JSONDecoder().decode(JournalRecord.PlanLine.self, from: old)
        #expect(line.originalReplicas == nil)
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [3, 2], originalReplicas: [1, 2])])
        let encoded = try JSONEncoder().encode(JournalRecord.lines(plan))
        #expect(String(decoding: encoded, as: UTF8.self).contains(#""original_replicas":[1,2]"#))
        let back = JournalRecord.plan(try JSONDecoder().decode([JournalRecord.PlanLine].self, from: encoded))
        #expect(back?.partitions.first?.originalReplicas == [1, 2])
        #expect(back.map { RunDirectory.runID(for: $0) } == RunDirectory.runID(for: plan))
    }
}
