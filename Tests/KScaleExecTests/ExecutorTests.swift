import Foundation
import Testing
import KafkaClient
import KScaleCore
import KScaleTestSupport
@testable import KScaleExec

/// The executor's logic against KafkaSim's engine in process (`EngineCluster`: fast,
/// deterministic, no sockets). The same behaviours are checked over the wire in SimExecutorTests.
@Suite struct ExecutorTests {
    /// How many scheduler turns a test waits for the executor to reach a state before it fails.
    static let maxTurns = 200_000

    /// Six brokers holding two topics; brokers 7-9 are new and empty.
    func cluster() async throws -> EngineCluster {
        let orders: [[BrokerID]] = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6], [5, 6, 1], [6, 1, 2]]
        let events: [[BrokerID]] = [[1, 4], [2, 5], [3, 6], [4, 1]]
        return try await EngineCluster(brokers: Array(1...9), topics: [("orders", orders, 50_000_000), ("events", events, 20_000_000)])
    }

    /// Moves the first replica of every partition to one of the new brokers.
    func scaleOut(_ c: EngineCluster) async throws -> ReassignmentPlan {
        var lines: [PartitionAssignment] = []
        for t in try await c.describeTopics(nil) {
            for p in t.partitions {
                var r = p.replicas
                r[0] = BrokerID(7 + Int(p.partition) % 3)
                lines.append(PartitionAssignment(topic: t.name, partition: p.partition, replicas: r))
            }
        }
        return ReassignmentPlan(partitions: lines)
    }

    func run(_ c: EngineCluster, plan: ReassignmentPlan, options: RunOptions, dir: String) async throws -> ExecutionSummary {
        let journal = try Journal(path: dir + "/journal.jsonl")
        let exec = try ReassignmentExecutor(admin: c, journal: journal, clock: c.clock)
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: options.additional, ours: exec.submitted)
        return try await exec.execute(inspection, options: options, bootstrap: "fake:9092", commandConfig: nil)
    }

    func expectAtTarget(_ c: EngineCluster, _ plan: ReassignmentPlan) async {
        for line in plan.partitions {
            #expect(await c.replicas(line.topicPartition) == line.replicas, "\(line.topicPartition)")
        }
    }

    @Test func fullRunRespectsCapsAndLeavesNoThrottle() async throws {
        let c = try await cluster()
        let clock = c.clock
        let plan = try await scaleOut(c)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 2, maxMoves: 4, order: .largestFirst, pollInterval: 1)
        let summary = try await run(c, plan: plan, options: options, dir: temporaryDirectory())
        #expect(summary.done == plan.partitions.count)
        #expect(summary.failed.isEmpty)
        await expectAtTarget(c, plan)
        #expect(await c.peakPerBroker <= 2)
        #expect(await c.peakTotal <= 4)
        #expect(await c.peakTotal >= 2)
        #expect(try await c.throttleConfigs() == [])
        // Throttles were set along the way, with APPEND and SUBTRACT/DELETE only.
        let ops = await c.configCalls.flatMap { $0.values.flatMap { $0 } }
        #expect(ops.contains { $0.name == ThrottleKeys.leaderReplicas && $0.operation == .append })
        #expect(ops.contains { $0.name == ThrottleKeys.followerRate && $0.operation == .set && $0.value == "10000000" })
    }

    @Test func throttlesSetBySomeoneElseSurvive() async throws {
        let c = try await cluster()
        let clock = c.clock
        try await c.setTopicConfig("orders", ThrottleKeys.leaderReplicas, "0:1,5:6")
        try await c.setBrokerConfig(1, ThrottleKeys.leaderRate, "777")
        try await c.setBrokerConfig(9, ThrottleKeys.followerRate, "888")
        let plan = try await scaleOut(c)
        _ = try await run(c, plan: plan, options: RunOptions(throttle: 5_000_000, pollInterval: 1), dir: temporaryDirectory())
        await expectAtTarget(c, plan)
        #expect(try await c.throttleConfigs() == [
            "broker 1 leader.replication.throttled.rate=777",
            "broker 9 follower.replication.throttled.rate=888",
            "topic orders leader.replication.throttled.replicas=0:1,5:6",
        ])
    }

    @Test func resumeAfterTheProcessDiesFinishesTheRun() async throws {
        let c = try await cluster()
        let clock = c.clock
        let plan = try await scaleOut(c)
        let dir = temporaryDirectory()
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, maxMoves: 3, pollInterval: 1)
        clock.dieAfterSleeps = 3
        await #expect(throws: CancellationError.self) { try await run(c, plan: plan, options: options, dir: dir) }
        #expect(try await c.inFlightCount() > 0)
        #expect(try await c.throttleConfigs() != [])
        clock.dieAfterSleeps = nil
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: dir + "/journal.jsonl"), clock: clock)
        let summary = try await exec.resume()
        #expect(summary.failed.isEmpty)
        await expectAtTarget(c, plan)
        #expect(try await c.throttleConfigs() == [])
        // Executing the same plan again is harmless: everything is already at target.
        let again = try await run(c, plan: plan, options: options, dir: dir)
        #expect(again.failed.isEmpty)
        await expectAtTarget(c, plan)
        #expect(try await c.throttleConfigs() == [])
    }

    @Test func refusalsChangeNothing() async throws {
        let c = try await cluster()
        let clock = c.clock
        let bad: [(ReassignmentPlan, String)] = [
            (ReassignmentPlan(partitions: [PartitionAssignment(topic: "nope", partition: 0, replicas: [1, 2])]), "unknown topic nope"),
            (ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 42, replicas: [1, 2])]), "unknown partition orders-42"),
            (ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [1, 2, 99])]), "broker 99, which is unknown or offline"),
        ]
        for (plan, text) in bad {
            let e = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: plan, admin: c, additional: false) }
            #expect(e?.message.contains(text) == true, "\(e?.message ?? "")")
        }
        try await c.stop(5)
        let offline = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [5, 2, 3])])
        let e = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: offline, admin: c, additional: false) }
        #expect(e?.message.contains("broker 5, which is offline") == true)
        try await c.start(5)
        // Someone else's reassignment in flight: refused unless --additional.
        _ = try await c.alterReassignments([TopicPartition("events", 0): [7, 4]])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [7, 2, 3])])
        await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: plan, admin: c, additional: false) }
        _ = try await Preflight.inspect(plan: plan, admin: c, additional: true)
        #expect(await c.configCalls.isEmpty)
    }

    @Test func cancelWithRollbackRestoresTheOriginalAssignment() async throws {
        let c = try await cluster()
        let clock = c.clock
        let plan = try await scaleOut(c)
        let before = Dictionary(uniqueKeysWithValues: await plan.partitions.asyncMap { ($0.topicPartition, await c.replicas($0.topicPartition)) })
        let dir = temporaryDirectory()
        clock.dieAfterSleeps = 8
        await #expect(throws: CancellationError.self) {
            try await run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        }
        clock.dieAfterSleeps = nil
        let outcome = try await Canceller.cancel(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: clock)
        #expect(!outcome.cancelled.isEmpty)
        // Each cancelled move is back on its original replicas in their original order (Kafka's
        // revert alone puts the move's target first; issue 18 item 4).
        for tp in outcome.cancelled { #expect(await c.replicas(tp) == before[tp], "\(tp) after cancel") }
        #expect(!outcome.rollback.partitions.isEmpty)
        #expect(try await c.inFlightCount() == 0)
        #expect(try await c.throttleConfigs() == [])
        _ = try await run(c, plan: outcome.rollback, options: RunOptions(throttle: 10_000_000, pollInterval: 1), dir: dir + "-rollback")
        for (tp, r) in before { #expect(await c.replicas(tp) == r, "\(tp)") }
        #expect(try await c.throttleConfigs() == [])
    }

    @Test func stalledPartitionIsReportedWithItsCause() async throws {
        let c = try await cluster()
        let clock = c.clock
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [7, 2, 3])])
        let events = ExecEventLog()
        let journal = try Journal(path: temporaryDirectory() + "/journal.jsonl")
        let exec = try ReassignmentExecutor(admin: c, journal: journal, clock: clock, emit: { e in events.add(e) })
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let options = RunOptions(throttle: 1_000_000, stallTimeout: 5, pollInterval: 1)
        let task = Task { try await exec.execute(inspection, options: options, bootstrap: nil, commandConfig: nil) }
        // Broker 7 goes down once the copy has started; it comes back after the stall is reported.
        try await waitUntil("a copy to start", pause: .yield) { try await c.inFlightCount() > 0 }
        try await c.stop(7)
        try await waitUntil("a stall naming offline target broker 7", pause: .yield) {
            events.stalls.contains { $0.reason.contains("target broker 7 is offline") }
        }
        try await c.start(7)
        let summary = try await task.value
        #expect(summary.failed.isEmpty)
        #expect(await c.replicas(TopicPartition("orders", 0)) == [7, 2, 3])
        #expect(try await c.throttleConfigs() == [])
    }

    @Test func auditMarksWhatTheLedgerKnows() async throws {
        let c = try await cluster()
        let clock = c.clock
        try await c.setBrokerConfig(2, ThrottleKeys.leaderRate, "123")
        let plan = try await scaleOut(c)
        let dir = temporaryDirectory() + "/run"
        clock.dieAfterSleeps = 2
        await #expect(throws: CancellationError.self) {
            try await run(c, plan: plan, options: RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1), dir: dir)
        }
        let audit = try await ThrottleAudit.read(admin: c, runs: [dir])
        #expect(audit.items.contains { $0.run == "run" && $0.key == ThrottleKeys.followerReplicas })
        // Broker 2's rate is ours now, but its ledger line remembers 123 to restore.
        #expect(audit.items.contains { $0.resource == .broker(2) && $0.run == "run" })
        _ = try await RunEnd.finish(runIn: dir, admin: DryRunAdmin(c, execute: true), clock: clock, as: "cleared")
        #expect(try await c.throttleConfigs() == ["broker 2 leader.replication.throttled.rate=123"])
    }
}

