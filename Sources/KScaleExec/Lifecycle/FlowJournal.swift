import Foundation
import KScaleCore
import KScaleTime

/// What a lifecycle command was asked to do: its kind and arguments, as its flow journal records
/// them (no secret: `commandConfig` is the path of the properties file, as the run journal has it).
public struct FlowCommand: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case scaleOut = "scale-out"
        case scaleIn = "scale-in"

        /// The option that names the brokers.
        var brokersOption: String { self == .scaleOut ? "--add-brokers" : "--remove-brokers" }
    }

    public var kind: Kind
    /// In the order given (scale-in's `--step` groups follow it).
    public var brokers: [BrokerID]
    public var step: Int?
    public var settings: FlowSettings

    public init(kind: Kind, brokers: [BrokerID], step: Int? = nil, settings: FlowSettings = FlowSettings()) {
        self.kind = kind
        self.brokers = brokers
        self.step = step
        self.settings = settings
    }

    /// The same command again: the same flow over the same brokers, steps and planning. Pacing and
    /// throttle may differ (the continued run keeps its journaled ones); so may the connection.
    public func isSameCommand(as other: FlowCommand) -> Bool {
        kind == other.kind && brokers == other.brokers && step == other.step
            && settings.excludeTopics == other.settings.excludeTopics && settings.rackAware == other.settings.rackAware
    }

    /// `kscale scale-in --remove-brokers 4,5 --step 1`: how messages name the command.
    public var commandLine: String {
        var words = ["kscale", kind.rawValue, kind.brokersOption, brokers.map(String.init).joined(separator: ",")]
        if let step { words += ["--step", "\(step)"] }
        if let exclude = settings.excludeTopics { words += ["--exclude-topics", "'\(exclude)'"] }
        if !settings.rackAware { words.append("--disable-rack-aware") }
        return words.joined(separator: " ")
    }

    /// `flow-scale-in-4-5`: the flow's directory under the state root, named by what it does, so
    /// the same command run again finds its own flow.
    public var directoryName: String {
        (["flow", kind.rawValue] + brokers.map(String.init)).joined(separator: "-")
    }
}

/// A flow's settings besides its brokers: what `kscale resume` needs to carry out the remaining
/// steps as the command would have.
public struct FlowSettings: Codable, Sendable, Equatable {
    public var excludeTopics: String?
    public var rackAware: Bool
    public var registrationTimeout: Double?
    /// The executor's settings for the flow's runs (each run journals them again).
    public var runOptions: RunOptions?
    public var bootstrap: String?
    public var commandConfig: String?
    /// `scale-out --byte-tolerance` (absent in flows journaled before it, and without it).
    public var byteTolerance: Double?

    public init(excludeTopics: String? = nil, rackAware: Bool = true, registrationTimeout: Double? = nil, runOptions: RunOptions? = nil,
                bootstrap: String? = nil, commandConfig: String? = nil, byteTolerance: Double? = nil) {
        self.byteTolerance = byteTolerance
        self.excludeTopics = excludeTopics
        self.rackAware = rackAware
        self.registrationTimeout = registrationTimeout
        self.runOptions = runOptions
        self.bootstrap = bootstrap
        self.commandConfig = commandConfig
    }
}

/// One line of a flow's journal (`flow.jsonl`), written and fsynced before what it describes, as
/// the run journal's lines are.
public struct FlowRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A flow starts: its command. A later `flow` line starts the flow again (a new attempt
        /// of the same command after the earlier one ended).
        case flow
        case stepStarted = "step-started"
        /// A step ended, with what it found (`payload`, JSON) so a continued flow does not redo it.
        case stepEnded = "step-ended"
        /// The flow ended: `state` finished, `exitCode` the command's.
        case end
    }

    public var type: Kind
    public var at: Double
    public var command: FlowCommand?
    public var step: String?
    /// The executor run an execute step drives.
    public var runDir: String?
    public var payload: String?
    public var state: String?
    public var exitCode: Int32?

    public init(_ type: Kind, at: Double) {
        self.type = type
        self.at = at
    }
}

/// A flow as its journal describes it: the fold of its records since the last `flow` line.
public struct FlowState: Sendable, Equatable {
    public var command: FlowCommand?
    /// Steps in the order they started.
    public var started: [String] = []
    /// What each ended step found.
    public var ended: [String: String] = [:]
    /// The executor runs the flow's execute steps drive, in order.
    public var runDirs: [String] = []
    /// How the flow ended (`finished`), nil while it has not.
    public var end: String?
    public var exitCode: Int32?
    /// The ended flow's report (JSON of a `ScaleReport`).
    public var report: String?

