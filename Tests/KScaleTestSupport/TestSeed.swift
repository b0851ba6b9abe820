import Foundation

/// The seed of a test's random choices. `KSCALE_TEST_SEED` sets it, to replay a failure; without
/// it each run draws a new one from the time. Every failure message names it (`description`).
public struct TestSeed: Sendable, CustomStringConvertible {
    public static let variable = "KSCALE_TEST_SEED"
    public let value: UInt64

    public init(value: UInt64) { self.value = value }

    /// The seed `KSCALE_TEST_SEED` names, else one from the time; a value that is not a number is refused.
    public static func fromEnvironment() throws -> TestSeed {
        guard let text = ProcessInfo.processInfo.environment[variable] else {
            return TestSeed(value: UInt64(Date().timeIntervalSince1970 * 1_000_000))
        }
        guard let value = UInt64(text) else {
            throw SeededFailure(description: "\(variable)=\(text) is not an unsigned 64-bit integer")
        }
        return TestSeed(value: value)
    }

    public var description: String { "seed \(value) (replay with \(Self.variable)=\(value))" }

    public func generator() -> SplitMix64 { SplitMix64(seed: value) }

    /// Runs `body`; an error it throws comes back with the seed in its message.
    public func withSeedInFailures<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw SeededFailure(description: "\(error) [\(self)]")
        }
    }
}

/// A failure under a `TestSeed`, its message naming the seed.
public struct SeededFailure: Error, CustomStringConvertible {
    public let description: String
}
