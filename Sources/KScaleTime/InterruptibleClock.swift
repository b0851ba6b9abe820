import Foundation

/// An interruption a process can raise once (the CLI raises it on SIGINT and SIGTERM): every
/// sleeper of an `InterruptibleClock` on it wakes with `CancellationError`, and every later
/// sleep throws at once.
public final class Interruption: @unchecked Sendable {
    // A lock, not an actor: `interrupt()` is called from a signal source's handler.
    private let lock = NSLock()
    private var raised = false
    private var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]

    public init() {}

    public var isRaised: Bool { lock.withLock { raised } }

    public func interrupt() {
        let woken = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            raised = true
            defer { waiters = [:] }
            return Array(waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once the interruption is raised (at once if it already was), or when the task is cancelled.
    func wait() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // A task cancelled before it got here had its cancellation handler run already,
                // with nothing to resume: it must not wait (a sleep that ended a moment ago
                // cancels this wait at once, and would otherwise never return).
                let resumeNow = lock.withLock { () -> Bool in
                    if raised || Task.isCancelled { return true }
                    waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = lock.withLock { waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// `base`, whose sleeps end early with `CancellationError` when `interruption` is raised: a run on
/// it stops at its next wait, after everything it did is journaled, instead of dying mid-action.
public struct InterruptibleClock: KScaleClock {
    public let base: any KScaleClock
    public let interruption: Interruption

    public init(_ base: any KScaleClock, interruption: Interruption) {
        self.base = base
        self.interruption = interruption
    }

    public func now() -> Double { base.now() }

    public func sleep(seconds: Double) async throws {
        if interruption.isRaised { throw CancellationError() }
        let base = self.base, interruption = self.interruption
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { try await base.sleep(seconds: seconds); return true }
            group.addTask { await interruption.wait(); return false }
            let slept = try await group.next() ?? false
            group.cancelAll()
            if !slept || interruption.isRaised { throw CancellationError() }
        }
    }
}
