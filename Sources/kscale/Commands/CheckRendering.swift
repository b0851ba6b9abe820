import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleView

/// Text and JSON for check, scale-out, scale-in and elect-leaders. Rendering only: every number
/// comes from the reports KScaleExec builds.
enum LifecycleRender {
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// One compact JSON object, for event streams (one per line).
    static func jsonLine<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    static func check(_ r: HealthReport) -> String {
        var t = TextTable(["broker", "state", "rack", "replicas", "leaders", "bytes", "disk used", "cordoned"])
        for b in r.brokers {
            t.add([String(b.id), b.state.rawValue, b.rack ?? "-", String(b.replicas), String(b.leaders), b.bytes.map(ByteUnits.format) ?? "unknown",
                   b.diskUsedPercent.map { String(format: "%.1f%%", $0) } ?? "unknown", b.cordoned ? "yes" : "no"])
        }
        var lines = [t.render(), ""]
        let c = r.counts
        lines.append("partitions: \(c.partitions), under-replicated: \(c.underReplicated), under min ISR: \(c.underMinISR), offline: \(c.offline), reassignments in flight: \(c.reassignmentsInFlight)")
        lines.append("")
        for f in r.findings.sorted(by: { $0.severity > $1.severity }) {
            lines.append("\(f.severity.description.padding(toLength: 8, withPad: " ", startingAt: 0))  \(f.check): \(f.message)")
        }
        lines.append("")
        lines.append("status: \(r.status) (exit \(r.status.exitCode))")
        return lines.joined(separator: "\n")
    }

    /// Per broker: replicas, leaders and bytes before and after.
    static func balance(before: [BrokerBalance], after: [BrokerBalance], afterLabel: String) -> String {
        let ids = Set(before.map(\.broker)).union(after.map(\.broker)).sorted()
        let b = Dictionary(before.map { ($0.broker, $0) }, uniquingKeysWith: { a, _ in a })
        let a = Dictionary(after.map { ($0.broker, $0) }, uniquingKeysWith: { a, _ in a })
        var t = TextTable(["broker", "rack", "replicas", afterLabel, "leaders", afterLabel, "bytes", afterLabel])
        for id in ids {
            let x = b[id], y = a[id]
            t.add([String(id), (x?.rack ?? y?.rack) ?? "-",
                   x.map { String($0.replicas) } ?? "-", y.map { String($0.replicas) } ?? "-",
                   x.map { String($0.leaders) } ?? "-", y.map { String($0.leaders) } ?? "-",
                   x.map { ByteUnits.format($0.bytes) } ?? "-", y.map { ByteUnits.format($0.bytes) } ?? "-"])
        }
        return t.render()
    }

    /// The report for people; the per-broker bars fit `width` columns.
    static func scale(_ r: ScaleReport, width: Int) -> String {
        var lines: [String] = []
        for p in r.plans {
            lines.append("\(p.label): \(p.partitions) partitions, \(p.replicasMoved) replicas, \(ByteUnits.format(p.bytesMoved)) to move")
            if let e = p.estimate { lines += transfer(e) }
        }
        lines.append("")
        lines.append(balance(before: r.before, after: r.after, afterLabel: r.executed ? "after" : "planned"))
        lines.append("")
        lines.append(BalanceBars.render(PlanPicture.scale(r), width: width))
        if let post = r.postflight {
            lines.append("")
            lines.append("post-flight check: \(post.status)")
            for f in post.findings where f.severity > .ok { lines.append("  \(f.severity): \(f.check): \(f.message)") }
        }
        if let verdicts = r.verdicts {
            lines.append("")
            if !r.executed { lines.append("now (dry run, nothing moved yet):") }
            lines += verdicts.map(\.description)
        }
        if !r.executed {
            lines.append("")
            lines.append("dry run: nothing was changed; add --execute to run it")
        }
        return lines.joined(separator: "\n")
    }
}

extension LifecycleRender {
    /// The throttle, the estimated duration and the bytes each broker receives and sends.
    static func transfer(_ e: TransferEstimate) -> [String] {
        var lines: [String] = []
        if let throttle = e.throttle {
            lines.append("  throttle \(ByteUnits.formatRate(throttle)) per broker: about \(formatDuration(e.seconds)) (no schedule beats \(formatDuration(e.lowerBoundSeconds)))")
        } else {
            lines.append("  unthrottled (--no-throttle): the duration depends on the network")
        }
        var table = TextTable(["broker", "bytes in", "bytes out"])
        for b in e.brokers { table.add([String(b.broker), ByteUnits.format(b.bytesIn), ByteUnits.format(b.bytesOut)]) }
        lines += table.render().split(separator: "\n").map { "  " + $0 }
        return lines
    }

    /// A flow's progress line in `--output json`.
    struct EventLine: Encodable {
        var event = "lifecycle"
        var step: String
        var message: String
        init(_ e: LifecycleEvent) {
            step = e.step
            message = e.message
        }
    }

    /// The last line of a scale operation in `--output json`.
    struct ReportLine: Encodable {
        var event = "report"
        var report: ScaleReport
        var exitCode: Int32
        init(_ r: ScaleReport) {
            report = r
            exitCode = r.exitCode
        }
        enum CodingKeys: String, CodingKey {
            case event, report
            case exitCode = "exit_code"
        }
    }

    static func election(_ r: ElectionResult) -> String {
        var lines: [String] = []
        if r.changes.isEmpty {
            lines.append("every partition is led by its preferred replica (or cannot be)")
        } else {
            var t = TextTable(["partition", "leader", "preferred"])
            for c in r.changes {
                t.add([c.topicPartition.description, c.from.map(String.init) ?? "none", String(c.to)])
            }
            lines.append(t.render())
        }
        if !r.notElectable.isEmpty {
            lines.append("preferred replica out of the ISR, left alone: \(r.notElectable.joined(separator: ", "))")
        }
        if !r.unknown.isEmpty { lines.append("not in the cluster: \(r.unknown.joined(separator: ", "))") }
        for (tp, e) in r.failed.sorted(by: { $0.key < $1.key }) { lines.append("\(r.executed ? "FAILED" : "WOULD FAIL") \(tp): \(e)") }
        lines.append(r.executed
            ? "elected \(r.changes.count - r.failed.count) of \(r.changes.count) preferred leaders"
            : "dry run: \(r.changes.count) leaders would change; add --execute to elect them")
        return lines.joined(separator: "\n")
    }
}
