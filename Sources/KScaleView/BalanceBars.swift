import Foundation
import KScaleCore

/// Per-broker bars before and after a plan, grouped by rack, that fit a terminal `width` columns
/// wide: bytes always, and the plan's replication traffic (bytes copied in and out) when it copies
/// anything. Every line is at most `width` columns; user data (rack names) is reduced to
/// printable ASCII so nothing in it can move the cursor or widen a line.
public enum BalanceBars {
    /// Narrowest terminal drawn with bars; below it each line is cut to the width.
    public static let narrowestBar = 4
    static let filledBefore: Character = "▒"
    static let filledAfter: Character = "█"
    static let indent = "  "

    public static func render(_ picture: PlanPicture, width: Int) -> String {
        let columns = max(1, width)
        var lines = section(
            "bytes per broker, before and \(picture.afterLabel), by rack", picture,
            rows: { b in [("before", b.before?.bytes.magnitude, b.before?.bytes.text, filledBefore),
                          (picture.afterLabel, b.after?.bytes.magnitude, b.after?.bytes.text, filledAfter)] },
            width: columns)
        if picture.hasTraffic {
            lines.append("")
            lines += section(
                "bytes copied per broker, in and out, by rack", picture,
                rows: { b in [("in", Double(b.copyIn), ByteUnits.format(b.copyIn), filledAfter),
                              ("out", Double(b.copyOut), ByteUnits.format(b.copyOut), filledBefore)] },
                width: columns)
        }
        return lines.map { clip($0, to: columns) }.joined(separator: "\n")
    }

    typealias Row = (label: String, value: Double?, text: String?, fill: Character)

    /// A heading, then per rack its name and two bars per broker on one scale (the largest value
    /// of the section fills the bar).
    static func section(_ heading: String, _ picture: PlanPicture, rows: (BrokerPicture) -> [Row], width: Int) -> [String] {
        let groups = RackGroups.of(picture.brokers)
        let allRows = picture.brokers.flatMap(rows)
        let idWidth = picture.brokers.map { String($0.broker).count }.max() ?? 1
        let labelWidth = allRows.map(\.label.count).max() ?? 0
        let valueWidth = allRows.map { ($0.text ?? "-").count }.max() ?? 1
        let largest = allRows.compactMap(\.value).max() ?? 0
        // indent, id, space, label, space, bar, space, value
        let fixed = indent.count + idWidth + 1 + labelWidth + 1 + 1 + valueWidth
        let barWidth = width - fixed
        var lines = [heading]
        for group in groups {
            lines.append("rack \(TerminalText.clean(group.rack ?? "(none)")) (\(group.brokers.count) brokers)")
            for broker in group.brokers {
                for (index, row) in rows(broker).enumerated() {
                    let id = index == 0 ? String(broker.broker) : ""
                    var line = indent + pad(id, idWidth, right: true) + " " + pad(row.label, labelWidth, right: false) + " "
                    if barWidth >= narrowestBar {
                        line += bar(row.value, largest: largest, width: barWidth, fill: row.fill) + " "
                    }
                    line += pad(row.text ?? "-", valueWidth, right: true)
                    lines.append(line)
                }
            }
        }
        return lines
    }

    /// `value` of `largest` as filled cells out of `width`; any value above zero shows one cell.
    static func bar(_ value: Double?, largest: Double, width: Int, fill: Character) -> String {
        guard let value, value > 0, largest > 0 else { return String(repeating: " ", count: width) }
        let cells = min(width, max(1, Int((value / largest * Double(width)).rounded())))
        return String(repeating: fill, count: cells) + String(repeating: " ", count: width - cells)
    }

    static func pad(_ text: String, _ width: Int, right: Bool) -> String {
        let gap = String(repeating: " ", count: max(0, width - text.count))
        return right ? gap + text : text + gap
    }

    /// The first `columns` characters (every character drawn here is one column wide).
    static func clip(_ line: String, to columns: Int) -> String {
        line.count <= columns ? line : String(line.prefix(columns))
    }
}

/// Brokers grouped by rack: racks by name, brokers without a rack last, brokers by id.
public struct RackGroups: Sendable, Hashable {
    public var rack: String?
    public var brokers: [BrokerPicture]

    public static func of(_ brokers: [BrokerPicture]) -> [RackGroups] {
        let byRack = Dictionary(grouping: brokers, by: \.rack)
        let named = byRack.keys.compactMap { $0 }.sorted()
        let order: [String?] = named.map { Optional($0) } + (byRack[nil] == nil ? [] : [nil])
        return order.map { rack in RackGroups(rack: rack, brokers: (byRack[rack] ?? []).sorted { $0.broker < $1.broker }) }
    }
}

/// Text from user data made safe for a terminal: printable ASCII kept, anything else (control
/// characters, escape sequences, wide characters) shown as `?`.
public enum TerminalText {
    static let printable: ClosedRange<UInt32> = 0x20...0x7E

    public static func clean(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { printable.contains($0.value) ? $0 : "?" }))
    }
}

/// The terminal's width in columns as the environment gives it: `COLUMNS` when it is a positive
/// number, else 80.
public enum TerminalWidth {
    public static let fallback = 80

    public static func columns(environment: [String: String]) -> Int {
        guard let text = environment["COLUMNS"], let columns = Int(text.trimmingCharacters(in: .whitespaces)), columns > 0 else {
            return fallback
        }
        return columns
    }
}