/// Collects events from the executor's sink (called from any task).
final class ExecEventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [ExecutionEvent] = []
    func add(_ e: ExecutionEvent) { lock.lock(); events.append(e); lock.unlock() }
    var all: [ExecutionEvent] { lock.lock(); defer { lock.unlock() }; return events }
    var stalls: [Stall] { all.compactMap { if case .stalled(let s) = $0 { return s } else { return nil } } }
    /// The `.message` events' texts, in order.
    var messages: [String] { all.compactMap { if case .message(let text) = $0 { return text } else { return nil } } }
    /// Bytes copied in each progress report, in order.
    var bytesCopied: [Int64] { all.compactMap { if case .progress(let p) = $0 { return p.bytesCopied } else { return nil } } }
}

extension Sequence {
    func asyncMap<T>(_ f: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for e in self { out.append(try await f(e)) }
        return out
    }
}


@Suite struct AutoThrottleTests {
    func rates(_ c: EngineCluster) async -> [Int64] {
        await c.configCalls.flatMap { $0.values.flatMap { $0 } }.filter { $0.name == ThrottleKeys.followerRate && $0.operation == .set }.compactMap { $0.value.flatMap { Int64($0) } }
    }

    @Test func raisesWhileHealthyAndLowersWhenAPartitionIsUnderMinISR() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2], [2, 3]], 200_000_000)], copyRate: 1_000_000)
        let clock = c.clock
        try await c.setTopicConfig("t", "min.insync.replicas", "2")
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [4, 2])])
        let options = RunOptions(maxMovesPerBroker: 5, autoThrottleMin: 10_000_000, autoThrottleMax: 90_000_000, pollInterval: 5)
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: temporaryDirectory() + "/journal.jsonl"), clock: clock)
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let task = Task { try await exec.execute(inspection, options: options, bootstrap: nil, commandConfig: nil) }
        try await waitUntil("three follower rates above 10 MB/s", pause: .yield) { await rates(c).filter { $0 > 10_000_000 }.count >= 3 }
        let raised = await rates(c)
        #expect(raised.first == 10_000_000)
        #expect(raised.max() ?? 0 > 10_000_000)
        // Partition t-1 falls under min ISR: the throttle comes down.
        try await c.stop(3)
        let peak = raised.max() ?? 0
        try await waitUntil("a follower rate below the peak \(peak) after t-1 fell under min ISR", pause: .yield) {
            await rates(c).dropFirst(raised.count).contains { $0 < peak }
        }
        try await c.start(3)
        let summary = try await task.value
        #expect(summary.failed.isEmpty)
        #expect(try await c.throttleConfigs() == [])
    }
}

