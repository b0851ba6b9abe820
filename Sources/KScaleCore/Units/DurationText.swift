import Foundation

/// Durations for people: `1h02m`, `4m05s`, `7s`; `?` for one that is not a finite, non-negative
/// number of seconds.
public enum DurationText {
    public static func format(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        let hour = 3600, minute = 60
        if whole >= hour { return "\(whole / hour)h\(String(format: "%02d", whole % hour / minute))m" }
        if whole >= minute { return "\(whole / minute)m\(String(format: "%02d", whole % minute))s" }
        return "\(whole)s"
    }

    /// Parses `300`, `30s`, `5m`, `2h` (or `250ms`) into seconds, more than 0; `name` is the option
    /// or policy key, for the error message. The one reading of a duration the operator types.
    public static func parse(_ text: String, name: String) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for unit in units where trimmed.hasSuffix(unit.suffix) {
            if let value = Double(trimmed.dropLast(unit.suffix.count)), value.isFinite, value > 0 { return value * unit.seconds }
        }
        if let value = Double(trimmed), value.isFinite, value > 0 { return value }
        throw InvalidInput("\(name) \"\(text)\" is not a duration: expected seconds or a number with s, m or h (e.g. 5m)")
    }
}
