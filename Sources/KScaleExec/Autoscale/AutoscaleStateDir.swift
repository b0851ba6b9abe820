import Foundation
import KScaleCore

/// One line of the event log (`<state dir>/events.jsonl`): every evaluation with its decision, and
/// every step of every action with its reason, the provisioner's commands with their exit code and
/// output, the verdicts, failures and notifications that could not be sent. No secret: the
/// provisioner's commands are the policy's templates filled with ids and racks.
public struct AutoscaleEvent: Encodable, Sendable {
    public var at: String
    /// evaluation, action-started, provisioner, planned, flow, verdict, action-ended, paused,
    /// resumed, continue, notify-failed, stopped.
    public var type: String
    public var message: String
    public var action: Int?
    public var decision: AutoscaleDecision?
    public var steps: [ProvisionStep]?
    public var verdicts: [BrokerVerdict]?
    /// True when the autoscaler runs without `--execute` (it changes nothing).
    public var dryRun: Bool?

    enum CodingKeys: String, CodingKey {
        case at, type, message, action, decision, steps, verdicts
        case dryRun = "dry_run"
    }

    public init(at: Double, type: String, message: String, action: Int? = nil, decision: AutoscaleDecision? = nil,
                steps: [ProvisionStep]? = nil, verdicts: [BrokerVerdict]? = nil, dryRun: Bool? = nil) {
        self.at = AutoscaleDecision.timestamp(Date(timeIntervalSince1970: at))
        self.type = type
        self.message = message
        self.action = action
        self.decision = decision
        self.steps = steps
        self.verdicts = verdicts
        self.dryRun = dryRun
    }
}

/// The autoscaler's state directory (`--state-dir`, default `autoscale` under kscale's state root):
///
/// - `lock`: held (flock, `RunLock`) for as long as an autoscaler runs on the directory, so a
///   second one stops with a clear message; the kernel drops it when the holder dies.
/// - `state.jsonl`: the state journal (`AutoscaleRecord`, fsynced write-ahead), read back as an
///   `AutoscaleState`; `pause` and `resume` append to it too, and the loop reads it again at each
///   evaluation.
/// - `window.json`: the window's samples (replaced whole; a lost window only delays a decision).
/// - `events.jsonl`: the event log (`AutoscaleEvent`), one fsynced JSON line each.
/// - `runs/`: the state root of the scale flows and their executor runs (`FlowLog`, run journals),
///   so an operation interrupted mid-drain is finished by the next start.
public enum AutoscaleStateDir {
    public static let stateName = "state.jsonl"
    public static let windowName = "window.json"
    public static let eventsName = "events.jsonl"
    public static let runsName = "runs"

    /// `<kscale state root>/../autoscale`: `~/.kscale/autoscale`, or `$KSCALE_HOME/autoscale`.
    public static var defaultDirectory: String {
        ((RunDirectory.defaultRoot as NSString).deletingLastPathComponent as NSString).appendingPathComponent("autoscale")
    }

    public static func runsRoot(_ dir: String) -> String { dir + "/" + runsName }

    /// The state journaled in `dir` (an empty state when there is none); a damaged journal is refused.
    public static func readState(_ dir: String) throws -> AutoscaleState {
        let path = dir + "/" + stateName
        guard FileManager.default.fileExists(atPath: path) else { return AutoscaleState() }
        return AutoscaleState(records: try Journal.read(AutoscaleRecord.self, path: path))
    }

    /// Appends one record to the state journal of `dir` (fsynced): `pause` and `resume` from
    /// another process, and the loop itself through `AutoscaleJournal`.
    public static func append(_ record: AutoscaleRecord, to dir: String) throws {
        try Journal(path: dir + "/" + stateName).appendLine(record)
    }

    public static func readWindow(_ dir: String) throws -> [AutoscaleSample] {
        let path = dir + "/" + windowName
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        do {
            return try JSONDecoder().decode([StoredSample].self, from: data).map(\.sample)
        } catch {
            throw InvalidInput("the autoscaler's window \(path) does not read back (\(error)); remove it to start a new window")
        }
    }

    public static func writeWindow(_ samples: [AutoscaleSample], to dir: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try StateFiles.replace(dir + "/" + windowName, with: try encoder.encode(samples.map(StoredSample.init)))
    }

    /// True when an autoscaler holds the directory's lock.
    public static func isRunning(_ dir: String) -> Bool { RunLock.isHeld(directory: dir) }

    /// Sets the pause by hand (`kscale autoscale pause`); a running loop reads it at its next evaluation.
    public static func pause(_ dir: String, reason: String, at: Double) throws {
        var r = AutoscaleRecord(.paused, at: at)
        r.detail = reason
        try append(r, to: dir)
    }

    /// Clears the pause (`kscale autoscale resume`); nothing to do when not paused.
    @discardableResult
    public static func resume(_ dir: String, at: Double) throws -> AutoscaleState.Pause? {
        let before = try readState(dir).paused
        guard before != nil else { return nil }
        try append(AutoscaleRecord(.resumed, at: at), to: dir)
        return before
    }
}

/// The state directory held by one running autoscaler: the lock taken, the journals open.
public final class AutoscaleJournal: @unchecked Sendable {
    public let dir: String
    private let lock: RunLock
    private let state: Journal
    private let events: Journal

    public init(dir: String) throws {
        do {
            lock = try RunLock(directory: dir)
        } catch is Refusal {
            throw Refusal("another kscale autoscale is running on the state dir \(dir); stop it first, or give this one its own --state-dir")
        }
        self.dir = dir
        state = try Journal(path: dir + "/" + AutoscaleStateDir.stateName)
        events = try Journal(path: dir + "/" + AutoscaleStateDir.eventsName)
    }

    public func record(_ record: AutoscaleRecord) throws { try state.appendLine(record) }

    public func log(_ event: AutoscaleEvent) throws { try events.appendLine(event) }

    /// The state as journaled now (pause and resume from other processes included).
    public func read() throws -> AutoscaleState { try AutoscaleStateDir.readState(dir) }
}
