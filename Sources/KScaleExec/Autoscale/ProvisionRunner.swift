import Foundation
#if canImport(Glibc)
import Glibc
#endif
import KScaleCore

/// The one way a provisioner runs a command (docs/autoscale.md, "Provisioners"): Foundation's
/// `Process` with an argument vector (no shell, except the `command` kind, which runs its template
/// through `/bin/sh -c` after every value put into it was shell-quoted), stdin from /dev/null,
/// stdout and stderr into one temporary file (a chatty command can never block on a full pipe), the
/// exit code and the last `outputLimit` bytes of that output kept for the event log.
///
/// The executable is looked up in `searchPath` (this process's `PATH` unless given; tests put a
/// recording `kubectl`/`docker` first), and the child gets that `PATH` too. Nothing is echoed: the
/// runner prints nothing itself, and no environment is added beyond `PATH`, so a secret the operator
/// keeps in the environment stays there and is not written into the step.
public struct ProvisionRunner: Sendable {
    /// Output kept per command, from its end (where a failing command says why).
    public static let defaultOutputLimit = 16 * 1024

    public var searchPath: String
    public var outputLimit: Int

    public init(searchPath: String? = nil, outputLimit: Int = ProvisionRunner.defaultOutputLimit) {
        self.searchPath = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        self.outputLimit = outputLimit
    }

    /// Where `name` runs from: itself when it holds a `/`, else the first executable of that name
    /// in `searchPath`.
    public func resolve(_ name: String) throws -> URL {
        if name.contains("/") { return URL(fileURLWithPath: name) }
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ProvisionFailure(message: "provisioner: \(name) is not on the PATH (\(searchPath))", steps: [])
    }

    /// Runs `argv` (argv[0] looked up as `resolve` does) and answers the step with its exit code and
    /// output. A command that cannot be started answers exit code 127 and why, as a shell would.
    public func run(_ argv: [String], outputLimit: Int? = nil) async -> ProvisionStep {
        guard let name = argv.first else { return ProvisionStep(command: argv, exitCode: 127, output: "empty command") }
        let executable: URL
        do {
            executable = try resolve(name)
        } catch {
            return ProvisionStep(command: argv, exitCode: 127, output: "\(error)")
        }
        let outputFile = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-provision-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: outputFile) }
        do {
            try Data().write(to: outputFile)
            let handle = try FileHandle(forWritingTo: outputFile)
            let process = Process()
            process.executableURL = executable
            process.arguments = Array(argv.dropFirst())
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = searchPath
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = handle
            process.standardError = handle
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { ended in continuation.resume(returning: ended.terminationStatus) }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
            try? handle.close()
            return ProvisionStep(command: argv, exitCode: status, output: tail(of: outputFile, limit: outputLimit ?? self.outputLimit))
        } catch {
            return ProvisionStep(command: argv, exitCode: 127, output: "cannot start \(executable.path): \(error.localizedDescription)")
        }
    }

    /// The last `limit` bytes of the file, as text (a cut UTF-8 sequence is replaced).
    func tail(of file: URL, limit: Int) -> String {
        guard let handle = try? FileHandle(forReadingFrom: file) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > UInt64(limit) ? size - UInt64(limit) : 0
        try? handle.seek(toOffset: start)
        let data = (try? handle.readToEnd()) ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return start > 0 ? "[\(start) bytes cut]\n" + text : text
    }

    /// Runs each command in order and stops at the first that fails, throwing `ProvisionFailure`
    /// with every step that ran (the failing one last, with its exit code and output).
    public func runAll(_ commands: [[String]], what: String) async throws -> [ProvisionStep] {
        var steps: [ProvisionStep] = []
        for argv in commands {
            let step = await run(argv)
            steps.append(step)
            try Self.check(step, steps: steps, what: what)
        }
        return steps
    }

    /// Throws `ProvisionFailure` when `step` did not exit 0.
    public static func check(_ step: ProvisionStep, steps: [ProvisionStep], what: String) throws {
        guard let code = step.exitCode, code != 0 else { return }
        let last = (step.output ?? "").split(separator: "\n").last.map(String.init) ?? ""
        throw ProvisionFailure(message: "\(what): `\(step.command.joined(separator: " "))` exited \(code)\(last.isEmpty ? "" : ": \(last)")",
                               steps: steps)
    }

    /// `value` as one word for `/bin/sh`: in single quotes, each `'` written as `'\''`.
    public static func shellQuoted(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}

/// A provisioner whose action is a fixed list of commands known before it runs (`command`,
/// `compose`): its dry run is that list, running it is running the list in order, and the brokers
/// it makes and removes are the ids kscale chose.
public protocol CommandListProvisioner: BrokerProvisioner {
    var runner: ProvisionRunner { get }
    func commands(_ action: ProvisionAction) -> [[String]]
}

extension CommandListProvisioner {
    public func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID] { requested.map(\.id) }

    public func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID] { Array(candidates.prefix(count)) }

    public func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep] {
        commands(action).map { ProvisionStep(command: $0) }
    }

    public func run(_ action: ProvisionAction) async throws -> [ProvisionStep] {
        try await runner.runAll(commands(action), what: "\(kind) provisioner: \(action.summary)")
    }
}

extension ProvisionAction {
    /// `adding broker(s) 4, 5` or `removing broker(s) 4`, for messages.
    public var summary: String {
        switch self {
        case .add(let requests): "adding broker(s) " + requests.map { String($0.id) }.joined(separator: ", ")
        case .remove(let ids): "removing broker(s) " + ids.map(String.init).joined(separator: ", ")
        }
    }
}
