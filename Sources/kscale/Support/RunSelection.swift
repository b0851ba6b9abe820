import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `--state-dir ROOT`: the root of the run journals, the same in every command; each run is a
/// directory under it named by its id (a plan's id for `execute`).
struct StateRootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Root of the run journals (default ~/.kscale/runs, or $KSCALE_HOME/runs); each run is a directory under it named by its id. A run's own directory is still accepted (deprecated: use --state-dir ROOT --run ID).",
                                            valueName: "root"))
    var stateDir: String?

    /// The root, spelled one way (`RunDirectory.normalized`): run directories under it are keys.
    var root: String { RunDirectory.normalized(stateDir ?? RunDirectory.defaultRoot) }

    /// `--state-dir` naming one run's own directory (it holds a journal): the old meaning of the
    /// option in execute, status, resume, cancel, verify and throttle, accepted with a note.
    var legacyRunDirectory: String? {
        guard let given = stateDir, Self.isRunOrFlow(given) else { return nil }
        let stateDir = RunDirectory.normalized(given)
        Deprecation.note("--state-dir \(stateDir) names one run's directory, which is deprecated: write \(RunDirectory.selection(of: stateDir)) (--state-dir is the root of the runs in every command)")
        return stateDir
    }

    /// A run's directory (it holds a journal) or a lifecycle command's flow directory.
    static func isRunOrFlow(_ dir: String) -> Bool {
        FileManager.default.fileExists(atPath: dir + "/" + RunDirectory.journalName) || FlowDirectory.isFlow(dir)
    }

    /// The run directory of `plan`: `ROOT/<plan id>`, or the deprecated run directory.
    func directory(for plan: ReassignmentPlan) -> String {
        legacyRunDirectory ?? RunDirectory.directory(for: plan, root: root)
    }

    /// Every run under the root (the deprecated run directory: that run only).
    var allRuns: [String] { legacyRunDirectory.map { [$0] } ?? RunDirectory.all(root: root) }
}

/// `--state-dir ROOT` and `--run ID`: the run a command acts on (status, resume, cancel, verify).
struct RunSelectionOptions: ParsableArguments {
    @OptionGroup var stateRoot: StateRootOptions
    @Option(name: .long, help: ArgumentHelp("The run to act on: its id, the name of its directory under --state-dir, or a scale command's flow (flow-<command>-<brokers>) (default: the most recent run there).",
                                            valueName: "id"))
    var run: String?

    func validate() throws {
        if let run, run.isEmpty || run.contains("/") || run == "." || run == ".." {
            throw ValidationError("--run \"\(run)\" is not a run id (a directory name under --state-dir, such as 3f9a0c2e81d4b7a6)")
        }
    }

    /// The run's directory: `--run` under the root, else `fallback(root)` (the most recent run
    /// by default); `--state-dir` naming a run's own directory is that run (deprecated).
    func directory(fallback: (String) throws -> String = { try RunDirectory.latest(root: $0) }) throws -> String {
        if let legacy = stateRoot.legacyRunDirectory {
            guard run == nil else {
                throw InvalidInput("--run \(run ?? "") needs --state-dir to be the root of the runs, but \(legacy) is one run's directory")
            }
            return legacy
        }
        guard let run else { return try fallback(stateRoot.root) }
        let dir = stateRoot.root + "/" + run
        guard StateRootOptions.isRunOrFlow(dir) else {
            let known = RunDirectory.all(root: stateRoot.root).map { ($0 as NSString).lastPathComponent }
            throw InvalidInput("no run \(run) under \(stateRoot.root) (runs there: \(known.isEmpty ? "none" : known.joined(separator: ", ")))")
        }
        return dir
    }
}
