import Foundation
import KScaleCore
import KScaleExec

/// `kscale status` as text and JSON, both from one `LiveStatus` (the executor's `RunProgress`
/// computation): the percent, bytes and counts are those the live bar and the progress events show.
enum StatusRendering {
    static func json(_ live: LiveStatus, state: RunState, dir: String, active: Bool) -> String {
        var o = live.report(active: active).jsonFields
        o["run"] = state.runID ?? ""
        o["state_dir"] = dir
        o["active"] = active
        o["ended"] = state.ended ?? NSNull()
        o["throttles_outstanding"] = state.ledger.outstanding
        o["unseen"] = live.unseen
        guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }

    static func text(_ live: LiveStatus, state: RunState, dir: String, active: Bool) -> [String] {
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
        for w in live.unseen { out.append("warning: \(w)") }
        return out
    }

    private static func rateText(_ rate: Double?) -> String {
        rate.map { ByteUnits.formatRate(Int64(max(0, $0.rounded()))) } ?? "-"
    }
}
