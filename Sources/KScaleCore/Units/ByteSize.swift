import Foundation

/// Sizes and rates in the human form operators type: `50MB`, `1.5GiB`, `200MB/s`, `2TB`.
///
/// Decimal suffixes (KB, MB, GB, TB, PB) are powers of 1000, binary ones (KiB, MiB, GiB, TiB, PiB)
/// powers of 1024, as in Kafka's docs; a bare number is bytes. Lower case is accepted (`50mb`).
public enum ByteUnits {
    private static let multipliers: [(String, Double)] = [
        ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776), ("pib", 1_125_899_906_842_624),
        ("kb", 1e3), ("mb", 1e6), ("gb", 1e9), ("tb", 1e12), ("pb", 1e15),
        ("k", 1e3), ("m", 1e6), ("g", 1e9), ("t", 1e12), ("b", 1),
    ]

    /// Parses a size such as `1.5GiB` into bytes. Throws, naming the text, on anything else.
    public static func parseSize(_ text: String) throws -> Int64 {
        let t = text.trimmingCharacters(in: .whitespaces)
        let lower = t.lowercased()
        var number = Substring(lower)
        var multiplier = 1.0
        for (suffix, m) in multipliers where lower.hasSuffix(suffix) {
            number = lower.dropLast(suffix.count)
            multiplier = m
            break
        }
        let digits = number.trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(digits), value.isFinite else {
            throw InvalidInput("\"\(text)\" is not a size: expected a number with an optional unit, such as 500MB, 1.5GiB or 2TB")
        }
        let bytes = value * multiplier
        guard bytes < 9.2e18 else { throw InvalidInput("\"\(text)\" is too large") }
        return Int64(bytes.rounded())
    }

    /// Parses a rate such as `50MB/s` (the `/s` is optional) into bytes per second.
    public static func parseRate(_ text: String) throws -> Int64 {
        var t = text.trimmingCharacters(in: .whitespaces)
        for suffix in ["/s", "/sec", "ps"] where t.lowercased().hasSuffix(suffix) {
            t = String(t.dropLast(suffix.count))
            break
        }
        do { return try parseSize(t) } catch {
            throw InvalidInput("\"\(text)\" is not a rate: expected a size per second, such as 50MB/s or 1GiB/s")
        }
    }

    /// Throttles below this many bytes per second given as a bare number are refused: `--throttle 50`
    /// is 50 B/s (an ETA of years), almost always a forgotten unit.
    public static let bareThrottleFloor: Int64 = 1_000_000

    /// A replication throttle: a rate, where a bare number under 1 MB/s is refused as a forgotten
    /// unit ("did you mean 50MB/s?"); an explicit unit, however small (`50KB/s`), is taken as meant.
    public static func parseThrottle(_ text: String) throws -> Int64 {
        let rate = try parseRate(text)
        let bare = !text.contains { $0.isLetter }
        if bare, rate < bareThrottleFloor {
            let number = text.trimmingCharacters(in: .whitespaces)
            throw InvalidInput("\"\(number)\" is \(format(rate))/s with no unit; did you mean \(number)MB/s? Give the unit (e.g. \(number)MB/s, or \(number)KB/s if you mean it)")
        }
        return rate
    }

    /// A size for people: `1.50 GB`, decimal units, three significant figures.
    public static func format(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB", "PB", "EB"]
        var v = Double(bytes)
        var i = 0
        while abs(v) >= 1000, i < units.count - 1 { v /= 1000; i += 1 }
        if i == 0 { return "\(bytes) B" }
        return String(format: v >= 100 ? "%.0f %@" : v >= 10 ? "%.1f %@" : "%.2f %@", v, units[i])
    }

    public static func formatRate(_ bytesPerSecond: Int64) -> String { format(bytesPerSecond) + "/s" }
}
