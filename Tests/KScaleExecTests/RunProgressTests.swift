import Foundation
import Testing
import KafkaAdmin
import KScaleCore
import KScaleTime
import KScaleTestSupport
@testable import KScaleExec

/// The one progress computation on hand-built states: pending partitions in the total, 100% only
/// when every partition is done, a broker that cannot be read keeping its bytes, per-broker flows.
@Suite struct RunProgressTests {
    let gigabyte: Int64 = 1_000_000_000

    func entry(_ partition: Int32, _ from: [BrokerID], _ to: [BrokerID], bytes: Int64, _ phase: PartitionPhase, leader: BrokerID? = nil) -> RunProgress.Entry {
        RunProgress.Entry(move: Move(tp: TopicPartition("t", partition), from: from, to: to, bytes: bytes, leader: leader), phase: phase)
    }

    @Test func pendingPartitionsCountInTheTotal() {
        let p = RunProgress.compute([
            entry(0, [1, 2], [1, 3], bytes: gigabyte, .done),
            entry(1, [1, 2], [1, 4], bytes: 3 * gigabyte, .pending),
        ], reading: SizeReading(at: 10))
        #expect(p.bytesTotal == 4 * gigabyte)
        #expect(p.bytesCopied == gigabyte)
        #expect(p.percent == 25)
        #expect((p.done, p.pending, p.inFlight) == (1, 1, 0))
    }

    @Test func hundredPercentOnlyWhenEveryPartitionIsDone() {
        // Every byte there, but the partition has not finished: not 100%.
        let reading = SizeReading(at: 10, sizes: [3: [TopicPartition("t", 0): gigabyte]])
        let copying = RunProgress.compute([entry(0, [1, 2], [1, 3], bytes: gigabyte, .submitted)], reading: reading)
        #expect(copying.bytesCopied == copying.bytesTotal)
        #expect(!copying.complete && copying.percent < 100 && copying.fraction < 1)
        // Pending partitions of no known size: the bytes are all copied, the run is not done.
        let empties = RunProgress.compute([entry(0, [1, 2], [1, 3], bytes: gigabyte, .done)]
                                          + (1...12).map { entry($0, [1, 2], [1, 4], bytes: 0, .pending) }, reading: reading)
        #expect(empties.pending == 12 && empties.percent < 100)
        // Nearly done rounds down, never up to 100.0.
        let nearly = RunProgress.compute([entry(0, [1, 2], [1, 3], bytes: 10_000, .submitted)],
                                         reading: SizeReading(at: 10, sizes: [3: [TopicPartition("t", 0): 9_999]]))
        #expect(nearly.percent == 99.9)
        let done = RunProgress.compute([entry(0, [1, 2], [1, 3], bytes: gigabyte, .done)], reading: nil)
        #expect(done.complete && done.percent == 100 && done.fraction == 1)
    }

    @Test func aBrokerThatCannotBeReadKeepsItsLastBytes() {
        let tp = TopicPartition("t", 0)
        let first = SizeReading(at: 10, sizes: [3: [tp: 400], 1: [tp: 1000]])
        // Broker 3 went offline: the next reading has only the leader.
        let second = first.followed(by: [1: [tp: 1000]], at: 20, unread: [3])
        #expect(second.sizes[3]?[tp] == 400)
        #expect(second.lastSeen == [3])
        let entries = [entry(0, [1, 2], [1, 3], bytes: 1000, .submitted, leader: 1)]
        let before = RunProgress.compute(entries, reading: first)
        let after = RunProgress.compute(entries, reading: second, earlier: before)
        #expect(after.bytesCopied == 400 && before.bytesCopied == 400)
        #expect(after.brokers.first { $0.broker == 3 }?.lastSeen == true)
        // A broker that answers again replaces what it was last seen with.
        let third = second.followed(by: [1: [tp: 1000], 3: [tp: 700]], at: 30, unread: [])
        #expect(third.lastSeen.isEmpty && third.sizes[3]?[tp] == 700)
    }

    @Test func perBrokerBytesInAndOutWithTheRateBetweenTwoReadings() {
        let a = TopicPartition("t", 0), b = TopicPartition("t", 1)
        let entries = [entry(0, [1, 2], [1, 3], bytes: 1000, .submitted, leader: 1),
                       entry(1, [2, 1], [2, 4], bytes: 600, .submitted, leader: 2)]
        let then = RunProgress.compute(entries, reading: SizeReading(at: 100, sizes: [3: [a: 100], 4: [b: 0]]))
        let now = RunProgress.compute(entries, reading: SizeReading(at: 110, sizes: [3: [a: 600], 4: [b: 200]]), earlier: then)
        let flows = Dictionary(uniqueKeysWithValues: now.brokers.map { ($0.broker, $0) })
        #expect(flows[3]?.bytesIn == 600 && flows[3]?.bytesInTotal == 1000)
        #expect(flows[4]?.bytesIn == 200 && flows[4]?.bytesInTotal == 600)
        #expect(flows[1]?.bytesOut == 600 && flows[1]?.bytesOutTotal == 1000)
        #expect(flows[2]?.bytesOut == 200 && flows[2]?.bytesOutTotal == 600)
        #expect(flows[3]?.rateIn == 50 && flows[1]?.rateOut == 50)
        #expect(flows[4]?.rateIn == 20 && flows[2]?.rateOut == 20)
        #expect(then.brokers.allSatisfy { $0.rateIn == nil }, "no rate from one reading")
    }

