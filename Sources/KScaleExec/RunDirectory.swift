import Foundation
import KScaleCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where runs live on disk. A run's id is a hash of its plan, so executing the same plan twice
/// lands in the same directory and continues the same run instead of starting a second one.
public enum RunDirectory {
    public static let journalName = "journal.jsonl"
    public static let lockName = "lock"

    /// `~/.kscale/runs`, or `$KSCALE_HOME/runs` when set (tests point it at a temporary folder).
    /// `~` is `$HOME` when set, as the operator's shell has it (Foundation on Linux reads the
    /// password database instead, so two operators sharing an account with their own `HOME` would
    /// share state dirs).
    public static var defaultRoot: String {
        let environment = ProcessInfo.processInfo.environment
        if let home = environment["KSCALE_HOME"], !home.isEmpty { return home + "/runs" }
        if let home = environment["HOME"], !home.isEmpty { return home + "/.kscale/runs" }
        return NSHomeDirectory() + "/.kscale/runs"
    }

    /// A stable 16-hex-digit id for a plan (FNV-1a over Kafka's canonical JSON of it). What the
    /// plan was made from (`original_replicas`) is left out: it is not part of what it asks for.
    public static func runID(for plan: ReassignmentPlan) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in plan.encoded(recordingOriginals: false) {
            h ^= UInt64(byte)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    public static func directory(for plan: ReassignmentPlan, root: String = defaultRoot) -> String {
        root + "/" + runID(for: plan)
    }

    /// The most recently active run under `root`, for commands given no `--run`: a run's directory,
    /// or a scale command's flow (which may have no executor run yet, interrupted before its plan).
    public static func latest(root: String = defaultRoot) throws -> String {
        let fm = FileManager.default
        let names = (try? fm.contentsOfDirectory(atPath: root)) ?? []
        var best: (String, Date)?
        for n in names {
            for journal in [journalName, FlowLog.journalName] {
                let j = root + "/" + n + "/" + journal
                guard let attrs = try? fm.attributesOfItem(atPath: j), let m = attrs[.modificationDate] as? Date else { continue }
                if let b = best, m <= b.1 { continue }
                best = (root + "/" + n, m)
            }
        }
        guard let dir = best?.0 else {
            throw InvalidInput("no kscale run found under \(root); pass --state-dir ROOT, the root the run was journaled under")
        }
        return dir
    }

    /// The options that name the run in `dir` to a command: `--state-dir ROOT --run ID`.
    public static func selection(of dir: String) -> String {
        let path = URL(fileURLWithPath: normalized(dir))
        return "--state-dir \(path.deletingLastPathComponent().path) --run \(path.lastPathComponent)"
    }

    /// One spelling of a directory: absolute, without `.`, `..`, doubled or trailing slashes. Run
    /// directories are keys (the cluster's run record, a flow's runs, `--run`), so a root typed as
    /// `/srv/runs/` and one typed as `/srv/runs` must name the same runs.
    public static func normalized(_ path: String) -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        return "/" + absolute.split(separator: "/", omittingEmptySubsequences: true).joined(separator: "/")
    }

    /// Every run directory under `root` (for `throttle audit`).
    public static func all(root: String = defaultRoot) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { root + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0 + "/" + journalName) }
    }

    public static func readState(_ dir: String) throws -> RunState {
        RunState(records: try Journal.read(path: dir + "/" + journalName))
    }

    /// The run journaled in `dir`, nil when `dir` holds no journal; a damaged journal is refused.
    public static func existingState(_ dir: String) throws -> RunState? {
        guard FileManager.default.fileExists(atPath: dir + "/" + journalName) else { return nil }
        return try readState(dir)
    }
}

/// An exclusive lock on a run directory, so two processes never drive the same run. The kernel
/// drops it when the holder dies, even by SIGKILL, so `resume` after a crash just works.
public final class RunLock: @unchecked Sendable {
    private let fd: Int32

    public init(directory: String) throws {
        try StateFiles.makeDirectories(directory)
        let path = directory + "/" + RunDirectory.lockName
        let fd = StateFiles.openFile(path, O_RDWR)
        guard fd >= 0 else { throw LocalIOError("cannot open lock file", path: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Refusal("another kscale process is driving the run in \(directory); wait for it or stop it first")
        }
        self.fd = fd
    }

    /// True when some live process holds the lock of `directory`.
    public static func isHeld(directory: String) -> Bool {
        let fd = open(directory + "/" + RunDirectory.lockName, O_RDWR)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
