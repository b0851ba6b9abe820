import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What a finished child process left: its exit status and everything it wrote.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
}

/// A child process that had not ended when its bound ran out; it was killed with SIGKILL.
public struct ProcessTimedOut: Error, CustomStringConvertible {
    public let description: String
}

/// A child process for tests. Its stdout and stderr go to two temporary files, so a child that
/// writes a lot to either can never block on a full pipe (and the test never waits on one stream
/// while the other fills). Its end is awaited without blocking a thread of the cooperative pool,
/// and always with a bound: `wait(timeout:)` kills a child still running then and throws.
public final class ChildProcess: Sendable {
    /// The executable and arguments, for messages.
    public let command: [String]
    public let processIdentifier: Int32
    private let directory: URL
    private let stdoutFile: URL
    private let stderrFile: URL
    private let exit: ExitSignal

    /// Starts `executable` with `arguments`; `environment` is laid over this process's environment.
    public init(executable: URL, arguments: [String], environment: [String: String] = [:]) throws {
        command = [executable.path] + arguments
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-child-\(UUID().uuidString)")
        stdoutFile = directory.appendingPathComponent("stdout")
        stderrFile = directory.appendingPathComponent("stderr")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try Data().write(to: stdoutFile)
        try Data().write(to: stderrFile)
        let stdout = try FileHandle(forWritingTo: stdoutFile)
        let stderr = try FileHandle(forWritingTo: stderrFile)
        defer {
            // The child holds its own copies; ours are not needed once it has started.
            try? stdout.close()
            try? stderr.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, laid in laid }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = ExitSignal()
        process.terminationHandler = { ended in exit.ended(ended.terminationStatus) }
        try process.run()
        self.exit = exit
        processIdentifier = process.processIdentifier
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    public var isRunning: Bool { !exit.hasEnded }

    /// Sends `number` (e.g. SIGTERM) to the child if it is still running.
    public func signal(_ number: Int32) {
        if isRunning { _ = Glibc.kill(processIdentifier, number) }
    }

    /// Kills the child with SIGKILL if it is still running.
    public func kill() { exit.killIfRunning(processIdentifier) }

    /// What the child has written to stdout so far.
    public var stdoutSoFar: String { Self.read(stdoutFile) }
    /// What the child has written to stderr so far.
    public var stderrSoFar: String { Self.read(stderrFile) }

    /// Waits for the child to end, at most `timeout`; a child still running then is killed and
    /// `ProcessTimedOut` names the command and the ends of what it wrote.
    public func wait(timeout: Duration) async throws -> ProcessResult {
        let exit = self.exit, pid = processIdentifier
        let watchdog = Task {
            try await Task.sleep(for: timeout)
            return exit.killIfRunning(pid)
        }
        let status = await exit.wait()
        watchdog.cancel()
        let result = ProcessResult(status: status, stdout: stdoutSoFar, stderr: stderrSoFar)
        if case .success(true) = await watchdog.result {
            throw ProcessTimedOut(description: """
                \(command.joined(separator: " ")) had not ended after \(timeout); killed it. \
                stdout ends: \(result.stdout.suffix(2000)) stderr ends: \(result.stderr.suffix(2000))
                """)
        }
        return result
    }

    private static func read(_ file: URL) -> String {
        String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)
    }
}

/// The child's exit status once its termination handler has run, and the tasks waiting for it.
private final class ExitSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var status: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    var hasEnded: Bool { lock.withLock { status != nil } }

    func ended(_ code: Int32) {
        let waiting = lock.withLock {
            status = code
            defer { waiters = [] }
            return waiters
        }
        for waiter in waiting { waiter.resume(returning: code) }
    }

    func wait() async -> Int32 {
        await withCheckedContinuation { (waiter: CheckedContinuation<Int32, Never>) in
            let known: Int32? = lock.withLock {
                if status == nil { waiters.append(waiter) }
                return status
            }
            if let known { waiter.resume(returning: known) }
        }
    }

    /// Sends SIGKILL unless the child has ended; says whether it sent it.
    @discardableResult
    func killIfRunning(_ pid: Int32) -> Bool {
        lock.withLock {
            guard status == nil else { return false }
            return kill(pid, SIGKILL) == 0
        }
    }
}
