import KScaleCore
import KScaleTime
import KafkaAdmin

/// Settings shared by scale-out and scale-in.
public struct ScaleOptions: Sendable {
    /// Seconds scale-out waits for the new brokers to register unfenced.
    public var registrationTimeout: Double
    /// Seconds between polls of the cluster while waiting (registration, metadata-only reorders,
    /// the controller's role in the verdicts).
    public var pollInterval: Double
    /// Seconds scale-in waits for Kafka to apply its metadata-only reorders before it elects
    /// leaders anyway (Kafka applies them at once, so this is a bound, not a pause).
    public var reorderTimeout: Double
    /// Scale-in removes at most this many brokers per step, each step finished before the next.
    public var step: Int?
    /// Scale-in re-reads metadata after a drain and drains what appeared meanwhile, this many times at most.
    public var maxDrainRounds: Int
    public var thresholds: HealthThresholds

    public init(registrationTimeout: Double = 300, pollInterval: Double = 1, reorderTimeout: Double = 60,
                step: Int? = nil, maxDrainRounds: Int = 5, thresholds: HealthThresholds = HealthThresholds()) {
        self.registrationTimeout = registrationTimeout
        self.pollInterval = pollInterval
        self.reorderTimeout = reorderTimeout
        self.step = step
        self.maxDrainRounds = maxDrainRounds
        self.thresholds = thresholds
    }
}

/// One line of progress, for the CLI to print as text or as a JSON event.
public struct LifecycleEvent: Sendable, Hashable, Codable {
    public var step: String
    public var message: String
    public init(_ step: String, _ message: String) {
        self.step = step
        self.message = message
    }
}

/// What one planned (and, with `--execute`, carried out) reassignment did.
public struct PlanStepReport: Sendable, Hashable, Codable {
    public var label: String
    public var partitions: Int
    public var replicasMoved: Int
    public var bytesMoved: Int64
    public var plan: String
    /// Bytes in and out per broker and the duration at the run's throttle (nil: not estimated).
    public var estimate: TransferEstimate?
    /// Replicas moved per broker pair (nil in reports that did not count them).
    public var relocations: [ReplicaRelocation]?

    public init(label: String, partitions: Int, replicasMoved: Int, bytesMoved: Int64, plan: String, estimate: TransferEstimate? = nil,
                relocations: [ReplicaRelocation]? = nil) {
        self.label = label
        self.partitions = partitions
        self.replicasMoved = replicasMoved
        self.bytesMoved = bytesMoved
        self.plan = plan
        self.estimate = estimate
        self.relocations = relocations
    }

    enum CodingKeys: String, CodingKey {
        case label, partitions
        case replicasMoved = "replicas_moved"
        case bytesMoved = "bytes_moved"
        case plan, estimate, relocations
    }
}

/// The outcome of a scale operation: the checks, the plans, the balance before and after and, for
/// scale-in, the verdict per broker.
public struct ScaleReport: Sendable, Hashable, Codable {
    public var operation: String
    public var executed: Bool
    public var brokers: [BrokerID]
    public var preflight: HealthReport
    public var plans: [PlanStepReport]
    public var postflight: HealthReport?
    public var before: [BrokerBalance]
    /// After the run, or the projection of the plans in a dry run.
    public var after: [BrokerBalance]
    public var verdicts: [BrokerVerdict]?
    /// Why an executed run stopped before the end, when it did.
    public var failure: String?

    /// Scale-in answers one question, can the brokers be stopped: 0 when every one is safe, 1 when
    /// one is not (a dry run: 0 when it can be done). Scale-out: 0 when done and healthy, 1 when
    /// the post-flight check warns, 2 when it is critical. A run that did not finish: 3, as for
    /// `kscale execute` (refusals and bad input exit 2 before any report exists).
    public var exitCode: Int32 {
        if failure != nil { return 3 }
        // A run that ends with replication throttles still on the cluster did not finish cleanly.
        let throttlesLeft = postflight?.findings.contains { $0.check == "leftover-throttles" } ?? false
        if operation == "scale-in" { return executed ? max(BrokerVerdict.exitCode(verdicts ?? []), throttlesLeft ? 1 : 0) : 0 }
        return postflight?.status.exitCode ?? 0
    }

