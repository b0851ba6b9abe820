/// How a bounded wait passes the time between two checks of its condition.
public enum WaitPause: Sendable {
    /// Lets other tasks run (a test whose clock is stepped by the code under test).
    case yield
    /// Sleeps this long (a test against something that moves by itself).
    case sleep(Duration)
}

/// A condition a test waited for did not hold within its bound.
public struct WaitTimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// Checks `condition` until it holds, for at most `timeout` of wall time, and throws
/// `WaitTimedOut` saying what it waited for otherwise. The bound only ends a wait that would
/// otherwise hang; it never orders events, so it is generous.
public func waitUntil(_ what: String, timeout: Duration = .seconds(60), pause: WaitPause = .sleep(.milliseconds(10)),
                      _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    var checks = 0
    while clock.now < deadline {
        if try await condition() { return }
        checks += 1
        switch pause {
        case .yield: await Task.yield()
        case .sleep(let interval): try await Task.sleep(for: interval)
        }
    }
    if try await condition() { return }
    throw WaitTimedOut(description: "gave up waiting for \(what) after \(timeout) (\(checks + 1) checks)")
}
