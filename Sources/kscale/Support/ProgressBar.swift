import Foundation
import KScaleView
import KScaleCore
import KScaleExec
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The live progress line, fitted to the terminal: the bar shrinks first, then the least
/// important parts go (waits, stalls, failures, counts, rate, ETA), so a redraw never wraps and
/// the carriage return that starts the next one always lands on the same line.
enum ProgressBar {
    /// Cells of the bar when there is room, and the fewest worth drawing.
    static let widestBar = 30
    static let narrowestBar = 10
    /// The last column stays free: a line that fills it leaves some terminals' cursor past the edge.
    static let freeColumns = 1
    /// Around the bar: "[", "] ".
    static let barFrame = 3

    /// One redraw's text (no carriage return), at most `columns - freeColumns` characters wide.
    static func line(_ report: ProgressReport, columns: Int) -> String {
        let room = max(1, columns - freeColumns)
        var parts = self.parts(report)
        while true {
            let text = parts.map(\.text).joined(separator: " ")
            let cells = min(widestBar, room - text.count - barFrame)
            if cells >= narrowestBar { return "[" + bar(report.progress.fraction, cells: cells) + "] " + text }
            guard parts.count > 1, let least = parts.indices.min(by: { parts[$0].rank > parts[$1].rank }) else { break }
            parts.remove(at: least)
        }
        // No room for a bar: the most important parts that fit.
        parts = self.parts(report)
        while parts.map(\.text).joined(separator: " ").count > room, parts.count > 1,
              let least = parts.indices.min(by: { parts[$0].rank > parts[$1].rank }) {
            parts.remove(at: least)
        }
        return String(parts.map(\.text).joined(separator: " ").prefix(room))
    }

    /// What the line says, in display order; `rank` 0 is kept longest.
    private static func parts(_ report: ProgressReport) -> [(text: String, rank: Int)] {
        let p = report.progress
        var parts: [(text: String, rank: Int)] = [(String(format: "%5.1f%%", p.percent), 0),
                                                  ("\(ByteUnits.format(p.bytesCopied))/\(ByteUnits.format(p.bytesTotal))", 1)]
        if let rate = report.rate { parts.append((ByteUnits.formatRate(Int64(max(0, rate))), 3)) }
        if let eta = report.etaSeconds { parts.append(("ETA \(formatDuration(eta))", 2)) }
        parts.append(("| done \(p.done) in-flight \(p.inFlight) pending \(p.pending)", 4))
        if p.failed > 0 { parts.append(("failed \(p.failed)", 5)) }
        if !report.stalled.isEmpty { parts.append(("stalled \(report.stalled.count)", 6)) }
        if !report.waiting.isEmpty { parts.append(("waiting \(report.waiting.count)", 7)) }
        return parts
    }

    /// A wait's line (`snapshot --sample`): `[#####.....] sampling traffic 23s of 1m00s`, fitted
    /// to `columns` as `line` is.
    static func waitLine(waited: Double, total: Double, columns: Int) -> String {
        let room = max(1, columns - freeColumns)
        let text = "sampling traffic \(DurationText.format(waited)) of \(DurationText.format(total))"
        let cells = min(widestBar, room - text.count - barFrame)
        guard cells >= narrowestBar else { return String(text.prefix(room)) }
        return "[" + bar(total > 0 ? waited / total : 1, cells: cells) + "] " + text
    }

    private static func bar(_ fraction: Double, cells: Int) -> String {
        let filled = min(cells, max(0, Int(fraction * Double(cells))))
        return String(repeating: "#", count: filled) + String(repeating: ".", count: cells - filled)
    }
}

/// The terminal's width in columns: `COLUMNS` when set (KScaleView's reading of it), else the
/// terminal's own (TIOCGWINSZ on stdout), else 80. One width for the progress bar and the plan bars.
extension TerminalWidth {
    static func current(environment: [String: String] = ProcessInfo.processInfo.environment) -> Int {
        if environment["COLUMNS"] != nil { return columns(environment: environment) }
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return fallback
    }
}
