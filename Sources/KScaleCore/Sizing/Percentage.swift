import Foundation

/// Percentages as operators type them: `70%`, `12.5%`, or a bare `70` meaning the same.
///
/// A bare number strictly between 0 and 1 is refused rather than guessed at: `0.7` could be meant
/// as 70% or as 0.7%, and the two answers differ by a factor of a hundred in brokers.
public enum Percentage {
    /// Parses `text` into a fraction (0.7 for `70%`). `name` is the option, for the error message.
    /// `allowZero` admits `0%` (a share can be nothing; a utilisation target cannot).
    public static func parse(_ text: String, name: String, allowZero: Bool = false) throws -> Double {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let hasSign = trimmed.hasSuffix("%")
        let digits = (hasSign ? String(trimmed.dropLast()) : trimmed).trimmingCharacters(in: .whitespaces)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }),
              let value = Double(digits), value.isFinite
        else {
            throw InvalidInput("\(name) \"\(text)\" is not a percentage: expected a number such as 70%")
        }
        if !hasSign, value > 0, value < 1 {
            throw InvalidInput("\(name) \"\(text)\" is ambiguous: write \(formatted(value * 100))% or \(formatted(value))% explicitly")
        }
        guard value >= 0 else { throw InvalidInput("\(name) \"\(text)\" is negative: expected 0% to 100%") }
        guard value > 0 || allowZero else { throw InvalidInput("\(name) must be more than 0%, got \"\(text)\"") }
        guard value <= 100 else { throw InvalidInput("\(name) \"\(text)\" is over 100%") }
        return value / 100
    }

    /// `70`, `12.5`, `0.5`: no trailing zeros, for messages and reports.
    public static func formatted(_ percent: Double) -> String {
        let rounded = (percent * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int64(rounded)) }
        var s = String(rounded)
        while s.hasSuffix("0") { s.removeLast() }
        return s
    }
}