    public init(operation: String, executed: Bool, brokers: [BrokerID], preflight: HealthReport, plans: [PlanStepReport],
                postflight: HealthReport? = nil, before: [BrokerBalance], after: [BrokerBalance], verdicts: [BrokerVerdict]? = nil,
                failure: String? = nil) {
        self.operation = operation
        self.executed = executed
        self.brokers = brokers
        self.preflight = preflight
        self.plans = plans
        self.postflight = postflight
        self.before = before
        self.after = after
        self.verdicts = verdicts
        self.failure = failure
    }

    enum CodingKeys: String, CodingKey {
        case operation, executed, brokers, preflight, plans, postflight, before, after, verdicts, failure
    }
}

/// Scale-out and scale-in as one command each: every runbook step in order, none skippable.
///
/// The flows only orchestrate. Judging lives in `HealthCheck`, `ScaleInSafety`, `BrokerVerdict`
/// and `LeadershipDrain` (pure), planning and executing behind `LifecyclePlanning` and
/// `LifecycleRunning`, and every change goes through `admin`, the dry-run gate: each flow reads
/// `admin.isDryRun` once, after the plan, to stop there in a dry run (nothing would move).
/// Every wait (registration, reorders, the verdicts' re-reads) is on `clock`, never the wall
/// clock: the CLI passes the executor's clock, tests a `ManualClock`.
public struct ScaleFlows: Sendable {
    public var admin: DryRunAdmin
    public var planner: any LifecyclePlanning
    public var runner: any LifecycleRunning
    public var options: ScaleOptions
    public var clock: any KScaleClock
    public var emit: @Sendable (LifecycleEvent) -> Void
    /// Where the flows journal their own steps (`FlowLog`), so an interrupted command continues
    /// with `kscale resume` or the same command again; nil journals nothing (orchestration tests).
    public var journaling: FlowJournaling?

    public init(admin: DryRunAdmin, planner: any LifecyclePlanning, runner: any LifecycleRunning, options: ScaleOptions,
                clock: any KScaleClock, journaling: FlowJournaling? = nil, emit: @escaping @Sendable (LifecycleEvent) -> Void = { _ in }) {
        self.admin = admin
        self.planner = planner
        self.runner = runner
        self.options = options
        self.clock = clock
        self.journaling = journaling
        self.emit = emit
    }

    // MARK: - Scale-out

    public func scaleOut(adding: [BrokerID]) async throws -> ScaleReport {
        try Self.validateIDs(adding, option: "--add-brokers")
        let steps = try beginFlow(FlowCommand(kind: .scaleOut, brokers: adding))
        try await settleEarlierRuns(except: steps.ownRuns)
        try await refuseBrokersDrivenElsewhere(adding, own: steps.ownRuns)
        _ = try await steps.run(FlowStep.registration, changesNothing: true) { try await waitForRegistration(adding); return FlowStep.Done() }
        // The reading the pre-flight judged, for the plan and the uncordon (read again when a
        // continued flow finds those steps ahead of it).
        var observed: ClusterObservation?
        let checked = try await steps.run(FlowStep.preflight, changesNothing: true) { () -> FlowStep.Checked in
            let before = try await ClusterObservation.read(from: admin)
            observed = before
            if let refusal = ScaleOutSafety.refusal(adding: adding, in: before.snapshot()) { throw refusal }
            return FlowStep.Checked(report: try preflightGate(before), balance: BrokerBalance.of(before.snapshot()))
        }
        // Cordoned brokers other than the added ones take no new replica (CorePlanner keeps them off).
        let planned = try await steps.run(FlowStep.plan, changesNothing: true) { () -> FlowStep.Planned in
            let before = try await reading(observed)
            observed = before
            let snapshot = before.snapshot()
            let planned = try planner.plan(.scaleOut(add: adding), from: snapshot)
            let step = stepReport("scale-out onto brokers \(Self.ids(adding))", planned.plan, snapshot)
            emit(LifecycleEvent("plan", "\(step.partitions) partitions to reassign, \(step.replicasMoved) replicas and \(ByteUnits.format(step.bytesMoved)) to move"))
            return FlowStep.Planned(planned, report: step, after: BrokerBalance.of(snapshot.applying(planned.plan)))
        }
        var report = ScaleReport(operation: "scale-out", executed: false, brokers: adding, preflight: checked.report, plans: [planned.report],
                                 postflight: nil, before: checked.balance, after: planned.after ?? checked.balance)
        // An added broker a drain left cordoned is uncordoned before data moves onto it (a dry run
        // has the brokers validate it). After the plan, so a refused plan changes nothing.
        _ = try await steps.run(FlowStep.uncordon) { () -> FlowStep.Done in
            try await uncordon(adding, in: try await reading(observed))
            return FlowStep.Done()
        }
        guard !admin.isDryRun else {
            emit(LifecycleEvent("dry-run", "nothing changed; add --execute to run it"))
            return report
        }
        report.executed = true
        let plan = planned.lifecyclePlan
        do {
            if !plan.plan.partitions.isEmpty {
                _ = try await steps.run(FlowStep.execute, runDir: runner.runDirectory(for: plan)) { () -> FlowStep.Done in
                    emit(LifecycleEvent("execute", "executing the plan"))
                    try await runner.run(plan, label: "scale-out")
                    return FlowStep.Done()
                }
            }
            _ = try await steps.run(FlowStep.leaderElection) { () -> FlowStep.Done in
                try await electPreferred(among: Set(plan.plan.partitions.map(\.topicPartition)))
                return FlowStep.Done()
            }
        } catch let interrupted as CancellationError {
            throw interrupted
        } catch let e as any KindedError where !e.kind.isTransient {
            throw e
        } catch {
            // The run is journaled; the post-flight check below shows where the cluster stands.
            report.failure = "\(error)"
            emit(LifecycleEvent("error", "the scale-out stopped: \(error)"))
        }
        let after = try await postflight(steps, unlessStopped: report.failure) { o in
            HealthCheck.evaluate(o, thresholds: options.thresholds)
        }
        report.postflight = after.report
        report.after = after.balance
        emit(LifecycleEvent("post-flight", "post-flight check: \(report.postflight?.status.description ?? "")"))
        return try steps.finish(report)
    }