    public init() {}

    public init(records: [FlowRecord]) {
        self.init()
        for r in records { apply(r) }
    }

    public mutating func apply(_ r: FlowRecord) {
        switch r.type {
        case .flow:
            self = FlowState()
            command = r.command
        case .stepStarted:
            guard let step = r.step else { return }
            if !started.contains(step) { started.append(step) }
            if let dir = r.runDir, !runDirs.contains(dir) { runDirs.append(dir) }
        case .stepEnded:
            guard let step = r.step else { return }
            ended[step] = r.payload ?? ""
        case .end:
            end = r.state
            exitCode = r.exitCode
            report = r.payload
        }
    }

    /// The step the flow stopped in: the last one started and not ended.
    public var interruptedAt: String? { started.last { ended[$0] == nil } }

    /// Where the flow stands, in words: "step 1 round 1: execute", or "after post-flight".
    public var position: String {
        if let step = interruptedAt { return step }
        return started.last.map { "after \($0)" } ?? "its start"
    }

    /// The executor run the flow drove last.
    public var currentRun: String? { runDirs.last }
}

/// A flow found under a state root: its journal, and the executor run it drove last as that
/// run's journal says (read by the caller, so the decision below is pure).
public struct FlowStanding: Sendable {
    public var dir: String
    public var state: FlowState
    public var currentRun: RunState?

    public init(dir: String, state: FlowState, currentRun: RunState?) {
        self.dir = dir
        self.state = state
        self.currentRun = currentRun
    }

    /// Cancelled: `kscale cancel` ended the run the flow was driving, or the flow itself.
    public var isCancelled: Bool { currentRun?.ended == FlowStep.cancelled || state.end == FlowStep.cancelled }
    /// Neither ended nor cancelled: a continued flow takes it from where it stopped.
    public var isOpen: Bool { state.end == nil && !isCancelled && state.command != nil }
    /// Partitions its current run submitted and has not seen finish.
    public var moving: Int { currentRun.map { $0.ended == nil ? $0.submitted.count : 0 } ?? 0 }

    /// How to go on with it, for messages.
    public var howToGoOn: String {
        var stop = "stop it with `kscale cancel \(RunDirectory.selection(of: dir)) --execute`"
        if let run = state.currentRun, moving > 0 { stop = "stop its moves with `kscale cancel \(RunDirectory.selection(of: run)) --execute`" }
        return "continue it with `kscale resume \(RunDirectory.selection(of: dir)) --execute` (or run `\(state.command?.commandLine ?? "the same command")` again), or \(stop)"
    }

    /// "run flow-scale-in-4 (`kscale scale-in --remove-brokers 4`), interrupted at step X".
    public var description: String {
        let name = (dir as NSString).lastPathComponent
        let what = state.command.map { " (`\($0.commandLine)`)" } ?? ""
        let moves = moving > 0 ? ", with \(moving) partitions still moving" : ""
        return "run \(name)\(what), interrupted at step \"\(state.position)\"\(moves)"
    }
}

/// What a lifecycle command does about the flows its state root holds (pure).
public enum FlowDecision: Sendable, Equatable {
    /// No flow of this command is open, and none that overlaps it: start one.
    case start
    /// The same command's flow stopped at `step` (nil: between steps): continue it.
    case continueFlow(dir: String, at: String?)
    /// Another open flow over the same brokers, or with moves in flight: refused, naming it.
    case refuse(String)

    /// `command`'s flow lives in `dir`; `flows` are every flow under the same root (`dir`'s included).
    public static func decide(_ command: FlowCommand, dir: String, flows: [FlowStanding]) -> FlowDecision {
        if let own = flows.first(where: { $0.dir == dir && $0.isOpen }), let journaled = own.state.command, journaled.isSameCommand(as: command) {
            return .continueFlow(dir: dir, at: own.state.interruptedAt)
        }
        let wanted = Set(command.brokers)
        let blocking = flows.filter { flow in
            guard flow.isOpen, let other = flow.state.command else { return false }
            return flow.moving > 0 || !wanted.isDisjoint(with: other.brokers) || flow.dir == dir
        }.sorted { $0.dir < $1.dir }
        guard let first = blocking.first else { return .start }
        return .refuse("refusing `\(command.commandLine)`: \(first.description) has not ended; \(first.howToGoOn); then run this command")
    }
}

