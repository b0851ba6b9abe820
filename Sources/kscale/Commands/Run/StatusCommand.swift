import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale status`: where a run stands, from its journal and (when reachable) the cluster.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's partitions done, in flight and pending, bytes copied, rate, ETA and stalls.",
        discussion: helpDiscussion("", examples: [
            "kscale status",
            "kscale status --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runExecCommand {
            let dir = try runSelection.directory()
            let state = try RunDirectory.readState(dir)
            guard state.plan != nil else { throw InvalidInput("\(dir) holds no run") }
            let active = RunLock.isHeld(directory: dir)
            let last = FileManager.default.contents(atPath: dir + "/progress.json").flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
            let report = last?["report"] as? [String: Any]
            let live = try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap, commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                try await LiveStatus.read(state: state, admin: admin)
            }
            let stalls = state.notes.filter { $0.hasPrefix("stalled") }
            let outstanding = state.ledger.outstanding
            if output.format == .json {
                var o: [String: Any] = ["run": state.runID ?? "", "state_dir": dir, "active": active, "ended": state.ended ?? NSNull(),
                                        "done": live.done, "in_flight": live.inFlight.count, "pending": live.pending, "failed": live.failed.count,
                                        "bytes_copied": live.bytesCopied, "bytes_total": live.bytesTotal, "throttles_outstanding": outstanding, "unseen": live.unseen]
                if let r = report?["rate"] { o["rate"] = r }
                if let e = report?["eta_seconds"] { o["eta_seconds"] = e }
                if let s = report?["stalled"] { o["stalled"] = s }
                if let w = report?["waiting"] { o["waiting"] = w }
                let data = try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
                return
            }
            print("run \(state.runID ?? "?") in \(dir): \(active ? "running" : state.ended.map { "ended (\($0))" } ?? "not running (resume it with `kscale resume \(RunDirectory.selection(of: dir)) --execute`)")")
            let pct = live.bytesTotal > 0 ? Double(live.bytesCopied) / Double(live.bytesTotal) * 100 : 100
            print("partitions: \(live.done) done, \(live.inFlight.count) in flight, \(live.pending) pending, \(live.failed.count) failed")
            print(String(format: "bytes: %@ of %@ copied (%.1f%%)", ByteUnits.format(live.bytesCopied), ByteUnits.format(live.bytesTotal), pct))
            if active, let rate = report?["rate"] as? Int64 {
                var line = "rate: \(ByteUnits.formatRate(rate))"
                if let eta = report?["eta_seconds"] as? Int64 { line += ", ETA \(formatDuration(Double(eta)))" }
                print(line)
            }
            let liveStalls = active ? (report?["stalled"] as? [[String: Any]]) ?? [] : []
            for x in liveStalls { print("STALLED \(x["topic"] ?? "")-\(x["partition"] ?? ""): \(x["reason"] ?? "")") }
            if liveStalls.isEmpty, !stalls.isEmpty { print("stalls reported during the run: \(stalls.count), last: \(stalls.last ?? "")") }
            let liveWaits = active ? (report?["waiting"] as? [[String: Any]]) ?? [] : []
            for x in liveWaits { print("WAITING \(x["topic"] ?? "")-\(x["partition"] ?? ""): \(x["reason"] ?? "")") }
            for tp in live.inFlight.prefix(20) { print("  in flight: \(tp) -> \(state.partitions[tp]?.to ?? [])") }
            for (tp, why) in live.failed.sorted(by: { $0.key < $1.key }) { print("  failed: \(tp): \(why)") }
            print("throttles this run set and has not removed: \(outstanding)")
            for w in live.unseen { print("warning: \(w)") }
        }
    }
}