/// `throttle audit` and `throttle clear --include-unknown` see the cluster-wide default rate
/// (broker resource ""), which `check` also flags: one rule for all three.
@Suite struct ClusterDefaultThrottleTests {
    @Test func auditListsAndClearRemovesTheClusterDefaultRate() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3], topics: [("t", [[1, 2], [2, 3]], 1_000_000)])
        let failed = try await c.admin.incrementalAlterConfigs([ConfigResource(.broker, ""): [ConfigChange(ThrottleKeys.leaderRate, .set, "4242")]],
                                                               validateOnly: false)
        #expect(failed.isEmpty)
        let audit = try await ThrottleAudit.read(admin: c, runs: [])
        #expect(audit.items == [ThrottleAudit.Item(resource: ConfigResource(.broker, ""), key: ThrottleKeys.leaderRate, value: "4242", run: nil)])
        let report = HealthCheck.evaluate(try await ClusterObservation.read(from: c))
        #expect(report.findings.contains { $0.check == "leftover-throttles" && $0.message.contains("broker defaults") })
        #expect(try await ThrottleAudit.clearUnowned(admin: c, runs: []) == 1)
        #expect(try await ThrottleAudit.read(admin: c, runs: []).items.isEmpty)
    }
}

/// When broker 4 stops answering and answers again: once a report shows bytes copied, and
/// `lasting` reports after that.
final class RefusalWindow: @unchecked Sendable {
    enum Action { case refuse, answer, none }
    private let lock = NSLock()
    private var refusedAtReports: Int?
    private var answeredAtReports: Int?

