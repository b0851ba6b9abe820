import ArgumentParser
import Foundation

/// Old spellings still accepted: each prints one `note:` on stderr (never on stdout, so
/// `--output json` stays JSON) naming the new spelling. The table of them: docs/operator-guide.md,
/// "Renamed options".
enum Deprecation {
    private static let printed = Printed()

    /// Prints `message` as a note on stderr, once per process however often the parser asks.
    static func note(_ message: String) {
        if printed.first(message) { printError("note: \(message)") }
    }

    /// `old`, the value of the deprecated spelling `oldName` of `newName`: a note saying so, or an
    /// error when both spellings are given.
    static func alias<Value>(_ oldName: String, of newName: String, old: Value?, new: Value?, meaning: String) throws {
        guard let old else { return }
        guard new == nil else { throw ValidationError("give \(newName) only: \(oldName) is its deprecated spelling") }
        note("\(oldName) is deprecated here: write \(newName) \(old) (\(meaning))")
    }

    private final class Printed: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: Set<String> = []
        func first(_ message: String) -> Bool { lock.withLock { seen.insert(message).inserted } }
    }
}
