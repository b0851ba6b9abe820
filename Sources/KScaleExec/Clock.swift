import Foundation

/// The executor's only source of time. It is a protocol so tests and benchmarks can run a
/// multi-hour reassignment in milliseconds, and so the simulator's scaled clock can drive it.
public protocol ExecClock: Sendable {
    /// Seconds since the Unix epoch (or any fixed origin, for test clocks).
    func now() -> Double
    /// Waits `seconds` of this clock's time.
    func sleep(seconds: Double) async throws
}

/// Wall-clock time, for real runs.
public struct SystemClock: ExecClock {
    public init() {}
    public func now() -> Double { Date().timeIntervalSince1970 }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }
}

/// A clock that runs `scale` times faster than the wall clock: the executor's view of a simulator
/// started with the same time scale, so stall timeouts and rates stay in simulated units.
public struct ScaledWallClock: ExecClock {
    public let scale: Double
    private let origin: Double
    public init(scale: Double) {
        self.scale = max(scale, 1e-9)
        self.origin = Date().timeIntervalSince1970
    }
    public func now() -> Double { origin + (Date().timeIntervalSince1970 - origin) * scale }
    public func sleep(seconds: Double) async throws {
        guard seconds > 0 else { return }
        try await Task.sleep(nanoseconds: UInt64(seconds / scale * 1e9))
    }
}
