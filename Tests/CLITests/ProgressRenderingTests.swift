import Foundation
import Testing
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleView
import KScaleTime
import KScaleTestSupport
@testable import kscale

/// The live bar fits the terminal (a redraw that wraps adds a line each poll), and the bar, the
/// progress JSON and `kscale status` show the same numbers for one run.
@Suite struct ProgressRenderingTests {
    /// What a printer wrote, each write apart.
    final class Screen: @unchecked Sendable {
        private let lock = NSLock()
        private var writes: [String] = []
        func add(_ s: String) { lock.withLock { writes.append(s) } }
        var all: [String] { lock.withLock { writes } }
        /// The bar's redraws, without the carriage return and clear-line that start them (a clear
        /// alone, before a line of its own, is no redraw).
        var redraws: [String] {
            all.filter { $0.hasPrefix(ProgressPrinter.redraw) && $0 != ProgressPrinter.redraw }.map { String($0.dropFirst(ProgressPrinter.redraw.count)) }
        }
    }

    func report(done: Int, inFlight: Int, pending: Int, failed: Int = 0, stalls: Int = 0, waits: Int = 0) -> ProgressReport {
        var entries: [RunProgress.Entry] = []
        var n: Int32 = 0
        func add(_ phase: PartitionPhase, _ count: Int) {
            for _ in 0..<count {
                entries.append(RunProgress.Entry(move: Move(tp: TopicPartition("orders-eu-west", n), from: [1, 2], to: [1, 7],
                                                            bytes: 123_456_789_012, leader: 1), phase: phase))
                n += 1
            }
        }
        add(.done, done); add(.submitted, inFlight); add(.pending, pending); add(.failed, failed)
        let sizes = Dictionary(uniqueKeysWithValues: entries.map { ($0.move.tp, Int64(61_000_000_000)) })
        let progress = RunProgress.compute(entries, reading: SizeReading(at: 1, sizes: [7: sizes]))
        return ProgressReport(progress: progress, rate: 987_654_321, etaSeconds: 123_456, throttle: 50_000_000,
                              stalled: (0..<stalls).map { Stall(partition: TopicPartition("t", Int32($0)), reason: "no progress", seconds: 600) },
                              waiting: (0..<waits).map { Waiting(partition: TopicPartition("t", Int32($0)), reason: "target broker 4 is offline") })
    }

