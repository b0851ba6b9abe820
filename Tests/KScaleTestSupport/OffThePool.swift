import Dispatch
import Testing

/// `.offThePool`: runs a suite's tests on threads of their own instead of Swift's cooperative pool.
///
/// Swift Testing starts every test at once as a task on the cooperative pool, which has one thread
/// per core: two on a CI machine. A synchronous test (a planner property over many seeds, a codec
/// over every golden frame) holds its thread until it returns, so a handful of them hold the whole
/// pool for tens of seconds, and every wire test waiting in that time (a KafkaSim broker answering
/// ApiVersions, a client reading the answer) runs out of its connect timeout without a byte being
/// wrong. CPU-heavy suites carry this trait: their test bodies run under a task executor preference
/// (SE-0417) for `HeavyWorkExecutor`, whose jobs run on Dispatch's global queue, a pool of threads
/// apart from the cooperative one. The operating system then shares the cores among all of them,
/// so the wire tests are slowed, never starved. Task-locals stay with the task, so `#expect` in a
/// test so scoped is attributed to its test as ever.
public struct OffThePoolTrait: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// Each test case's body is scoped; the suite around them need not be.
    public func scopeProvider(for test: Test, testCase: Test.Case?) -> Self? { testCase == nil ? nil : self }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(HeavyWorkExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffThePoolTrait {
    /// Runs the tests of a CPU-heavy suite off Swift's cooperative pool (see `OffThePoolTrait`).
    public static var offThePool: Self { OffThePoolTrait() }
}

/// A task executor whose jobs run on Dispatch's global queue, not on the cooperative pool.
public final class HeavyWorkExecutor: TaskExecutor, Sendable {
    public static let shared = HeavyWorkExecutor()
    private let queue = DispatchQueue.global(qos: .userInitiated)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor { UnownedTaskExecutor(ordinary: self) }
}
