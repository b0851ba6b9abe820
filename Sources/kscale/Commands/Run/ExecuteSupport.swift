import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec
import KScaleView
import KScaleTime

/// The executor's verdict besides done (docs/executor.md); errors exit by kind (`ExitCodes`).
enum ExecExit {
    /// Not finished: verify found partitions off target, or some partitions failed.
    static let notFinished: Int32 = 3
}

/// Runs an executor command body; its errors exit by kind (`reportingErrors`).
func runExecCommand(_ body: () async throws -> Void) async throws {
    try await reportingErrors { try await body() }
}

/// Parses `300`, `30s`, `5m`, `2h` into seconds (`DurationText.parse`).
func parseDuration(_ text: String, option: String) throws -> Double {
    try DurationText.parse(text, name: option)
}

func formatDuration(_ s: Double) -> String { DurationText.format(s) }

/// Prints a run's events: a live bar on a terminal, plain lines otherwise, or JSON lines.
final class ProgressPrinter: @unchecked Sendable {
    enum Mode { case bar, plain, json }
    let mode: Mode
    private let lock = NSLock()
    private var lastPlain = Date.distantPast
    private var barShown = false
    /// Seconds between plain progress lines.
    var plainInterval: Double = 10
    /// The terminal's width, asked at each redraw (a resized terminal gets a fitted bar).
    private let columns: @Sendable () -> Int
    private let write: @Sendable (String) -> Void

    convenience init(format: OutputFormat) {
        self.init(mode: format == .json ? .json : isatty(STDOUT_FILENO) == 1 ? .bar : .plain)
    }

    /// Through `print` (and flushed) by default so these lines interleave correctly with the
    /// commands' own prints.
    init(mode: Mode, columns: @escaping @Sendable () -> Int = { TerminalWidth.current() },
         write: @escaping @Sendable (String) -> Void = { print($0, terminator: ""); fflush(nil) }) {
        self.mode = mode
        self.columns = columns
        self.write = write
    }

    func handle(_ e: ExecutionEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch mode {
        case .json: out(e.json)
        case .bar, .plain: text(e)
        }
    }

    private func out(_ s: String) { write(s + "\n") }

    /// A line of its own: a bar on screen is cleared first, so the line replaces it.
    private func line(_ s: String) {
        if barShown { write(Self.redraw); barShown = false }
        out(s)
    }

    /// Back to the start of the line and clear it: a redraw replaces the bar, never adds a line.
    static let redraw = "\r\u{1B}[K"

    private func text(_ e: ExecutionEvent) {
        switch e {
        case let .started(id, n, bytes, throttle, resumed):
            line("\(resumed ? "resuming" : "starting") run \(id): \(n) partitions, \(ByteUnits.format(bytes)) to copy, throttle \(throttle.map(ByteUnits.formatRate) ?? "none")")
        case let .partitionStarted(tp, from, to, bytes):
            if mode == .plain { line("started \(tp) \(from) -> \(to) (\(ByteUnits.format(bytes)))") }
        case let .partitionDone(tp):
            if mode == .plain { line("done \(tp)") }
        case let .partitionFailed(tp, reason):
            line("FAILED \(tp): \(reason)")
        case let .partitionGone(tp, reason):
            line("GONE \(tp): \(reason); the rest of the run goes on")
        case let .progress(p):
            if mode == .bar {
                write(Self.redraw + ProgressBar.line(p, columns: columns()))
                barShown = true
            } else if Date().timeIntervalSince(lastPlain) >= plainInterval {
                lastPlain = Date()
                line("progress \(Self.summary(p))")
            }
        case let .stalled(s):
            line("STALLED \(s.partition) for \(formatDuration(s.seconds)): \(s.reason)")
        case let .waiting(w):
            line("WAITING \(w.partition): \(w.reason); it starts when that changes")
        case let .throttleChanged(rate, reason):
            line("throttle now \(ByteUnits.formatRate(rate)) (\(reason))")
        case let .throttlesRemoved(rates, entries):
            line("throttles removed: \(rates) broker rates restored, \(entries) replica entries removed")
        case let .finished(s):
            line("finished run \(s.runID): \(s.done) partitions at target, \(s.failed.count) failed, \(ByteUnits.format(s.bytes)) in \(formatDuration(s.seconds))")
            for (tp, why) in s.failed.sorted(by: { $0.key < $1.key }) { line("  \(tp): \(why)") }
            if !s.gone.isEmpty {
                line("  \(s.gone.count) partitions gone (their topic was deleted during the run): \(s.gone.sorted().prefix(20).map(\.description).joined(separator: ", "))")
            }
        case let .message(m):
            line(m)
        }
    }

    static func summary(_ p: ProgressReport) -> String {
        var s = String(format: "%5.1f%% ", p.progress.percent)
        s += "\(ByteUnits.format(p.bytesCopied))/\(ByteUnits.format(p.bytesTotal))"
        if let r = p.rate { s += " \(ByteUnits.formatRate(Int64(max(0, r))))" }
        if let eta = p.etaSeconds { s += " ETA \(formatDuration(eta))" }
        s += " | done \(p.done) in-flight \(p.inFlight) pending \(p.pending)"
        if p.failed > 0 { s += " failed \(p.failed)" }
        if !p.stalled.isEmpty { s += " stalled \(p.stalled.count)" }
        if !p.waiting.isEmpty { s += " waiting \(p.waiting.count)" }
        return s
    }
}