    @Test(arguments: [70, 40, 20]) func everyRedrawFitsTheTerminal(columns: Int) {
        let screen = Screen()
        let printer = ProgressPrinter(mode: .bar, columns: { columns }, write: { screen.add($0) })
        printer.handle(.started(runID: "abc", partitions: 2000, bytes: 5_000_000_000_000, throttle: 50_000_000, resumed: false))
        let reports = [report(done: 0, inFlight: 5, pending: 1995), report(done: 1200, inFlight: 100, pending: 690, failed: 10, stalls: 3, waits: 7),
                       report(done: 1999, inFlight: 1, pending: 0)]
        for r in reports { printer.handle(.progress(r)) }
        printer.handle(.stalled(Stall(partition: TopicPartition("t", 0), reason: "no progress", seconds: 600)))
        for r in reports { printer.handle(.progress(r)) }
        let redraws = screen.redraws
        #expect(redraws.count == 2 * reports.count)
        for line in redraws {
            #expect(!line.contains("\n") && !line.contains("\r"), "a redraw never adds a line: \(line.debugDescription)")
            #expect(line.count <= columns - ProgressBar.freeColumns, "\(line.count) columns at \(columns): \(line)")
            #expect(line.contains("%"), "the percent always shows: \(line)")
        }
        if columns >= 40 { #expect(redraws.allSatisfy { $0.hasPrefix("[") }, "a bar at \(columns) columns: \(redraws)") }
        // A line after a bar clears it first, so the two never share a row.
        let all = screen.all
        if let stalled = all.firstIndex(where: { $0.hasPrefix("STALLED") }) {
            #expect(all[stalled - 1] == ProgressPrinter.redraw)
        } else {
            Issue.record("no STALLED line: \(all)")
        }
    }

    @Test func theWidthComesFromColumnsFirst() {
        #expect(TerminalWidth.current(environment: ["COLUMNS": "40"]) == 40)
        #expect(TerminalWidth.current(environment: ["COLUMNS": "0"]) > 0)
    }

    /// One run on KafkaSim's engine, stopped at each poll: the bar line, the progress JSON event
    /// and `kscale status` (text and JSON) show one percent and one byte count.
    @Test func barJSONAndStatusAgreeOnOneRun() async throws {
        let clock = ManualClock()
        let snapshot = ClusterSnapshot(brokers: (1...4).map { Broker(id: BrokerID($0)) }, topics: [
            TopicState(name: "t", partitions: (0..<3).map { PartitionState(partition: Int32($0), replicas: [1, 2], size: 40_000_000) }),
        ])
        let admin = try SimAdmin(snapshot: snapshot, clock: clock, brokerNetworkBytesPerSec: 10_000_000)
        let dir = NSTemporaryDirectory() + "kscale-progress-\(UUID().uuidString)"
        let screen = Screen()
        let bar = ProgressPrinter(mode: .bar, columns: { 70 }, write: { screen.add($0) })
        let jsonScreen = Screen()
        let json = ProgressPrinter(mode: .json, write: { jsonScreen.add($0) })
        let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock,
                                            emit: { bar.handle($0); json.handle($0) })
        exec.progressFile = dir + "/" + ProgressFile.name
        let plan = ReassignmentPlan(partitions: (0..<3).map { PartitionAssignment(topic: "t", partition: Int32($0), replicas: [1, 3 + Int32($0) % 2]) })
        let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: false)
        let options = RunOptions(maxMoves: 1, pollInterval: 2)
        let task = Task { try await exec.execute(inspection, options: options, bootstrap: nil, commandConfig: nil) }
        defer { task.cancel() }
        func progressEvents() -> [[String: Any]] {
            jsonScreen.all.compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }.filter { $0["event"] as? String == "progress" }
        }
        func finished() -> Bool { jsonScreen.all.contains { $0.contains("\"event\":\"finished\"") } }
        var compared = 0
        while compared < 40 {
            try await waitUntil("poll \(compared + 1)", pause: .yield) { (progressEvents().count > compared && clock.sleeping == 1) || finished() }
            if finished() { break }
            guard let event = progressEvents().last, let line = screen.redraws.last else { break }
            let state = try RunDirectory.readState(dir)
            let live = try await LiveStatus.read(state: state, admin: admin, last: ProgressFile.read(dir: dir), now: clock.now())
            let text = StatusRendering.text(live, state: state, dir: dir, active: true, cluster: ClusterRuns(runs: []))
            let statusJSON = try #require(try JSONSerialization.jsonObject(with: Data(StatusRendering.json(live, state: state, dir: dir, active: true, cluster: ClusterRuns(runs: [])).utf8)) as? [String: Any])
            let percent = try #require(event["percent"] as? Double)
            let shown = String(format: "%.1f%%", percent)
            #expect(line.contains(shown), "bar \(line) shows \(shown)")
            #expect(text.contains { $0.hasPrefix("bytes:") && $0.contains("(\(shown))") }, "status \(text) shows \(shown)")
            #expect(statusJSON["percent"] as? Double == percent)
            #expect(statusJSON["bytes_copied"] as? Int64 == event["bytes_copied"] as? Int64)
            #expect(statusJSON["bytes_total"] as? Int64 == 3 * 40_000_000 && event["bytes_total"] as? Int64 == 3 * 40_000_000)
            for key in ["done", "in_flight", "pending"] { #expect(statusJSON[key] as? Int == event[key] as? Int, "\(key)") }
            #expect((statusJSON["brokers"] as? [[String: Any]])?.count == (event["brokers"] as? [[String: Any]])?.count)
            #expect(line.count <= 69)
            compared = progressEvents().count
            clock.advance(by: options.pollInterval)
        }
        let summary = try await task.value
        #expect(summary.done == 3 && summary.failed.isEmpty)
        #expect(screen.redraws.last?.contains("100.0%") == true)
        #expect(compared > 3)
    }
}