    /// Waits until every broker in `ids` is registered and unfenced, or throws naming the ones that
    /// are not when the registration timeout passes.
    public func waitForRegistration(_ ids: [BrokerID]) async throws {
        var missing: [BrokerID] = [], fenced: [BrokerID] = []
        var announced = false
        let registered = try await poll(for: options.registrationTimeout) {
            let cluster = try await admin.describeCluster()
            let known = Dictionary(cluster.brokers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            missing = ids.filter { known[$0] == nil }
            fenced = ids.filter { known[$0]?.fenced == true }
            if missing.isEmpty && fenced.isEmpty { return true }
            if !announced {
                emit(LifecycleEvent("registration", "waiting for brokers \(Self.ids(missing + fenced)) to register"))
                announced = true
            }
            return false
        }
        guard registered else {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("not registered: \(Self.ids(missing))") }
            if !fenced.isEmpty { parts.append("fenced: \(Self.ids(fenced))") }
            throw Refusal("new brokers did not register unfenced within \(Self.seconds(options.registrationTimeout)) (\(parts.joined(separator: "; "))); start them, check their logs, or raise --registration-timeout")
        }
        emit(LifecycleEvent("registration", "brokers \(Self.ids(ids)) are registered and unfenced"))
    }

    /// Calls `done` now and then every poll interval of `clock` until it returns true (true), or
    /// until `timeout` seconds of `clock` have passed with it false (false). The last call is at
    /// the deadline itself, so a condition met exactly then still counts.
    func poll(for timeout: Double, _ done: () async throws -> Bool) async throws -> Bool {
        let deadline = clock.now() + timeout
        while true {
            if try await done() { return true }
            let left = deadline - clock.now()
            if left <= 0 { return false }
            try await clock.sleep(seconds: min(options.pollInterval, left))
        }
    }

    // MARK: - Scale-in