/// How a run paces, in words: the bytes kept in flight per broker, and the count caps in force.
func pacingText(_ scheduler: MoveScheduler) -> String {
    var parts: [String] = []
    if let p = scheduler.pacing {
        parts.append("moves start while a broker's copies in flight end within \(Int(p.horizon.rounded())) s at the throttle (\(ByteUnits.format(Int64(p.budget))) per broker)")
    }
    if let n = scheduler.perBrokerCap { parts.append("at most \(n) moves per broker") }
    if let n = scheduler.totalCap { parts.append("at most \(n) in the cluster") }
    return parts.joined(separator: ", ")
}

func printPreview(_ inspection: Inspection, options: RunOptions) {
    let scheduler = MoveScheduler(options: options, throttle: options.initialThrottle)
    let est = RunEstimate.simulate(moves: inspection.moves, throttle: options.initialThrottle, scheduler: scheduler, order: options.order)
    print("DRY RUN: nothing was changed. Add --execute to run it.")
    print("plan: \(inspection.plan.partitions.count) partitions, \(inspection.atTarget.count) already at target, \(inspection.moves.count) to move, \(ByteUnits.format(est.bytes)) to copy")
    if let t = options.initialThrottle {
        print("throttle: \(ByteUnits.formatRate(t)) on every broker taking part (leader and follower rates); replicas throttled per partition while it moves")
        print("estimated duration: \(formatDuration(est.seconds)) (lower bound \(formatDuration(est.lowerBoundSeconds)) from the busiest broker's bytes / throttle)")
        if inspection.moves.contains(where: { $0.produceRate > 0 }) {
            print("copy times count each partition's produce rate: a replica copies at the throttle less what producers write meanwhile")
        }
        if !est.neverCatchUp.isEmpty {
            let names = est.neverCatchUp.prefix(8).map(\.description).joined(separator: ", ")
            let more = est.neverCatchUp.count > 8 ? ", and \(est.neverCatchUp.count - 8) more" : ""
            print("warning: \(est.neverCatchUp.count) partitions are written as fast as the throttle copies or faster, so their new replicas never catch up at \(ByteUnits.formatRate(t)) (left out of the estimate): \(names)\(more); raise the throttle above their produce rate")
        }
    } else {
        print("throttle: none (pass --throttle to limit replication traffic); duration depends on the brokers' network")
    }
    print("pacing: \(pacingText(scheduler)), order \(options.order.rawValue)")
    if !inspection.replicationFactorChanges.isEmpty {
        print("replication factor changes (--allow-rf-change): \(inspection.replicationFactorChanges.map(\.description).joined(separator: ", "))")
    }
    for note in inspection.drift?.notes ?? [] { print(note) }
    for (i, w) in est.waves.prefix(20).enumerated() {
        let names = w.moves.prefix(8).map { "\($0.tp) \($0.from)->\($0.to)" }.joined(separator: ", ")
        let more = w.moves.count > 8 ? ", and \(w.moves.count - 8) more" : ""
        let bytes = w.moves.reduce(Int64(0)) { $0 + $1.copyBytes }
        print("batch \(i + 1) at +\(formatDuration(w.start)): \(w.moves.count) partitions, \(ByteUnits.format(bytes)): \(names)\(more)")
    }
    if est.waves.count > 20 { print("... \(est.waves.count - 20) more batches") }
}

/// The dry run of `execute`/`resume` with `--output json`: one object with what the text preview
/// shows (moves, bytes, throttle, estimate, pacing, batches, RF changes, warnings).
func previewJSON(_ inspection: Inspection, options: RunOptions, dir: String) -> String {
    let scheduler = MoveScheduler(options: options, throttle: options.initialThrottle)
    let est = RunEstimate.simulate(moves: inspection.moves, throttle: options.initialThrottle, scheduler: scheduler, order: options.order)
    var o: [String: Any] = [
        "event": "dry_run", "state_dir": dir, "partitions": inspection.plan.partitions.count,
        "at_target": inspection.atTarget.count, "to_move": inspection.moves.count, "bytes": est.bytes,
        "estimated_seconds": est.seconds.rounded(), "lower_bound_seconds": est.lowerBoundSeconds.rounded(),
        "max_moves_per_broker": scheduler.perBrokerCap ?? NSNull(), "max_moves": scheduler.totalCap ?? NSNull(),
        "pacing_horizon_seconds": scheduler.pacing?.horizon ?? NSNull(), "order": options.order.rawValue,
        "batches": est.waves.map { wave in
            ["start_seconds": wave.start.rounded(), "partitions": wave.moves.map { $0.tp.description }] as [String: Any]
        },
        "replication_factor_changes": inspection.replicationFactorChanges.map(\.description),
        "drift": (inspection.drift?.drifted ?? []).map { moved in
            ["partition": moved.partition.description, "recorded": moved.recorded.map(Int.init), "now": moved.now.map { $0.map(Int.init) as Any } ?? NSNull()] as [String: Any]
        },
        "drift_unchecked": (inspection.drift?.unrecorded ?? []).map(\.description),
        "warnings": inspection.warnings,
    ]
    o["throttle"] = options.initialThrottle ?? NSNull()
    o["never_catch_up"] = est.neverCatchUp.map(\.description)
    guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
    return String(decoding: data, as: UTF8.self)
}