    /// The indices of the reports emitted while the broker refused.
    var reportsDuring: Range<Int>? {
        lock.withLock { refusedAtReports.flatMap { from in answeredAtReports.map { from..<$0 } } }
    }

    func step(reports: Int, anyCopied: Bool, lasting: Int) -> Action {
        lock.withLock {
            guard let since = refusedAtReports else {
                guard anyCopied else { return .none }
                refusedAtReports = reports
                return .refuse
            }
            guard answeredAtReports == nil, reports >= since + lasting else { return .none }
            answeredAtReports = reports
            return .answer
        }
    }
}

/// A broker that stops answering DescribeLogDirs mid-run costs progress nothing: its copies count
/// as last seen (never zero), and the journal says which broker could not be read.
@Suite struct ProgressGapTests {
    /// A run copying t-0's 100 MB from broker 1 to broker 4 at 10 MB/s, with its events.
    static func copyingOneReplicaToBroker4(before: (EngineCluster, ExecEventLog) -> Void = { _, _ in })
        async throws -> (EngineCluster, ExecEventLog, Journal, Task<ExecutionSummary, any Error>) {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2]], 100_000_000)], copyRate: 10_000_000)
        let events = ExecEventLog()
        before(c, events)
        let journal = try Journal(path: temporaryDirectory() + "/journal.jsonl")
        let exec = try ReassignmentExecutor(admin: c, journal: journal, clock: c.clock, emit: { events.add($0) })
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 4])])
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let task = Task { try await exec.execute(inspection, options: RunOptions(pollInterval: 1), bootstrap: nil, commandConfig: nil) }
        return (c, events, journal, task)
    }

    @Test func unansweredLogDirsKeepTheLastSizes() async throws {
        // Between two polls, in the run's own task: broker 4 stops answering once a report
        // shows bytes copied, and answers again three reports later.
        let refusedAt = RefusalWindow()
        let (_, events, journal, task) = try await Self.copyingOneReplicaToBroker4 { c, events in
            c.clock.onEachSleep {
                let copied = events.bytesCopied
                switch refusedAt.step(reports: copied.count, anyCopied: copied.contains { $0 > 0 }, lasting: 3) {
                case .refuse: await c.refuseLogDirs([4])
                case .answer: await c.refuseLogDirs([])
                case .none: break
                }
            }
        }
        let summary = try await task.value
        #expect(refusedAt.reportsDuring != nil, "broker 4 refused and answered again during the run")
        #expect(summary.failed.isEmpty)
        let reports = events.bytesCopied
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 }, "bytes copied never went down: \(reports)")
        let notes = RunState(records: try Journal.read(path: journal.path)).notes
        #expect(notes.contains { $0.contains("no log dirs from broker 4") && $0.contains("count as last seen") }, "\(notes)")
    }
}