    public func scaleIn(removing: [BrokerID]) async throws -> ScaleReport {
        try Self.validateIDs(removing, option: "--remove-brokers")
        if let s = options.step, s < 1 { throw InvalidInput("--step must be at least 1, got \(s)") }
        let steps = try beginFlow(FlowCommand(kind: .scaleIn, brokers: removing, step: options.step))
        try await settleEarlierRuns(except: steps.ownRuns)
        try await refuseBrokersDrivenElsewhere(removing, own: steps.ownRuns)
        var observed: ClusterObservation?
        let checked = try await steps.run(FlowStep.preflight, changesNothing: true) { () -> FlowStep.Checked in
            let before = try await ClusterObservation.read(from: admin)
            observed = before
            let refusals = ScaleInSafety.refusals(removing: Set(removing), in: before)
            guard refusals.isEmpty else {
                throw Refusal("refusing to remove brokers \(Self.ids(removing)): " + refusals.map(\.message).joined(separator: "; "))
            }
            return FlowStep.Checked(report: try preflightGate(before, removing: Set(removing)), balance: BrokerBalance.of(before.snapshot()))
        }
        let groups = Self.chunks(removing, size: options.step ?? removing.count)
        var report = ScaleReport(operation: "scale-in", executed: false, brokers: removing, preflight: checked.report, plans: [],
                                 postflight: nil, before: checked.balance, after: [])
        guard !admin.isDryRun else {
            // Project every step on the snapshot the previous one leaves, as the run would.
            let before = try await reading(observed)
            var projected = before.snapshot()
            for (i, group) in groups.enumerated() {
                let planned = try planner.plan(.scaleIn(remove: group, keepOff: removing.filter { !group.contains($0) }), from: projected)
                report.plans.append(stepReport(stepLabel(i, groups.count, group), planned.plan, projected))
                projected = projected.applying(planned.plan)
            }
            report.after = BrokerBalance.of(projected)
            report.verdicts = removing.map { BrokerVerdict.judge($0, in: before) }
            for line in Self.cordonPreview(removing, in: before) { emit(line) }
            emit(LifecycleEvent("dry-run", "nothing changed; add --execute to run it"))
            return report
        }
        report.executed = true
        // A failed step stops the run but not the report: the verdicts below say exactly what
        // is left on each broker, which is what the operator needs to decide what to do next.
        do {
            for (i, group) in groups.enumerated() {
                let label = stepLabel(i, groups.count, group)
                let name = FlowStep.group(i)
                emit(LifecycleEvent("step", label))
                _ = try await steps.run(FlowStep.cordon(name)) { () -> FlowStep.Done in
                    await cordon(group, in: try await reading(observed))
                    return FlowStep.Done()
                }
                _ = try await steps.run(FlowStep.leadershipDrain(name)) { () -> FlowStep.Done in
                    try await moveLeadershipOff(Set(group))
                    return FlowStep.Done()
                }
                report.plans += try await drain(group, keepOff: removing.filter { !group.contains($0) }, label: label, steps: steps, name: name)
            }
        } catch let interrupted as CancellationError {
            throw interrupted
        } catch {
            report.failure = "\(error)"
            emit(LifecycleEvent("error", "the drain stopped: \(error)"))
        }
        let after = try await postflight(steps, unlessStopped: report.failure) { o in
            HealthCheck.evaluate(o, thresholds: options.thresholds, retiring: Set(removing))
        }
        report.postflight = after.report
        report.after = after.balance
        report.verdicts = try await steps.run(FlowStep.verdicts, journaled: report.failure == nil) {
            verdicts(removing, try await ClusterObservation.read(from: admin))
        }
        for v in report.verdicts ?? [] { emit(LifecycleEvent("verdict", v.description)) }
        return try steps.finish(report)
    }

    /// Leadership first: reorder replicas so a remaining in-sync broker is preferred (metadata
    /// only), wait for Kafka to apply it, then elect preferred leaders for those partitions.
    func moveLeadershipOff(_ brokers: Set<BrokerID>) async throws {
        let o = try await ClusterObservation.read(from: admin)
        let reorders = LeadershipDrain.reorders(removing: brokers, in: o)
        guard !reorders.partitions.isEmpty else { return }
        emit(LifecycleEvent("leaders", "moving preferred leadership of \(reorders.partitions.count) partitions off brokers \(Self.ids(brokers.sorted()))"))
        var targets: [TopicPartition: [BrokerID]?] = [:]
        for p in reorders.partitions { targets[p.topicPartition] = p.replicas }
        let failed = try await admin.alterReassignmentsInChunks(targets)
        for (tp, e) in failed.sorted(by: { $0.key < $1.key }) { emit(LifecycleEvent("warning", "reorder of \(tp) failed: \(e)")) }
        let submitted = Set(targets.keys).subtracting(failed.keys)
        // A reorder keeps the replica set, so Kafka completes it at once; wait until none is listed.
        let applied = try await poll(for: options.reorderTimeout) {
            try await admin.listReassignments(Array(submitted)).isEmpty
        }
        if !applied {
            emit(LifecycleEvent("warning", "reorders still listed after \(Self.seconds(options.reorderTimeout)); electing leaders anyway"))
        }
        try await electPreferred(among: submitted)
    }