/// A flow's journal in its directory, open for appending: the directory's lock held for as long as
/// this lives (a second process driving the same flow is refused), each record fsynced.
public final class FlowLog: @unchecked Sendable {
    public let dir: String
    private let journal: Journal
    private let lock: RunLock
    private let clock: any KScaleClock
    private let mutex = NSLock()
    private var current: FlowState

    public static let journalName = "flow.jsonl"

    /// Opens the flow journal in `dir`; `command` starts a new flow (a `flow` line), nil continues
    /// the one journaled there.
    init(dir: String, starting command: FlowCommand?, clock: any KScaleClock) throws {
        self.dir = dir
        self.clock = clock
        lock = try RunLock(directory: dir)
        journal = try Journal(path: dir + "/" + Self.journalName)
        current = FlowState(records: try Journal.read(FlowRecord.self, path: journal.path))
        if let command {
            var r = FlowRecord(.flow, at: clock.now())
            r.command = command
            try append(r)
        }
    }

    public var state: FlowState { mutex.withLock { current } }

    func append(_ record: FlowRecord) throws {
        try journal.appendLine(record)
        mutex.withLock { current.apply(record) }
    }

    func started(_ step: String, runDir: String? = nil) throws {
        var r = FlowRecord(.stepStarted, at: clock.now())
        r.step = step
        r.runDir = runDir
        try append(r)
    }

    func ended(_ step: String, payload: String) throws {
        var r = FlowRecord(.stepEnded, at: clock.now())
        r.step = step
        r.payload = payload
        try append(r)
    }

    func end(as state: String) throws {
        var r = FlowRecord(.end, at: clock.now())
        r.state = state
        try append(r)
    }

    func finish(exitCode: Int32, report: String) throws {
        var r = FlowRecord(.end, at: clock.now())
        r.state = "finished"
        r.exitCode = exitCode
        r.payload = report
        try append(r)
    }
}

/// Where flows live: `<state root>/flow-<kind>-<brokers>/flow.jsonl`, beside the executor runs
/// (whose directories hold `journal.jsonl`, so the two never mix).
public enum FlowDirectory {
    public static func directory(for command: FlowCommand, root: String) -> String { root + "/" + command.directoryName }

    /// True when `dir` holds a flow journal.
    public static func isFlow(_ dir: String) -> Bool { FileManager.default.fileExists(atPath: dir + "/" + FlowLog.journalName) }

    public static func readState(_ dir: String) throws -> FlowState {
        FlowState(records: try Journal.read(FlowRecord.self, path: dir + "/" + FlowLog.journalName))
    }

    /// The flow in `dir` with the run it drove last.
    public static func standing(_ dir: String) throws -> FlowStanding {
        let state = try readState(dir)
        return FlowStanding(dir: dir, state: state, currentRun: state.currentRun.flatMap { try? RunDirectory.existingState($0) })
    }

    /// Every flow under `root`; a damaged one is skipped (its own command reports it).
    public static func all(root: String) -> [FlowStanding] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().map { root + "/" + $0 }.filter(isFlow).compactMap { try? standing($0) }
    }

    /// The open flow that drove the executor run in `runDir`, if one did: `kscale resume` of a run
    /// a lifecycle command started finishes the whole flow.
    public static func owning(runIn runDir: String) -> FlowStanding? {
        let root = (runDir as NSString).deletingLastPathComponent
        return all(root: root).first { $0.state.runDirs.contains(runDir) && $0.isOpen }
    }

    /// What `kscale cancel` given a flow's directory cancels: the run the flow drove last while
    /// that run has not ended (cancelling it ends the flow); nil when there is none.
    public static func runToCancel(_ dir: String) throws -> String? {
        let flow = try standing(dir)
        guard let run = flow.state.currentRun, let state = flow.currentRun, state.ended == nil else { return nil }
        return run
    }

    /// `kscale cancel` of a flow with no run to cancel: the flow ends as cancelled (its lock
    /// taken, so not while a process drives it). `execute` false writes nothing.
    public static func cancel(flowIn dir: String, execute: Bool, clock: any KScaleClock) throws {
        guard try standing(dir).isOpen else { return }
        guard execute else { return }
        try FlowLog(dir: dir, starting: nil, clock: clock).end(as: FlowStep.cancelled)
    }

    /// The flow `kscale resume` given `dir` continues: `dir` itself when it is a flow's, or the
    /// open flow that drove the run in `dir`; nil for a run of `kscale execute`.
    public static func toResume(_ dir: String) throws -> FlowStanding? {
        if isFlow(dir) { return try standing(dir) }
        return owning(runIn: dir)
    }
}
