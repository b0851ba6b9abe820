import NIOCore

/// How long one call may take and how many attempts it may make: every attempt, connection setup
/// and pause between attempts ends by `deadline`, set `timeout` (the request timeout) after the
/// call began. docs/client.md ("Time budget") has the arithmetic.
struct CallBudget: Sendable {
    let deadline: NIODeadline
    /// What the deadline was set from, as messages name it: "did not answer X within 30000 ms".
    let timeout: Duration
    /// The first attempt plus the retries.
    let maxAttempts: Int

    init(timeout: Duration, maxAttempts: Int = 1, from start: NIODeadline = .now()) {
        self.init(deadline: start + .nanoseconds(timeout.nanoseconds), timeout: timeout, maxAttempts: maxAttempts)
    }

    private init(deadline: NIODeadline, timeout: Duration, maxAttempts: Int) {
        self.deadline = deadline
        self.timeout = timeout
        self.maxAttempts = max(1, maxAttempts)
    }

    /// One call under `config`: `requestTimeout` for all of it, `1 + retries` attempts.
    init(config: ClientConfig) {
        self.init(timeout: config.requestTimeout, maxAttempts: config.retries + 1)
    }

    var isSpent: Bool { NIODeadline.now() >= deadline }

    /// This budget, or one ending `limit` from now when that comes first (a connection setup
    /// bounded by the connect timeout); `isLimited` tells which.
    func limited(to limit: Duration) -> (budget: CallBudget, isLimited: Bool) {
        let end = NIODeadline.now() + .nanoseconds(limit.nanoseconds)
        guard end < deadline else { return (self, false) }
        return (CallBudget(deadline: end, timeout: limit, maxAttempts: maxAttempts), true)
    }

    /// The pause before attempt `attempt + 1`, or nil when there is none: `attempt` was the last
    /// allowed, or the pause would reach the deadline (leaving the next attempt no time).
    func pause(after attempt: Int, backoff: Duration, maxBackoff: Duration) -> Duration? {
        guard attempt < maxAttempts else { return nil }
        let wait = Self.backoff(after: attempt, first: backoff, max: maxBackoff)
        guard NIODeadline.now() + .nanoseconds(wait.nanoseconds) < deadline else { return nil }
        return wait
    }

    /// `first`, doubling after each attempt, at most `max`: 100, 200, 400, 800, 1600, 2000 ms... by default.
    static func backoff(after attempt: Int, first: Duration, max: Duration) -> Duration {
        let doublings = Swift.min(Swift.max(attempt - 1, 0), 30)
        return Swift.min(first * (1 << doublings), max)
    }

    /// The time left, at least a millisecond so a timer always fires.
    var remaining: TimeAmount { Swift.max(deadline - .now(), .milliseconds(1)) }

    func timedOut(_ broker: String, api: String) -> KafkaClientError {
        .requestTimedOut(broker: broker, api: api, timeout: timeout)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
