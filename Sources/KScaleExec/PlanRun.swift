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
    public func execute(_ plan: ReassignmentPlan, in dir: String, options given: RunOptions, drift asked: DriftCheck = .refuse) async throws -> Outcome {
        var options = given
        if asked == .allow { options.allowDrift = true }
        guard !admin.isDryRun else {
            // The dry run refuses what the run would refuse: another plan's run in `dir`.
            let existing = try RunDirectory.existingState(dir)
            try existing?.refuseUnlessSamePlan(plan, in: dir)
            let drift = Self.driftCheck(asked, continuing: existing, options: options)
            let inspection = try await inspectNamingOwners(plan, in: dir, options: options, ours: existing?.submitted ?? [], drift: drift,
                                                           everSubmitted: existing?.everSubmitted ?? [])
            if options.localStateOnly != true {
                try await RunRegistry(admin: admin).claim(runRecord(inspection, in: dir, options: options), dryRun: true, adopt: options.adopt ?? false)
            }
            return .preview(inspection, options)
        }
        let lock = try RunLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }
        let executor = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: emit)
        executor.progressFile = dir + "/" + ProgressFile.name          // what `kscale status` reads while it runs
        try executor.state.refuseUnlessSamePlan(plan, in: dir)   // before reading the cluster, as the dry run
        let drift = Self.driftCheck(asked, continuing: executor.state.plan == nil ? nil : executor.state, options: options)
        let inspection = try await inspectNamingOwners(plan, in: dir, options: options, ours: executor.submitted, drift: drift,
                                                       everSubmitted: executor.state.everSubmitted)
        for note in inspection.drift?.notes ?? [] { emit(.message(note)) }
        let claim = try await claimOnCluster(inspection, in: dir, options: options, executor: executor)
        let summary = try await endingClaim(claim) {
            try await executor.execute(inspection, options: options, bootstrap: bootstrap, commandConfig: commandConfig)
        }
        return .finished(summary)
    }

    /// The drift check of a run: as asked, except that a run continued from its journal (the same
    /// plan executed again, a lifecycle flow's interrupted step) is judged even when its caller
    /// planned from a fresh reading (`.skip`): the partitions it has not started may have moved
    /// since. Refused unless the run was started with `--allow-drift`.
    static func driftCheck(_ asked: DriftCheck, continuing: RunState?, options: RunOptions) -> DriftCheck {
        guard asked == .skip, let continuing, continuing.plan != nil else { return asked }
        return ReassignmentExecutor.resumeDriftCheck(continuing.options ?? options)
    }

    /// The preflight, whose refusal of partitions already moving names the run on the cluster that
    /// owns them when the run record knows one (another host's run started a moment before).
    private func inspectNamingOwners(_ plan: ReassignmentPlan, in dir: String, options: RunOptions, ours: Set<TopicPartition>,
                                     drift: DriftCheck, everSubmitted: Set<TopicPartition>) async throws -> Inspection {
        do {
            return try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: ours,
                                               allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                               adopt: options.adopt ?? false, owners: Self.owners(besides: dir), drift: drift,
                                               everSubmitted: everSubmitted)
        } catch let refusal as Refusal {
            guard options.localStateOnly != true else { throw refusal }
            let conflicts = try? await RunRegistry(admin: admin).conflicts(brokers: Set(plan.partitions.flatMap(\.replicas)),
                                                                            partitions: Set(plan.partitions.map(\.topicPartition)), excludingRunsIn: [dir])
            if let conflict = conflicts?.first {
                throw Refusal("\(refusal.message). On the cluster's run record: \(conflict.message)")
            }
            throw refusal
        }
    }

    /// This run as the cluster's run record describes it: the brokers and partitions it drives,
    /// its rate and, per broker rate, the operator's value it replaces.
    func runRecord(_ inspection: Inspection, in dir: String, options: RunOptions, known: [RunOverlap.KnownRate] = [],
                   current: [ConfigResource: [ConfigEntry]] = [:]) -> RunRecord {
        let brokers = Set(inspection.moves.flatMap { $0.from + $0.to })
        let id = RunDirectory.runID(for: inspection.plan)
        var replaced: [RunRecord.ReplacedRate] = []
        if options.initialThrottle != nil {
            for b in brokers.sorted() {
                for key in ThrottleKeys.rates {
                    let found = current[.broker(b)]?.first { $0.name == key && $0.source == .dynamicBroker }
                    // Set but reported without a value (sensitive, Kafka 2.4-2.5): the operator's rate is unknown.
                    let original: RunOverlap.OperatorRate = found.map { $0.value == nil } == true
                        ? .unknown : RunOverlap.operatorRate(broker: b, key: key, current: found?.value, known: known)
                    replaced.append(.init(broker: b, key: key, original: original))
                }
            }
        }
        return RunRecord(runID: id, host: RunRegistry.hostName, stateDir: dir, planDigest: id, brokers: brokers,
                         partitions: Set(inspection.moves.map(\.tp)), state: .running, rate: options.initialThrottle, replaced: replaced, at: clock.now())
    }

    /// Claims the run on the cluster before its first change (`RunRegistry.claim`: refused when an
    /// earlier running claim overlaps) and gives the executor the rates other runs set, from the
    /// record and from the other ledgers in the state root. nil when the run is local only
    /// (`--no-cluster-record`), which it says.
    private func claimOnCluster(_ inspection: Inspection, in dir: String, options: RunOptions, executor: ReassignmentExecutor) async throws -> RunRecord? {
        var known = Self.localKnownRates(besides: dir)
        guard options.localStateOnly != true else {
            executor.knownRates = known
            emit(.message("--no-cluster-record: this run is recorded only in \(dir); kscale on other hosts cannot see it, and it cannot see theirs"))
            return nil
        }
        let registry = RunRegistry(admin: admin)
        known += RunOverlap.knownRates(try await registry.records())
        executor.knownRates = known
        let brokers = Set(inspection.moves.flatMap { $0.from + $0.to }).sorted()
        let current = brokers.isEmpty ? [:] : try await admin.describeConfigs(brokers.map { ConfigResource.broker($0) })
        let claim = try await registry.claim(runRecord(inspection, in: dir, options: options, known: known, current: current), dryRun: false,
                                             adopt: options.adopt ?? false)
        // Each --auto-throttle retune is recorded before the brokers get it: another host's run
        // reading the record sees the rate this run sets now, not the one it started with.
        let clock = self.clock
        executor.recordRetune = { rate in try await registry.retuned(claim, rate: rate, at: clock.now()) }
        return claim
    }

    /// The rates other runs' ledgers beside `dir` set and have not restored.
    static func localKnownRates(besides dir: String) -> [RunOverlap.KnownRate] {
        let root = (dir as NSString).deletingLastPathComponent
        var known: [RunOverlap.KnownRate] = []
        for other in RunDirectory.all(root: root) where other != dir {
            guard let state = try? RunDirectory.readState(other) else { continue }
            for (k, entry) in state.ledger.rates.sorted(by: { $0.key < $1.key }) {
                known.append(RunOverlap.KnownRate(broker: k.broker, key: k.key, value: entry.current, previous: entry.previous,
                                                  previousUnknown: entry.previousUnknown == true))
            }
        }
        return known
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
        guard state.plan != nil, let options = state.options else { throw InvalidInput("\(dir) holds no run to resume") }
        // What is left: not the partitions that ended gone, nor those whose topic was deleted since.
        let left = try await Self.leftToDrive(state, admin: admin)
        let drift = ReassignmentExecutor.resumeDriftCheck(options)
        guard !admin.isDryRun else {
            guard !left.partitions.isEmpty else { throw InvalidInput("\(dir): every partition of the run ended gone (its topics were deleted); nothing is left to move") }
            return .preview(try await Preflight.inspect(plan: left, admin: admin, additional: options.additional, ours: state.submitted,
                                                        allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                                        drift: drift, everSubmitted: state.everSubmitted), options)
        }
        let lock = try RunLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }
        let executor = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: emit)
        executor.progressFile = dir + "/" + ProgressFile.name
        guard !left.partitions.isEmpty else {
            // Only the throttles are left to undo: the executor ends the gone partitions and restores.
            let summary = try await executor.resume()
            if options.localStateOnly != true, let id = state.runID {
                try await RunRegistry(admin: admin).endClaim(runID: id, stateDir: dir, state: .finished, at: clock.now())
            }
            return .finished(summary)
        }
        let inspection = try await Preflight.inspect(plan: left, admin: admin, additional: options.additional, ours: state.submitted,
                                                     allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                                     drift: drift, everSubmitted: state.everSubmitted)
        let claim = try await claimOnCluster(inspection, in: dir, options: options, executor: executor)
        return .finished(try await endingClaim(claim) { try await executor.resume() })
    }

    /// The run's plan without the partitions that ended gone or whose topic no longer exists.
    static func leftToDrive(_ state: RunState, admin: any ClusterAdmin) async throws -> ReassignmentPlan {
        guard let plan = state.planLeft else { return ReassignmentPlan(partitions: []) }
        let deleted = try await admin.missingTopics(Array(Set(plan.partitions.map(\.topic))).sorted())
        return ReassignmentPlan(partitions: plan.partitions.filter { !deleted.contains($0.topic) })
    }

    /// Runs the executor and ends the run's claim on the cluster after it: when it finishes, and
    /// when it ends having settled its throttles though one rate had to be left (the run then
    /// still fails). A run that stops otherwise keeps its claim: its moves and throttles are its own.
    private func endingClaim(_ claim: RunRecord?, _ run: () async throws -> ExecutionSummary) async throws -> ExecutionSummary {
        do {
            let summary = try await run()
            if let claim { try await RunRegistry(admin: admin).end(claim, state: .finished, at: clock.now()) }
            return summary
        } catch let error as ExecutionError where error.ledgerSettled {
            if let claim { try await RunRegistry(admin: admin).end(claim, state: .finished, at: clock.now()) }
            throw error
        }
    }
}
