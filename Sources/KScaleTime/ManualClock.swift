import Foundation

/// Time that moves only when told to, for tests and benchmarks: no sleeper ever waits on the wall
/// clock, and every sleeper wakes at its deadline in a fixed order.
///
/// A sleeper is registered with its deadline (now + seconds) and woken when the clock reaches it:
///
/// - `advance(by:)` moves time forward and wakes every sleeper whose deadline has come, earliest
///   first. A test that steps time by hand (the simulator's replication, say) uses only this.
/// - With `autoAdvance`, time also jumps on its own once every task of the clock is asleep on it:
///   straight to the earliest deadline, waking that one sleeper (the earliest registered, on a
///   tie). The tasks of the clock are the one that uses it directly, counted as one, plus every
///   task started with `spawn`. So a flow polling a cluster with a five-minute timeout runs its
///   polls one after the other at the simulated instants they would happen, and an event a test
///   schedules with `spawn { try await clock.sleep(seconds: 5); ... }` happens between the poll
///   before 5 s and the poll after, never racing either. Nothing waits for real time, and a wait
///   with a deadline on this clock always ends.
///
/// A task of the clock that waits for something other than the clock (another task, an actor
/// that is itself waiting) holds time still until it resumes.
public final class ManualClock: KScaleClock, @unchecked Sendable {
    // A lock rather than an actor: `now()` is read synchronously (inside the simulator's engine
    // actor, on its event loops), and continuations are resumed outside it.
    private let lock = NSLock()
    private var time: Double
    public let autoAdvance: Bool
    /// Sorted by deadline, then by registration.
    private var sleepers: [Sleeper] = []
    /// Sleeps begun but not yet registered, and those of them cancelled before they were.
    private var starting: Set<UInt64> = []
    private var cancelledBeforeStart: Set<UInt64> = []
    private var lastID: UInt64 = 0
    /// Tasks of the clock not asleep on it: the direct user, plus spawned tasks still running.
    private var awake = 1

    private struct Sleeper {
        let id: UInt64
        let deadline: Double
        let continuation: CheckedContinuation<Void, any Error>
    }

    public init(start: Double = 0, autoAdvance: Bool = false) {
        time = start
        self.autoAdvance = autoAdvance
    }

    public func now() -> Double { lock.withLock { time } }

    /// How many sleepers are waiting.
    public var sleeping: Int { lock.withLock { sleepers.count } }

    /// Moves time forward by `delta` seconds (never back) and wakes the sleepers now due.
    public func advance(by delta: Double) {
        let due: [Sleeper] = lock.withLock {
            time += max(0, delta)
            let count = sleepers.prefix { $0.deadline <= time }.count
            let woken = Array(sleepers.prefix(count))
            sleepers.removeFirst(count)
            awake += count
            return woken
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    public func sleep(seconds: Double) async throws {
        try Task.checkCancellation()
        guard seconds > 0 else { return }
        let id: UInt64 = lock.withLock {
            lastID += 1
            starting.insert(lastID)
            return lastID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: (cancelled: Bool, wake: Sleeper?) = lock.withLock {
                    starting.remove(id)
                    if cancelledBeforeStart.remove(id) != nil { return (true, nil) }
                    let sleeper = Sleeper(id: id, deadline: time + seconds, continuation: continuation)
                    let index = sleepers.firstIndex { $0.deadline > sleeper.deadline } ?? sleepers.endIndex
                    sleepers.insert(sleeper, at: index)
                    awake -= 1
                    return (false, jumpIfIdle())
                }
                if outcome.cancelled { continuation.resume(throwing: CancellationError()) }
                outcome.wake?.continuation.resume()
            }
        } onCancel: {
            let sleeper: Sleeper? = lock.withLock {
                if let index = sleepers.firstIndex(where: { $0.id == id }) {
                    awake += 1
                    return sleepers.remove(at: index)
                }
                if starting.contains(id) { cancelledBeforeStart.insert(id) }
                return nil
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs `body` as a task of the clock: with `autoAdvance`, time does not jump while it runs
    /// (it is not asleep on the clock), only once it sleeps or ends. Cancel it to end a sleep it
    /// is still in when the test is done.
    @discardableResult
    public func spawn(_ body: @escaping @Sendable () async throws -> Void) -> Task<Void, any Error> {
        lock.withLock { awake += 1 }
        return Task {
            defer { taskEnded() }
            try await body()
        }
    }

    private func taskEnded() {
        let wake: Sleeper? = lock.withLock {
            awake -= 1
            return jumpIfIdle()
        }
        wake?.continuation.resume()
    }

    /// Under the lock: when every task is asleep, moves time to the earliest deadline and takes
    /// that sleeper off the list for the caller to resume.
    private func jumpIfIdle() -> Sleeper? {
        guard autoAdvance, awake <= 0, !sleepers.isEmpty else { return nil }
        let first = sleepers.removeFirst()
        time = max(time, first.deadline)
        awake += 1
        return first
    }
}