/// Draining a dead broker (runbook "replace a failed broker", option B): moves off it start and
/// finish, copied from the leaders; a move that needs a dead broker says so instead of sitting at 0%.
@Suite struct DeadBrokerTests {
    @Test func movesOffADeadBrokerStartAndFinish() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2], [2, 1], [1, 3]], 10_000_000)])
        try await c.stop(1)
        let plan = ReassignmentPlan(partitions: [
            PartitionAssignment(topic: "t", partition: 0, replicas: [4, 2]),
            PartitionAssignment(topic: "t", partition: 1, replicas: [2, 4]),
            PartitionAssignment(topic: "t", partition: 2, replicas: [4, 3]),
        ])
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: temporaryDirectory() + "/journal.jsonl"), clock: c.clock)
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let task = Task { try await exec.execute(inspection, options: RunOptions(throttle: 50_000_000, pollInterval: 1), bootstrap: nil, commandConfig: nil) }
        defer { task.cancel() }
        // Bounded: before the fix no move ever started and the run never ended.
        try await waitUntil("the drain of dead broker 1 to finish", timeout: .seconds(30), pause: .yield) {
            let moving = try await c.inFlightCount()
            let atTarget = await plan.partitions.asyncAllSatisfy { await c.replicas($0.topicPartition) == $0.replicas }
            return moving == 0 && atTarget
        }
        let summary = try await task.value
        #expect(summary.failed.isEmpty && summary.done == 3)
        #expect(try await c.throttleConfigs() == [])
    }

    @Test func aMoveOntoADeadBrokerWaitsAndSaysWhy() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2]], 10_000_000)])
        try await c.stop(4)
        let events = ExecEventLog()
        let journal = try Journal(path: temporaryDirectory() + "/journal.jsonl")
        let exec = try ReassignmentExecutor(admin: c, journal: journal, clock: c.clock, emit: { events.add($0) })
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 4])])
        // Preflight refuses an offline target; the broker dies after it.
        try await c.start(4)
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        try await c.stop(4)
        let task = Task { try await exec.execute(inspection, options: RunOptions(pollInterval: 1), bootstrap: nil, commandConfig: nil) }
        defer { task.cancel() }
        func waits() -> [Waiting] { events.all.compactMap { if case .waiting(let w) = $0 { w } else { nil } } }
        try await waitUntil("a waiting report", pause: .yield) { !waits().isEmpty }
        #expect(waits() == [Waiting(partition: TopicPartition("t", 0), reason: "target broker 4 is offline")])
        try await c.start(4)
        let summary = try await task.value
        #expect(summary.failed.isEmpty)
        #expect(waits().count == 1, "reported once per reason")
        #expect(RunState(records: try Journal.read(path: journal.path)).notes.contains("waiting: target broker 4 is offline"))
    }
}

