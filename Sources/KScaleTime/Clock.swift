import Foundation

/// The one source of time for the executor, the lifecycle flows and the simulator: they read it
/// and wait on it, never on the wall clock directly. That is what lets a test run an hour-long
/// reassignment or a five-minute registration timeout in milliseconds, deterministically, and
/// lets `--time-scale` run the executor and KafkaSim on the same accelerated time.
public protocol KScaleClock: Sendable {
    /// Seconds since this clock's origin: the Unix epoch for `SystemClock`, the `start` given to
    /// `ScaledClock` and `ManualClock`.
    func now() -> Double
    /// Returns once `seconds` of this clock's time have passed (at once when `seconds` is not
    /// positive). Throws `CancellationError` when the task is cancelled.
    func sleep(seconds: Double) async throws
}

/// Wall-clock time, for real runs.
public struct SystemClock: KScaleClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .seconds(seconds))
    }
}

/// Wall-clock time running `timeScale` times faster, from `start` when created: what
/// `kscale sim --time-scale` runs the simulated cluster on, and what the executor's own
/// `--time-scale` uses to keep stall timeouts and rates in the simulator's units.
public struct ScaledClock: KScaleClock {
    public let timeScale: Double
    private let start: Double
    private let origin: ContinuousClock.Instant

    /// A `timeScale` that is not positive is taken as the smallest positive scale (time all but
    /// stands still), as the simulator refuses such a scale before it gets here.
    public init(timeScale: Double, start: Double = 0) {
        self.timeScale = max(timeScale, Self.minimumScale)
        self.start = start
        self.origin = ContinuousClock.now
    }

    static let minimumScale = 1e-9

    public func now() -> Double {
        let elapsed = (ContinuousClock.now - origin).components
        return start + (Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18) * timeScale
    }

    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(for: .seconds(seconds / timeScale))
    }
}