    /// Drains until metadata shows no replica on the brokers: each round re-reads the cluster,
    /// so partitions created while the previous round ran are drained too. Nothing lands on
    /// `keepOff` (the brokers other steps remove), so no replica moves twice. Each round's plan is
    /// journaled before it runs, so a continued flow finishes that plan rather than planning anew.
    func drain(_ brokers: [BrokerID], keepOff: [BrokerID] = [], label: String, steps: FlowSteps = FlowSteps(),
               name: String = FlowStep.group(0)) async throws -> [PlanStepReport] {
        var reports: [PlanStepReport] = []
        for round in 1...max(1, options.maxDrainRounds) {
            let prefix = FlowStep.round(name, round)
            let planned = try await steps.run(FlowStep.plan(prefix)) { () -> FlowStep.Planned? in
                let o = try await ClusterObservation.read(from: admin)
                let snapshot = o.snapshot()
                let left = snapshot.allPartitions.filter { _, p in p.replicas.contains { brokers.contains($0) } }
                if left.isEmpty { return nil }
                if round > 1 {
                    emit(LifecycleEvent("drain", "\(left.count) partitions appeared on brokers \(Self.ids(brokers)) during the drain: \(listed(left.map(\.0)))"))
                }
                let planned = try planner.plan(.scaleIn(remove: brokers, keepOff: keepOff), from: snapshot)
                guard !planned.plan.partitions.isEmpty else {
                    emit(LifecycleEvent("warning", "the planner moves nothing for \(left.count) partitions left on brokers \(Self.ids(brokers)) (excluded topics?)"))
                    return nil
                }
                let step = stepReport(round == 1 ? label : "\(label), round \(round)", planned.plan, snapshot)
                emit(LifecycleEvent("drain", "\(step.label): \(step.partitions) partitions, \(ByteUnits.format(step.bytesMoved)) to move"))
                return FlowStep.Planned(planned, report: step, after: nil)
            }
            guard let planned else { break }
            let plan = planned.lifecyclePlan
            _ = try await steps.run(FlowStep.execute(prefix), runDir: runner.runDirectory(for: plan)) { () -> FlowStep.Done in
                try await runner.run(plan, label: "scale-in")
                return FlowStep.Done()
            }
            // Kafka keeps a leader that stays in the replica set; put the planned ones in front.
            _ = try await steps.run(FlowStep.leaderElection(prefix)) { () -> FlowStep.Done in
                try await electPreferred(among: Set(plan.plan.partitions.map(\.topicPartition)))
                return FlowStep.Done()
            }
            reports.append(planned.report)
        }
        return reports
    }

    /// Judges each removed broker on one reading (the controller role counts only in ZooKeeper
    /// mode; on KRaft the quorum read with it decides, `BrokerVerdict.judge`).
    func verdicts(_ brokers: [BrokerID], _ o: ClusterObservation) -> [BrokerVerdict] {
        brokers.map { BrokerVerdict.judge($0, in: o) }
    }

    // MARK: - Shared steps

    /// The pre-flight gate (see `HealthCheck.blocking`): stops the run before anything changes.
    /// A lifecycle command that finds an earlier run its process left finishes or cleans it first
    /// (a crashed scale-in run again would otherwise leave the first run's throttles for good).
    /// `observed` when a step of this process read the cluster already, a fresh reading when a
    /// continued flow skipped that step.
    func reading(_ observed: ClusterObservation?) async throws -> ClusterObservation {
        if let observed { return observed }
        return try await ClusterObservation.read(from: admin)
    }

    /// Before the flow's first change (a cordon, an uncordon, a leadership move): a run that the
    /// cluster's run record says another kscale drives over these brokers refuses the flow, naming
    /// that run's host and id, as the executor's claim would refuse the flow's run later, but with
    /// nothing changed. The flow's own runs (a continued flow) and a run kept local are no conflict.
    func refuseBrokersDrivenElsewhere(_ brokers: [BrokerID], own: Set<String>) async throws {
        guard journaling?.settings.runOptions?.localStateOnly != true else { return }
        if let conflict = try await RunRegistry(admin: admin).conflicts(brokers: Set(brokers), excludingRunsIn: own).first {
            throw Refusal(conflict.message)
        }
    }

    func settleEarlierRuns(except own: Set<String>) async throws {
        for line in try await runner.settleEarlierRuns(except: own) { emit(LifecycleEvent("earlier-run", line)) }
    }