extension Sequence {
    func asyncAllSatisfy(_ predicate: (Element) async throws -> Bool) async rethrows -> Bool {
        for element in self where !(try await predicate(element)) { return false }
        return true
    }
}

/// A plan that changes a partition's replication factor runs only with --allow-rf-change.
@Suite struct ReplicationFactorChangeTests {
    @Test func anRFChangeIsRefusedUnlessAllowed() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2, 3], [2, 3, 4]], 1_000)])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 2]),
                                                 PartitionAssignment(topic: "t", partition: 1, replicas: [2, 3, 1])])
        let refused = await #expect(throws: Refusal.self) { try await Preflight.inspect(plan: plan, admin: c, additional: false) }
        #expect(refused?.message.contains("t-0: RF 3 -> 2") == true, "\(refused?.message ?? "")")
        #expect(await c.alterRequests == 0)
        let allowed = try await Preflight.inspect(plan: plan, admin: c, additional: false, allowReplicationFactorChange: true)
        #expect(allowed.replicationFactorChanges == [ReplicationFactorChange(partition: TopicPartition("t", 0), from: 3, to: 2)])
    }
}

/// Two runs of one plan with different state dirs (two operators, two hosts): the second is
/// refused, naming the first, unless --adopt (issue 13 item 2c).
@Suite struct AdoptTests {
    @Test func aPlanAlreadyMovingUnderAnotherRunIsRefusedNamingIt() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4], topics: [("t", [[1, 2], [2, 3]], 50_000_000)])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 4]),
                                                 PartitionAssignment(topic: "t", partition: 1, replicas: [4, 3])])
        let root = temporaryDirectory()
        // 10 MB/s: both 50 MB copies into broker 4 fit its 10 s horizon, so both start at once.
        let options = RunOptions(throttle: 10_000_000, pollInterval: 1)
        c.clock.dieAfterSleeps = 1                      // the first run dies with its moves in flight
        await #expect(throws: CancellationError.self) {
            _ = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(plan, in: root + "/first", options: options)
        }
        c.clock.dieAfterSleeps = nil
        #expect(try await c.inFlightCount() == 2)
        let refused = await #expect(throws: Refusal.self) {
            _ = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(plan, in: root + "/second", options: options)
        }
        #expect(refused?.message.contains("already moving to its targets by run") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains(root + "/first") == true, "\(refused?.message ?? "")")
        var adopting = options
        adopting.adopt = true
        guard case let .finished(summary) = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock)
            .execute(plan, in: root + "/second", options: adopting) else {
            Issue.record("--adopt did not run")
            return
        }
        #expect(summary.failed.isEmpty)
    }
}

extension ReplicationFactorChangeTests {
    /// Found by the kill/resume test: a target resubmitted over a move in flight starts from the
    /// merged replica list (4 replicas for an RF 3 partition); that is no RF change.
    @Test func aTargetResubmittedOverItsOwnMoveIsNoRFChange() async throws {
        let c = try await EngineCluster(brokers: [1, 2, 3, 4, 5], topics: [("t", [[1, 2, 3]], 1_000_000)])
        let target: [BrokerID] = [4, 2, 3]
        _ = try await c.admin.alterReassignments([TopicPartition("t", 0): target])
        _ = try await c.admin.alterReassignments([TopicPartition("t", 0): target])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: target)])
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false, adopt: true)
        #expect(inspection.replicationFactorChanges.isEmpty)
    }
}
