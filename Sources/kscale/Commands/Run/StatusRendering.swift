import Foundation
import KScaleCore
import KScaleExec

/// `kscale status` as text and JSON, both from one `LiveStatus` (the executor's `RunProgress`
/// computation): the percent, bytes and counts are those the live bar and the progress events show.
enum StatusRendering {
    static func json(_ live: LiveStatus, state: RunState, dir: String, active: Bool, cluster: ClusterRuns) -> String {
        var o = live.report(active: active).jsonFields
        o["cluster_runs"] = cluster.runs.map { clusterRunFields($0, localDir: dir) }
        o["run"] = state.runID ?? ""
        o["state_dir"] = dir
        o["active"] = active
        o["ended"] = state.ended ?? NSNull()
        o["throttles_outstanding"] = state.ledger.outstanding
        o["unseen"] = live.unseen + (cluster.unseen.map { [$0] } ?? [])
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ live: LiveStatus, state: RunState, dir: String, active: Bool, cluster: ClusterRuns) -> [String] {
        let report = live.report(active: active)
        let p = report.progress
        var out: [String] = []
        out.append("run \(state.runID ?? "?") in \(dir): \(active ? "running" : state.ended.map { "ended (\($0))" } ?? "not running (resume it with `kscale resume \(RunDirectory.selection(of: dir)) --execute`)")")
        var counts = "partitions: \(p.done) done, \(p.inFlight) in flight, \(p.pending) pending, \(p.failed) failed"
        if p.cancelled > 0 { counts += ", \(p.cancelled) cancelled" }
        if p.gone > 0 { counts += ", \(p.gone) gone (topic deleted)" }
        out.append(counts)
        out.append(String(format: "bytes: %@ of %@ copied (%.1f%%)", ByteUnits.format(p.bytesCopied), ByteUnits.format(p.bytesTotal), p.percent))
        if p.unsized > 0 { out.append("\(p.unsized) partitions have no known size: their bytes count as 0") }
        if let rate = report.rate {
            var line = "rate: \(ByteUnits.formatRate(Int64(max(0, rate))))"
            if let eta = report.etaSeconds { line += ", ETA \(formatDuration(eta))" }
            out.append(line)
        }
        if !p.brokers.isEmpty {
            var table = TextTable(["broker", "in", "of", "out", "of", "rate in", "rate out"])
            for b in p.brokers {
                let name = b.lastSeen ? "\(b.broker) (last seen)" : String(b.broker)
                table.add([name, ByteUnits.format(b.bytesIn), ByteUnits.format(b.bytesInTotal), ByteUnits.format(b.bytesOut),
                           ByteUnits.format(b.bytesOutTotal), rateText(b.rateIn), rateText(b.rateOut)])
            }
            out += table.render().split(separator: "\n").map(String.init)
        }
        for x in report.stalled { out.append("STALLED \(x.partition): \(x.reason)") }
        let stallNotes = state.notes.filter { $0.hasPrefix("stalled") }
        if report.stalled.isEmpty, !stallNotes.isEmpty { out.append("stalls reported during the run: \(stallNotes.count), last: \(stallNotes.last ?? "")") }
        for x in report.waiting { out.append("WAITING \(x.partition): \(x.reason)") }
        for tp in live.inFlight.prefix(20) { out.append("  in flight: \(tp) -> \(state.partitions[tp]?.to ?? [])") }
        for (tp, why) in live.failed.sorted(by: { $0.key < $1.key }) { out.append("  failed: \(tp): \(why)") }
        out.append("throttles this run set and has not removed: \(state.ledger.outstanding)")
        out += clusterRunLines(cluster.runs, localDir: dir)
        for w in live.unseen + (cluster.unseen.map { [$0] } ?? []) { out.append("warning: \(w)") }
        return out
    }

    /// No run on this host: only the cluster's runs in flight.
    static func json(_ cluster: ClusterRuns, root: String) -> String {
        let o: [String: Any] = ["state_root": root, "run": NSNull(), "cluster_runs": cluster.runs.map { clusterRunFields($0, localDir: nil) },
                                "unseen": cluster.unseen.map { [$0] } ?? []]
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ cluster: ClusterRuns, root: String) -> [String] {
        var out = ["no kscale run on this host under \(root)"]
        out += clusterRunLines(cluster.runs, localDir: nil)
        for w in cluster.unseen.map({ [$0] }) ?? [] { out.append("warning: \(w)") }
        return out
    }

    /// The runs the cluster's run record holds in flight, every host's: one row each, the
    /// earliest claim first; the one journaled in `localDir` on this host marked.
    static func clusterRunLines(_ runs: [RunInFlight], localDir: String?) -> [String] {
        guard !runs.isEmpty else { return ["runs in flight on the cluster (\(RunRegistry.topicName)): none"] }
        var table = TextTable(["run", "host", "brokers", "state", "started", "state dir"])
        for run in runs {
            let mine = localDir.map { ClusterRuns.isLocal(run, dir: $0) } ?? false
            table.add([run.record.runID + (mine ? " (this run)" : ""), run.record.host, brokerList(run.record.brokers), run.record.state.rawValue,
                       startedText(run.started), run.record.stateDir])
        }
        return ["runs in flight on the cluster (\(RunRegistry.topicName)): \(runs.count)"] + table.render().split(separator: "\n").map(String.init)
    }

    static func clusterRunFields(_ run: RunInFlight, localDir: String?) -> [String: Any] {
        ["run": run.record.runID, "host": run.record.host, "state_dir": run.record.stateDir, "brokers": run.record.brokers.map(Int.init),
         "partitions": run.record.partitions.count, "state": run.record.state.rawValue, "started": startedText(run.started),
         "started_seconds": run.started, "this_run": localDir.map { ClusterRuns.isLocal(run, dir: $0) } ?? false]
    }

    private static func brokerList(_ brokers: [BrokerID]) -> String { brokers.map(String.init).joined(separator: ",") }

    /// A run's clock as UTC (the CLI's runs write wall time since 1970).
    private static func startedText(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    private static func rateText(_ rate: Double?) -> String {
        rate.map { ByteUnits.formatRate(Int64(max(0, $0.rounded()))) } ?? "-"
    }
}
