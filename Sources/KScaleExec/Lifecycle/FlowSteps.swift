import Foundation
import KafkaAdmin
import KScaleCore

/// Where a lifecycle flow journals itself, and the settings it journals with its command.
public struct FlowJournaling: Sendable {
    /// The state root (`~/.kscale/runs`): the flow's directory goes beside its executor runs.
    public var root: String
    public var settings: FlowSettings

    public init(root: String, settings: FlowSettings) {
        self.root = root
        self.settings = settings
    }
}

/// The named steps of the lifecycle flows, in the order they run, and what each one journals.
///
/// scale-out: registration, pre-flight, plan, uncordon, execute, leader election, post-flight.
/// scale-in: pre-flight; per step N of `--step` groups: "step N: cordon", "step N: leadership
/// drain", then per drain round R "step N round R: plan", "... execute", "... leader election";
/// then post-flight and verdicts.
public enum FlowStep {
    public static let registration = "registration"
    public static let preflight = "pre-flight"
    public static let plan = "plan"
    public static let uncordon = "uncordon"
    public static let execute = "execute"
    public static let leaderElection = "leader election"
    public static let postflight = "post-flight"
    public static let verdicts = "verdicts"
    /// How a flow refused before it changed anything ends.
    static let refused = "refused"
    /// How a flow `kscale cancel` stopped ends (its run's end state too).
    static let cancelled = "cancelled"

    /// "step 1": the first `--step` group of a scale-in (0-based `index`).
    public static func group(_ index: Int) -> String { "step \(index + 1)" }
    public static func round(_ group: String, _ round: Int) -> String { "\(group) round \(round)" }
    public static func cordon(_ group: String) -> String { "\(group): cordon" }
    public static func leadershipDrain(_ group: String) -> String { "\(group): leadership drain" }
    public static func plan(_ round: String) -> String { "\(round): \(plan)" }
    public static func execute(_ round: String) -> String { "\(round): \(execute)" }
    public static func leaderElection(_ round: String) -> String { "\(round): \(leaderElection)" }

    /// A step that found nothing worth keeping.
    struct Done: Codable {}

    /// A cluster reading judged: the pre-flight or post-flight report and the balance then.
    struct Checked: Codable {
        var report: HealthReport
        var balance: [BrokerBalance]
    }

    /// A plan, journaled before it runs: a continued flow finishes this plan, never a new one.
    struct Planned: Codable {
        var plan: [JournalRecord.PlanLine]
        var rollback: [JournalRecord.PlanLine]
        var report: PlanStepReport
        /// The projection of the plan (scale-out's "after" in a dry run).
        var after: [BrokerBalance]?

        init(_ planned: LifecyclePlan, report: PlanStepReport, after: [BrokerBalance]?) {
            plan = JournalRecord.lines(planned.plan)
            rollback = JournalRecord.lines(planned.rollback)
            self.report = report
            self.after = after
        }

        var lifecyclePlan: LifecyclePlan {
            LifecyclePlan(plan: JournalRecord.plan(plan) ?? ReassignmentPlan(partitions: []),
                          rollback: JournalRecord.plan(rollback) ?? ReassignmentPlan(partitions: []))
        }
    }

    /// A payload as the journal holds it: boxed, so a nil result is a JSON object too.
    struct Box<Value: Codable>: Codable { var value: Value }
}

/// A flow's steps as its journal sees them: a step the journal says ended is not run again (its
/// result is read back); any other step is journaled as it starts and ends. Without a log (no
/// journaling, or a dry run) the steps just run, except that a dry run of a continued flow reads
/// back what the journal says the steps found.
struct FlowSteps: Sendable {
    var log: FlowLog?
    /// A dry run of a continued flow: the journal, read only.
    var journaled: FlowState?

    init(log: FlowLog? = nil, journaled: FlowState? = nil) {
        self.log = log
        self.journaled = journaled
    }

    private var state: FlowState? { log?.state ?? journaled }

    /// The executor runs the flow drove before: its own, which it continues itself.
    var ownRuns: Set<String> { Set(state?.runDirs ?? []) }

