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
}