    /// A fresh run's journal: pending partitions have their size from the plan record and their
    /// source from the rollback, so progress counts them before they start.
    @Test func theJournalGivesPendingPartitionsTheirSize() throws {
        let journal = try Journal(path: temporaryDirectory() + "/journal.jsonl")
        var plan = JournalRecord(.plan, at: 1)
        let target = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 3]),
                                                   PartitionAssignment(topic: "t", partition: 1, replicas: [3, 4])])
        plan.partitions = JournalRecord.lines(target, sizes: [TopicPartition("t", 0): 500, TopicPartition("t", 1): 200])
        var rollback = JournalRecord(.rollback, at: 1)
        rollback.partitions = JournalRecord.lines(ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 2]),
                                                                                 PartitionAssignment(topic: "t", partition: 1, replicas: [1, 2])]))
        try journal.append(plan)
        try journal.append(rollback)
        let state = RunState(records: try Journal.read(path: journal.path))
        let p = RunProgress.compute(RunProgress.entries(of: state), reading: nil)
        #expect(p.pending == 2)
        #expect(p.bytesTotal == 500 + 2 * 200)
        #expect(p.unsized == 0)
    }

    /// Issue 16: a move resubmitted after it ended short is journaled from the replicas it had
    /// then (half moved: [3, 2] for a move [1, 2] -> [3, 4]); the run's total stays what the plan
    /// copies (both new replicas), and broker 3's copy still counts.
    @Test func aResubmittedMoveKeepsTheRunsTotal() throws {
        let journal = try Journal(path: temporaryDirectory() + "/journal.jsonl")
        var plan = JournalRecord(.plan, at: 1)
        plan.partitions = JournalRecord.lines(ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [3, 4])]),
                                              sizes: [TopicPartition("t", 0): 500])
        var rollback = JournalRecord(.rollback, at: 1)
        rollback.partitions = JournalRecord.lines(ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 2])]))
        try journal.append(plan)
        try journal.append(rollback)
        func phase(_ state: PartitionPhase, from: [BrokerID], at: Double) throws {
            var r = JournalRecord(.partition, at: at)
            r.topic = "t"
            r.partition = 0
            r.state = state.rawValue
            r.from = from
            r.to = [3, 4]
            r.bytes = 500
            try journal.append(r)
        }
        try phase(.pending, from: [1, 2], at: 1)
        try phase(.submitted, from: [1, 2], at: 2)
        let reading = SizeReading(at: 10, sizes: [3: [TopicPartition("t", 0): 500], 4: [TopicPartition("t", 0): 100]])
        let before = RunProgress.compute(RunProgress.entries(of: RunState(records: try Journal.read(path: journal.path))), reading: reading)
        try phase(.pending, from: [3, 2], at: 3)
        try phase(.submitted, from: [3, 2], at: 4)
        let after = RunProgress.compute(RunProgress.entries(of: RunState(records: try Journal.read(path: journal.path))), reading: reading)
        #expect(before.bytesTotal == 1000)
        #expect(after.bytesTotal == before.bytesTotal)
        #expect(after.bytesCopied == 600)
    }

    @Test func theProgressFileReadsBack() throws {
        let dir = temporaryDirectory()
        let progress = RunProgress.compute([entry(0, [1, 2], [1, 3], bytes: 1000, .submitted, leader: 1)],
                                           reading: SizeReading(at: 5, sizes: [3: [TopicPartition("t", 0): 10]]))
        let file = ProgressFile(report: ProgressReport(progress: progress, rate: 12, etaSeconds: 80, throttle: 1_000_000,
                                                       stalled: [Stall(partition: TopicPartition("my-topic", 3), reason: "no progress", seconds: 60)],
                                                       waiting: [Waiting(partition: TopicPartition("t", 1), reason: "target broker 4 is offline")]),
                                reading: SizeReading(at: 5, sizes: [3: [TopicPartition("my-topic", 3): 10]], lastSeen: [3]))
        try file.write(to: dir + "/" + ProgressFile.name)
        #expect(ProgressFile.read(dir: dir) == file)
    }
}

