import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// A plan carried out in its run directory through the gate: the one way into the executor loop,
/// for `execute`, `resume`, `cancel --rollback`, the demo and the lifecycle flows' runner.
///
/// The executor waits for data to move, which a dry-run gate never lets happen, so each entry
/// point reads `admin.isDryRun` once and, in a dry run, stops after the inspection: the plan
/// checked against the cluster, with nothing journaled, locked or sent.
public struct PlanRun: Sendable {
    public var admin: DryRunAdmin
    public var clock: any KScaleClock
    /// Journaled with the run so `resume`, `status` and `cancel` reconnect without being told.
    public var bootstrap: String?
    public var commandConfig: String?
    public var emit: EventSink

    public init(admin: DryRunAdmin, clock: any KScaleClock = SystemClock(), bootstrap: String? = nil, commandConfig: String? = nil,
                emit: @escaping EventSink = { _ in }) {
        self.admin = admin
        self.clock = clock
        self.bootstrap = bootstrap
        self.commandConfig = commandConfig
        self.emit = emit
    }

    public enum Outcome: Sendable {
        /// A dry run: what the run would do, and with which options.
        case preview(Inspection, RunOptions)
        case finished(ExecutionSummary)
    }

    /// Starts the run of `plan` in `dir`, or continues it when `dir` holds a run of the same plan.
    /// `drift`: what to do about partitions that moved since the plan was made (`PlanDrift`;
    /// partitions this run's journal submitted are its own moves, never drift).
    public func execute(_ plan: ReassignmentPlan, in dir: String, options: RunOptions, drift: DriftCheck = .refuse) async throws -> Outcome {
        guard !admin.isDryRun else {
            // The dry run refuses what the run would refuse: another plan's run in `dir`.
            let existing = try RunDirectory.existingState(dir)
            try existing?.refuseUnlessSamePlan(plan, in: dir)
            return .preview(try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: existing?.submitted ?? [],
                                                        allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                                        adopt: options.adopt ?? false, owners: Self.owners(besides: dir), drift: drift), options)
        }
        let lock = try RunLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }
        let executor = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: emit)
        executor.progressFile = dir + "/" + ProgressFile.name          // what `kscale status` reads while it runs
        try executor.state.refuseUnlessSamePlan(plan, in: dir)   // before reading the cluster, as the dry run
        let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: executor.submitted,
                                                   allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                                   adopt: options.adopt ?? false, owners: Self.owners(besides: dir), drift: drift)
        for note in inspection.drift?.notes ?? [] { emit(.message(note)) }
        return .finished(try await executor.execute(inspection, options: options, bootstrap: bootstrap, commandConfig: commandConfig))
    }

    /// The partitions other runs beside `dir` (the same state root) have submitted and not ended,
    /// by "run ID in DIR": whose moves a plan finds in flight.
    static func owners(besides dir: String) -> [TopicPartition: String] {
        var owners: [TopicPartition: String] = [:]
        let root = (dir as NSString).deletingLastPathComponent
        for other in RunDirectory.all(root: root) where other != dir {
            guard let state = try? RunDirectory.readState(other), state.ended == nil else { continue }
            for (tp, partition) in state.partitions where partition.phase == .submitted {
                owners[tp] = "run \(state.runID ?? "?") in \(other)"
            }
        }
        return owners
    }

    /// Continues the run in `dir` after its process died, from its journal.
    public func resume(in dir: String) async throws -> Outcome {
        let state = try RunDirectory.readState(dir)
        guard let plan = state.plan, let options = state.options else { throw InvalidInput("\(dir) holds no run to resume") }
        guard !admin.isDryRun else {
            return .preview(try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: state.submitted,
                                                               allowReplicationFactorChange: options.allowReplicationFactorChange ?? false), options)
        }
        let lock = try RunLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }
        let executor = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: emit)
        executor.progressFile = dir + "/" + ProgressFile.name
        return .finished(try await executor.resume())
    }
}
