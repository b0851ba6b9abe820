import Foundation

/// Simulated seconds since the cluster started.
///
/// Injected rather than read from the wall clock so that tests step time by hand (and get exact,
/// repeatable replication progress) while `kscale sim --time-scale 50` rehearses hours of data
/// movement in minutes. Sizes, rates and throttles always stay in simulated units.
public protocol SimClock: Sendable {
    func now() -> Double
}

/// Wall-clock time multiplied by a scale factor, starting at zero when created.
public struct ScaledClock: SimClock {
    private let start: ContinuousClock.Instant
    private let scale: Double

    public init(timeScale: Double) {
        start = ContinuousClock.now
        scale = timeScale
    }

    public func now() -> Double {
        let elapsed = (ContinuousClock.now - start).components
        return (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * scale
    }
}

/// A clock that only moves when a test tells it to.
public final class ManualClock: SimClock, @unchecked Sendable {
    // A lock rather than an actor: `now()` is read synchronously from inside the engine actor.
    private let lock = NSLock()
    private var seconds: Double

    public init(start: Double = 0) { seconds = start }

    public func now() -> Double { lock.withLock { seconds } }

    public func advance(by delta: Double) { lock.withLock { seconds += max(0, delta) } }
}