    /// The post-flight reading judged by `judge` and the balance after: a journaled step when the
    /// run got to the end, a reading only when it stopped (`failure`), so a continued flow checks again.
    func postflight(_ steps: FlowSteps, unlessStopped failure: String?,
                    _ judge: (ClusterObservation) -> HealthReport) async throws -> FlowStep.Checked {
        try await steps.run(FlowStep.postflight, journaled: failure == nil) { () -> FlowStep.Checked in
            let after = try await ClusterObservation.read(from: admin)
            return FlowStep.Checked(report: judge(after), balance: BrokerBalance.of(after.snapshot()))
        }
    }

    func preflightGate(_ o: ClusterObservation, removing: Set<BrokerID> = []) throws -> HealthReport {
        let report = HealthCheck.evaluate(o, thresholds: options.thresholds)
        let blocking = HealthCheck.blocking(report, in: o, removing: removing)
        for f in report.findings where f.severity == .warn && !blocking.contains(f) {
            emit(LifecycleEvent("pre-flight", "\(f.severity): \(f.message)"))
        }
        guard blocking.isEmpty else {
            var message = "pre-flight check failed, nothing changed: " + blocking.map(\.message).joined(separator: "; ")
            // Moves kscale itself left in flight: name the run and how to go on with it.
            let ours = blocking.contains { $0.check == "reassignments-in-flight" } ? runner.runsMoving(Set(o.reassignments.keys)) : []
            if !ours.isEmpty { message += "; they are kscale's own: " + ours.joined(separator: "; ") }
            throw Refusal(message)
        }
        emit(LifecycleEvent("pre-flight", "pre-flight check passed (\(report.status))"))
        return report
    }

    /// Preferred election for the partitions among `partitions` whose leader is not their first
    /// replica. ELECTION_NOT_NEEDED is success; other per-partition errors are reported.
    func electPreferred(among partitions: Set<TopicPartition>) async throws {
        guard !partitions.isEmpty else { return }
        let o = try await ClusterObservation.read(from: admin)
        let due = LeadershipDrain.notOnPreferredLeader(in: o).filter(partitions.contains)
        guard !due.isEmpty else { return }
        emit(LifecycleEvent("leaders", "electing preferred leaders for \(due.count) partitions"))
        let errors = try await admin.electPreferredLeadersInChunks(due)
        for (tp, e) in errors.sorted(by: { $0.key < $1.key }) where e.name != "ELECTION_NOT_NEEDED" && e.code != 0 {
            emit(LifecycleEvent("warning", "preferred election for \(tp) failed: \(e)"))
        }
    }

    func stepReport(_ label: String, _ plan: ReassignmentPlan, _ snapshot: ClusterSnapshot) -> PlanStepReport {
        let moves = Move.moves(of: plan, from: snapshot)
        return PlanStepReport(label: label, partitions: plan.partitions.count, replicasMoved: moves.reduce(0) { $0 + $1.adding.count },
                              bytesMoved: moves.reduce(0) { $0 + $1.copyBytes }, plan: String(decoding: plan.encoded(), as: UTF8.self),
                              estimate: runner.estimate(moves), relocations: ReplicaRelocation.of(moves))
    }

    func stepLabel(_ i: Int, _ n: Int, _ group: [BrokerID]) -> String {
        n == 1 ? "drain brokers \(Self.ids(group))" : "step \(i + 1) of \(n): drain brokers \(Self.ids(group))"
    }

    static func validateIDs(_ list: [BrokerID], option: String) throws {
        guard !list.isEmpty else { throw InvalidInput("\(option) needs at least one broker id") }
        guard Set(list).count == list.count else { throw InvalidInput("\(option) lists a broker twice: \(ids(list))") }
        if let bad = list.first(where: { $0 < 0 }) { throw InvalidInput("\(option): \(bad) is not a broker id") }
    }

    static func chunks(_ list: [BrokerID], size: Int) -> [[BrokerID]] {
        stride(from: 0, to: list.count, by: max(1, size)).map { Array(list[$0..<min($0 + max(1, size), list.count)]) }
    }

    static func ids(_ list: [BrokerID]) -> String { list.map(String.init).joined(separator: ",") }

    /// "300 s", "0.5 s": a timeout as the messages name it.
    static func seconds(_ value: Double) -> String {
        value == value.rounded() && abs(value) < Double(Int.max) ? "\(Int(value)) s" : "\(value) s"
    }
}
