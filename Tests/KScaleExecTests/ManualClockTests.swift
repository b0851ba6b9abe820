import Foundation
import KScaleTime
import Testing

/// The test clock the flow and executor tests stand on: sleepers wake at their deadlines, in
/// deadline order, with no wall-clock waiting. A regression here hangs rather than fails, so the
/// suite has a time limit.
@Suite("ManualClock", .timeLimit(.minutes(1)))
struct ManualClockTests {
    /// What the tasks of a test saw, in the order they saw it.
    final class Log: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func add(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    @Test func autoAdvanceWakesSleepersOneAtATimeInDeadlineOrder() async throws {
        let clock = ManualClock(start: 10, autoAdvance: true)
        let log = Log()
        let slow = clock.spawn {
            try await clock.sleep(seconds: 3)
            log.add("slow \(clock.now())")
        }
        let fast = clock.spawn {
            try await clock.sleep(seconds: 1)
            log.add("fast \(clock.now())")
            try await clock.sleep(seconds: 1)
            log.add("fast \(clock.now())")
        }
        try await clock.sleep(seconds: 2.5)
        log.add("main \(clock.now())")
        // Long enough for the others to finish: time jumps past their deadlines first.
        try await clock.sleep(seconds: 10)
        try await slow.value
        try await fast.value
        #expect(log.all == ["fast 11.0", "fast 12.0", "main 12.5", "slow 13.0"])
        #expect(clock.now() == 22.5)
        #expect(clock.sleeping == 0)
    }

    @Test func advanceWakesOnlyTheSleepersDue() async throws {
        let clock = ManualClock(autoAdvance: true)
        let log = Log()
        let soon = clock.spawn {
            try await clock.sleep(seconds: 5)
            log.add("soon \(clock.now())")
        }
        let later = clock.spawn {
            try await clock.sleep(seconds: 50)
            log.add("later \(clock.now())")
        }
        // Time only jumps once every task sleeps, so both are asleep when this returns.
        try await clock.sleep(seconds: 1)
        #expect(clock.sleeping == 2)
        clock.advance(by: 10)
        #expect(clock.now() == 11)
        #expect(clock.sleeping == 1)                  // "later" is not due
        try await clock.sleep(seconds: 100)
        try await soon.value
        try await later.value
        #expect(log.all == ["soon 11.0", "later 50.0"])
        #expect(clock.now() == 111)
    }

    @Test func aCancelledSleepThrowsAndLeavesNoSleeper() async throws {
        let clock = ManualClock()                     // nothing ever advances it
        let sleeper = Task { try await clock.sleep(seconds: 5) }
        sleeper.cancel()
        await #expect(throws: CancellationError.self) { try await sleeper.value }
        #expect(clock.sleeping == 0)
        #expect(clock.now() == 0)
    }

    @Test func sleepingZeroOrLessReturnsAtOnceWithoutMovingTime() async throws {
        let clock = ManualClock(start: 7)
        try await clock.sleep(seconds: 0)
        try await clock.sleep(seconds: -3)
        #expect(clock.now() == 7)
    }
}
