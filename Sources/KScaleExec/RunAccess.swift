import Foundation
import KafkaAdmin
import KScaleCore

/// Where a flow appends its journal records: a run's `Journal`, or a dry run's `DryRunJournal`.
public protocol JournalWriting: AnyObject, Sendable {
    func append(_ record: JournalRecord) throws
}

extension Journal: JournalWriting {}

/// A dry run's journal: keeps the records the flow would have written and writes nothing, so a
/// dry run leaves the run directory exactly as it found it.
public final class DryRunJournal: JournalWriting, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [JournalRecord] = []

    public init() {}

    public func append(_ record: JournalRecord) throws {
        lock.lock()
        defer { lock.unlock() }
        kept.append(record)
    }

    /// What the flow would have journaled, in order.
    public var records: [JournalRecord] {
        lock.lock()
        defer { lock.unlock() }
        return kept
    }
}

/// A run directory opened by a flow that ends or changes a run through the gate (verify, cancel,
/// throttle clear): with `--execute` the run's lock is held and its journal appended to; in a dry
/// run neither is touched and the records go to a `DryRunJournal`. The gate's mode decides, here.
public struct RunAccess: Sendable {
    public let journal: any JournalWriting
    /// Held for as long as this value lives (nil in a dry run, which changes nothing to protect).
    let lock: RunLock?

    public static func open(_ dir: String, through gate: DryRunAdmin) throws -> RunAccess {
        if gate.isDryRun { return RunAccess(journal: DryRunJournal(), lock: nil) }
        let lock = try RunLock(directory: dir)
        return RunAccess(journal: try Journal(path: dir + "/" + RunDirectory.journalName), lock: lock)
    }

    /// Keeps the lock held until `body` returns.
    public func holding<T>(_ body: () async throws -> T) async rethrows -> T {
        defer { withExtendedLifetime(lock) {} }
        return try await body()
    }
}
