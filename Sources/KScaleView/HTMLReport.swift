import Foundation
import KScaleCore

/// A plan as one self-contained HTML page to attach to a change request: inline CSS, inline SVG
/// charts, no script and nothing fetched (its Content-Security-Policy forbids both). Every number
/// sits in an element with `data-field` (its path in the JSON summary) and `data-value` (its
/// value as the JSON spells it), so a reader can check the page against the summary. Every string
/// is escaped: topic and rack names are user data.
public enum HTMLReport {
    public static func render(_ picture: PlanPicture) -> String {
        var page = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
        <title>kscale: \(escape(picture.title))</title>
        <style>\(style)</style>
        </head>
        <body>
        <h1>kscale: \(escape(picture.title))</h1>

        """
        if !picture.totals.isEmpty {
            page += "<section id=\"totals\"><h2>Totals</h2>\n" + totalsTable(picture.totals) + "</section>\n"
        }
        page += brokersSection(picture)
        for (index, step) in picture.steps.enumerated() {
            page += stepSection(step, index: index)
        }
        page += "<footer>Written by kscale. Byte counts are exact in each number's data-value.</footer>\n</body>\n</html>\n"
        return page
    }

    /// `text` safe inside an element and inside a quoted attribute.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// An element holding one figure: `<td data-field="..." data-value="...">1.50 GB</td>`.
    static func figure(_ f: Figure, tag: String = "td") -> String {
        "<\(tag) class=\"num\" data-field=\"\(escape(f.field))\" data-value=\"\(escape(f.raw))\">\(escape(f.text))</\(tag)>"
    }

    static func optionalFigure(_ f: Figure?, otherwise: String = "-") -> String {
        f.map { figure($0) } ?? "<td class=\"num\">\(escape(otherwise))</td>"
    }

    static func totalsTable(_ rows: [LabeledFigure]) -> String {
        var html = "<table class=\"totals\">\n"
        for row in rows { html += "<tr><th>\(escape(row.label))</th>\(figure(row.figure))</tr>\n" }
        return html + "</table>\n"
    }

    // MARK: brokers

    static func brokersSection(_ picture: PlanPicture) -> String {
        let after = escape(picture.afterLabel)
        var html = "<section id=\"brokers\"><h2>Brokers before and \(after), by rack</h2>\n"
        html += "<p class=\"legend\"><span class=\"key before\"></span> before <span class=\"key after\"></span> \(after)"
        if picture.hasTraffic { html += " <span class=\"key in\"></span> copied in <span class=\"key out\"></span> copied out" }
        html += "</p>\n"
        let groups = RackGroups.of(picture.brokers)
        let largestBytes = picture.brokers.flatMap { [$0.before?.bytes.magnitude, $0.after?.bytes.magnitude] }.compactMap { $0 }.max() ?? 0
        let largestCopy = picture.brokers.map { Double(max($0.copyIn, $0.copyOut)) }.max() ?? 0
        for group in groups {
            html += "<h3>rack \(escape(group.rack ?? "(none)"))</h3>\n<p class=\"caption\">bytes held</p>\n"
            html += chart(group.brokers, largest: largestBytes, bars: { b in
                [("before", "before", b.before?.bytes.magnitude ?? 0, b.before?.bytes.text ?? "-"),
                 ("after", picture.afterLabel, b.after?.bytes.magnitude ?? 0, b.after?.bytes.text ?? "-")]
            }, title: "bytes per broker in rack \(group.rack ?? "(none)")")
            if picture.hasTraffic {
                html += "<p class=\"caption\">bytes the plan copies in and out</p>\n"
                html += chart(group.brokers, largest: largestCopy, bars: { b in
                    [("in", "copied in", Double(b.copyIn), ByteUnits.format(b.copyIn)),
                     ("out", "copied out", Double(b.copyOut), ByteUnits.format(b.copyOut))]
                }, title: "bytes copied per broker in rack \(group.rack ?? "(none)")")
            }
        }
        html += "<table class=\"brokers\">\n<tr><th>broker</th><th>rack</th><th>replicas before</th><th>replicas \(after)</th>"
            + "<th>leaders before</th><th>leaders \(after)</th><th>bytes before</th><th>bytes \(after)</th></tr>\n"
        for group in groups {
            for b in group.brokers {
                html += "<tr><td class=\"num\">\(b.broker)</td><td>\(escape(b.rack ?? "-"))</td>"
                    + optionalFigure(b.before?.replicas) + optionalFigure(b.after?.replicas)
                    + optionalFigure(b.before?.leaders) + optionalFigure(b.after?.leaders)
                    + optionalFigure(b.before?.bytes) + optionalFigure(b.after?.bytes) + "</tr>\n"
            }
        }
        return html + "</table>\n</section>\n"
    }

    /// Chart geometry, in SVG user units.
    enum Geometry {
        static let width = 960.0
        static let labelWidth = 110.0
        static let valueWidth = 160.0
        static let barHeight = 14.0
        static let barGap = 2.0
        static let brokerGap = 10.0
        static let margin = 6.0
    }

    /// Horizontal bars, two per broker, on one scale: `largest` fills the space between the labels.
    static func chart(_ brokers: [BrokerPicture], largest: Double, bars: (BrokerPicture) -> [(kind: String, label: String, value: Double, text: String)],
                      title: String) -> String {
        let rowHeight = 2 * (Geometry.barHeight + Geometry.barGap) + Geometry.brokerGap
        let height = Geometry.margin * 2 + Double(brokers.count) * rowHeight
        let span = Geometry.width - Geometry.labelWidth - Geometry.valueWidth
        var svg = "<svg class=\"chart\" width=\"\(Int(Geometry.width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(Geometry.width)) \(Int(height))\" role=\"img\"><title>\(escape(title))</title>\n"
        for (row, broker) in brokers.enumerated() {
            let top = Geometry.margin + Double(row) * rowHeight
            svg += "<text class=\"label\" x=\"0\" y=\"\(number(top + Geometry.barHeight + Geometry.barGap))\">broker \(broker.broker)</text>\n"
            for (index, bar) in bars(broker).enumerated() {
                let y = top + Double(index) * (Geometry.barHeight + Geometry.barGap)
                let length = largest > 0 ? max(bar.value > 0 ? 1 : 0, bar.value / largest * span) : 0
                svg += "<rect class=\"\(bar.kind)\" x=\"\(number(Geometry.labelWidth))\" y=\"\(number(y))\" width=\"\(number(length))\" "
                    + "height=\"\(number(Geometry.barHeight))\"/>"
                svg += "<text class=\"value\" x=\"\(number(Geometry.labelWidth + length + 4))\" y=\"\(number(y + Geometry.barHeight - 3))\">"
                    + "\(escape(bar.label)): \(escape(bar.text))</text>\n"
            }
        }
        return svg + "</svg>\n"
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }

    // MARK: steps

    static func stepSection(_ step: StepPicture, index: Int) -> String {
        var html = "<section class=\"step\" id=\"step-\(index)\"><h2>\(escape(step.label))</h2>\n"
        if !step.totals.isEmpty { html += totalsTable(step.totals) }
        if let e = step.estimate { html += estimateBlock(e) }
        html += relocationTable(step.relocations)
        if !step.largestMoves.isEmpty { html += largestMovesTable(step.largestMoves) }
        return html + "</section>\n"
    }

    static func estimateBlock(_ e: EstimatePicture) -> String {
        var html = "<h3>Throttle and estimate</h3>\n<table class=\"estimate\">\n"
        if let throttle = e.throttle {
            html += "<tr><th>throttle per broker</th>\(figure(throttle))</tr>\n"
        } else {
            html += "<tr><th>throttle per broker</th><td>\(escape(e.note ?? "none"))</td></tr>\n"
        }
        if let seconds = e.seconds { html += "<tr><th>estimated duration</th>\(figure(seconds))</tr>\n" }
        if let bound = e.lowerBoundSeconds { html += "<tr><th>no schedule beats</th>\(figure(bound))</tr>\n" }
        html += "</table>\n"
        guard !e.traffic.isEmpty else { return html }
        html += "<table class=\"traffic\">\n<tr><th>broker</th><th>bytes in</th><th>bytes out</th></tr>\n"
        for t in e.traffic { html += "<tr><td class=\"num\">\(t.broker)</td>\(figure(t.bytesIn))\(figure(t.bytesOut))</tr>\n" }
        return html + "</table>\n"
    }

    static func relocationTable(_ relocations: [RelocationPicture]) -> String {
        var html = "<h3>Replicas moved, by broker pair</h3>\n"
        guard !relocations.isEmpty else { return html + "<p>No replica changes broker.</p>\n" }
        html += "<table class=\"pairs\">\n<tr><th>from broker</th><th>to broker</th><th>replicas</th><th>bytes</th></tr>\n"
        for r in relocations {
            html += "<tr>\(optionalFigure(r.from, otherwise: "(added replica)"))\(optionalFigure(r.to, otherwise: "(dropped replica)"))"
                + "\(figure(r.replicas))\(figure(r.bytes))</tr>\n"
        }
        return html + "</table>\n"
    }

    static func largestMovesTable(_ moves: [MovePicture]) -> String {
        var html = "<h3>Largest moves</h3>\n<table class=\"moves\">\n<tr><th>partition</th><th>replicas now</th><th>replicas planned</th><th>bytes copied</th></tr>\n"
        for m in moves {
            let list = { (brokers: [BrokerID]) in brokers.map(String.init).joined(separator: ",") }
            html += "<tr><td>\(escape(m.partition.description))</td><td>\(list(m.from))</td><td>\(list(m.to))</td>"
                + "<td class=\"num\">\(escape(ByteUnits.format(m.bytes)))</td></tr>\n"
        }
        return html + "</table>\n"
    }

    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#1d2330;background:#fff}
    h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ccd}h3{font-size:15px;margin:16px 0 6px}
    table{border-collapse:collapse;margin:6px 0 12px}th,td{border:1px solid #ccd;padding:3px 8px;text-align:left}
    td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#eef0f6}
    svg.chart{display:block;margin:4px 0}svg text{font-size:12px;fill:#1d2330}
    rect.before{fill:#9aa3b5}rect.after{fill:#2f6fd6}rect.in{fill:#2e9d5b}rect.out{fill:#d9822b}
    .key{display:inline-block;width:14px;height:10px;margin:0 4px 0 12px}.key.before{background:#9aa3b5}
    .key.after{background:#2f6fd6}.key.in{background:#2e9d5b}.key.out{background:#d9822b}
    p.caption{margin:4px 0 0;font-size:12px;color:#556}footer{margin-top:32px;font-size:12px;color:#667}
    """
}