    /// Runs step `name` unless it ended before; `journaled: false` runs it without journaling it
    /// (a reading after a stopped run, taken again by a continued flow). A step that changes
    /// nothing (`changesNothing`: registration, pre-flight, plan) and is refused ends the flow as
    /// refused, so a refused command leaves no open flow in the way of the next one.
    func run<Value: Codable>(_ name: String, runDir: String? = nil, journaled: Bool = true, changesNothing: Bool = false,
                             _ body: () async throws -> Value) async throws -> Value {
        guard journaled else { return try await body() }
        if let payload = state?.ended[name] {
            do {
                return try JSONDecoder().decode(FlowStep.Box<Value>.self, from: Data(payload.utf8)).value
            } catch {
                throw InvalidInput("the flow journal in \(log?.dir ?? "the state root") is damaged: step \"\(name)\" does not read back (\(error))")
            }
        }
        try log?.started(name, runDir: runDir)
        let value: Value
        do {
            value = try await body()
        } catch let refused as any KindedError where changesNothing && [.refused, .badInput].contains(refused.kind) {
            try log?.end(as: FlowStep.refused)
            throw refused
        }
        if let log { try log.ended(name, payload: try Self.encode(FlowStep.Box(value: value))) }
        return value
    }

    /// Journals the end of a flow that ran to its end (a run that stopped on a failure stays open,
    /// for `kscale resume` or the same command again), and returns `report`.
    func finish(_ report: ScaleReport) throws -> ScaleReport {
        if let log, report.executed, report.failure == nil {
            try log.finish(exitCode: report.exitCode, report: try Self.encode(report))
        }
        return report
    }

    static func encode<Value: Encodable>(_ value: Value) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension ScaleFlows {
    /// Opens the flow of `command` under the journaling root: continues the same command's
    /// interrupted flow (and says so), refuses beside another open flow over the same brokers or
    /// with moves in flight (`FlowDecision`), or starts one. A dry run decides the same and
    /// writes nothing.
    func beginFlow(_ asked: FlowCommand) throws -> FlowSteps {
        guard let journaling else { return FlowSteps() }
        var command = asked
        command.settings = journaling.settings
        let dir = FlowDirectory.directory(for: command, root: journaling.root)
        let flows = FlowDirectory.all(root: journaling.root)
        switch FlowDecision.decide(command, dir: dir, flows: flows) {
        case let .refuse(message):
            throw Refusal(message)
        case let .continueFlow(dir, at):
            let standing = flows.first { $0.dir == dir }
            let name = (dir as NSString).lastPathComponent
            let step = at ?? standing?.state.position ?? "its start"
            emit(LifecycleEvent("continue", "\(admin.isDryRun ? "with --execute, would continue" : "continuing") run \(name), interrupted at step \"\(step)\" (\(dir))"))
            if admin.isDryRun { return FlowSteps(journaled: standing?.state) }
            return FlowSteps(log: try FlowLog(dir: dir, starting: nil, clock: clock))
        case .start:
            if admin.isDryRun { return FlowSteps() }
            return FlowSteps(log: try FlowLog(dir: dir, starting: command, clock: clock))
        }
    }

    /// `kscale resume` of a run a lifecycle command started: the flow in `dir` carried on from
    /// the step it stopped in to its end (the rest of the executor's moves, then the steps after
    /// them), with the report and exit code the uninterrupted command would have had. A flow that
    /// ended gives back its report. The flows must be built from the flow's journaled command
    /// (`FlowDirectory.standing(dir).state.command`: the planner's and runner's settings).
    public func resume(flowIn dir: String) async throws -> ScaleReport {
        let standing = try FlowDirectory.standing(dir)
        guard let command = standing.state.command else { throw InvalidInput("\(dir) holds no lifecycle flow to resume") }
        if standing.state.end != nil, let report = standing.state.report {
            emit(LifecycleEvent("continue", "run \((dir as NSString).lastPathComponent) (`\(command.commandLine)`) ended; its report:"))
            return try JSONDecoder().decode(ScaleReport.self, from: Data(report.utf8))
        }
        if let end = standing.state.end {
            throw Refusal("the flow in \(dir) ended (\(end)) before it changed anything; run `\(command.commandLine)` again to start over")
        }
        if standing.isCancelled {
            throw Refusal("the run \(standing.state.currentRun ?? "") that `\(command.commandLine)` was driving was cancelled, which ended the flow; run the command again to start over")
        }
        var flows = self
        flows.options.step = command.step
        switch command.kind {
        case .scaleOut: return try await flows.scaleOut(adding: command.brokers)
        case .scaleIn: return try await flows.scaleIn(removing: command.brokers)
        }
    }
}