/// The executor's bar and events, `kscale status` and its JSON, measured at the same instant of
/// one run on KafkaSim's engine, agree; a target broker going offline keeps its bytes.
@Suite struct ProgressAgreementTests {
    /// Three partitions, one move at a time: two stay pending while the first copies.
    @Test func statusAndTheRunsReportsAgreeAtEveryPoll() async throws {
        let clock = ManualClock()
        let c = try await EngineCluster(brokers: [(1, nil), (2, nil), (3, nil), (4, nil)],
                                        topics: [("t", [[1, 2], [2, 1], [1, 2]], 50_000_000)], engineClock: clock, copyRate: 10_000_000)
        let dir = temporaryDirectory()
        let events = ExecEventLog()
        let exec = try ReassignmentExecutor(admin: c, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: { events.add($0) })
        exec.progressFile = dir + "/" + ProgressFile.name
        let plan = ReassignmentPlan(partitions: (0..<3).map { PartitionAssignment(topic: "t", partition: Int32($0), replicas: $0 == 1 ? [2, 4] : [1, 4]) })
        let inspection = try await Preflight.inspect(plan: plan, admin: c, additional: false)
        let options = RunOptions(maxMoves: 1, pollInterval: 2)
        let task = Task { try await exec.execute(inspection, options: options, bootstrap: nil, commandConfig: nil) }
        defer { task.cancel() }
        func reports() -> [ProgressReport] { events.all.compactMap { if case .progress(let p) = $0 { p } else { nil } } }
        func finished() -> Bool { events.all.contains { if case .finished = $0 { true } else { false } } }
        var compared = 0
        var sawPending = false
        while compared < 40 {
            try await waitUntil("poll \(compared + 1) to report and the executor to sleep", pause: .yield) {
                (reports().count > compared && clock.sleeping == 1) || finished()
            }
            if finished() { break }
            guard let bar = reports().last else { break }
            let state = try RunDirectory.readState(dir)
            let live = try await LiveStatus.read(state: state, admin: c, last: ProgressFile.read(dir: dir), now: clock.now())
            let status = live.report(active: true)
            #expect(status.progress.bytesTotal == 3 * 50_000_000, "pending partitions are in the total")
            #expect(status.progress.bytesCopied == bar.progress.bytesCopied)
            #expect(status.progress.bytesTotal == bar.progress.bytesTotal)
            #expect(status.progress.percent == bar.progress.percent)
            let statusCounts: [Int] = [status.progress.done, status.progress.inFlight, status.progress.pending]
            let barCounts: [Int] = [bar.done, bar.inFlight, bar.pending]
            #expect(statusCounts == barCounts)
            #expect(status.progress.brokers.map(\.bytesIn) == bar.progress.brokers.map(\.bytesIn))
            #expect(status.jsonFields["percent"] as? Double == bar.jsonFields["percent"] as? Double)
            #expect(status.jsonFields["bytes_copied"] as? Int64 == bar.jsonFields["bytes_copied"] as? Int64)
            if bar.pending > 0 { sawPending = true; #expect(bar.progress.percent < 100) }
            compared = reports().count
            clock.advance(by: options.pollInterval)
        }
        let summary = try await task.value
        #expect(summary.failed.isEmpty && summary.done == 3)
        #expect(sawPending)
        #expect(reports().last?.progress.percent == 100)
    }

    @Test func aTargetBrokerGoingOfflineKeepsItsBytes() async throws {
        // Between two polls, in the run's own task: broker 4 stops once a report shows bytes
        // copied, and starts again three reports later.
        let offline = RefusalWindow()
        let (c, events, journal, task) = try await ProgressGapTests.copyingOneReplicaToBroker4 { c, events in
            c.clock.onEachSleep {
                let copied = events.bytesCopied
                switch offline.step(reports: copied.count, anyCopied: copied.contains { $0 > 0 }, lasting: 3) {
                case .refuse: _ = try? await c.stop(4)
                case .answer: try? await c.start(4)
                case .none: break
                }
            }
        }
        defer { task.cancel() }
        let summary = try await task.value
        let window = try #require(offline.reportsDuring, "broker 4 was stopped and started again during the run")
        let whileOffline = events.bytesCopied[window]
        #expect(summary.failed.isEmpty)
        #expect(whileOffline.allSatisfy { $0 > 0 }, "broker 4's copy still counts while it is offline: \(whileOffline)")
        let reports = events.bytesCopied
        #expect(zip(reports, reports.dropFirst()).allSatisfy { $0 <= $1 }, "bytes copied never went down: \(reports)")
        let notes = RunState(records: try Journal.read(path: journal.path)).notes
        #expect(notes.contains { $0.contains("broker 4 is offline") && $0.contains("count as last seen") }, "\(notes)")
    }
}
