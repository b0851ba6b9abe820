import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// What the autoscaler needs besides the policy: how its flows plan and run (the same settings a
/// `kscale scale-out` / `scale-in` takes), and the capacities its network and disk signals are
/// shares of.
public struct AutoscaleSettings: Sendable {
    /// The executor's settings for the flows' runs; `throttle` defaults to the policy's.
    public var runOptions: RunOptions
    public var registrationTimeout: Double
    /// Seconds between the flows' polls of the cluster.
    public var pollInterval: Double
    public var excludeTopics: String?
    public var rackAware: Bool
    public var capacities: BrokerCapacities?
    public var bootstrap: String?
    public var commandConfig: String?
    /// Reads the `cpu` signal now (the policy's `prometheus:` query against `--prometheus-url`:
    /// `readPrometheusSignal`, then `PrometheusSignal.value`); nil leaves it unknown.
    public var cpu: (@Sendable () async throws -> Double?)?

    public init(runOptions: RunOptions = RunOptions(), registrationTimeout: Double = 300, pollInterval: Double = 1, excludeTopics: String? = nil,
                rackAware: Bool = true, capacities: BrokerCapacities? = nil, bootstrap: String? = nil, commandConfig: String? = nil,
                cpu: (@Sendable () async throws -> Double?)? = nil) {
        self.cpu = cpu
        self.runOptions = runOptions
        self.registrationTimeout = registrationTimeout
        self.pollInterval = pollInterval
        self.excludeTopics = excludeTopics
        self.rackAware = rackAware
        self.capacities = capacities
        self.bootstrap = bootstrap
        self.commandConfig = commandConfig
    }
}

/// What `notify.webhook` is POSTed (JSON): an action started, succeeded or failed, or autoscaling
/// paused. Names brokers, the reason and the failure; never a secret.
public struct AutoscaleNotice: Encodable, Sendable {
    public var event: String
    public var at: String
    public var action: Int?
    public var direction: String?
    public var brokers: [BrokerID]?
    public var reason: String?
    public var detail: String?
}

/// One evaluation's outcome, for `--once` and tests.
public struct AutoscaleEvaluation: Sendable {
    public var decision: AutoscaleDecision
    /// False while the window does not yet hold `evaluation.window` of samples (an on-demand
    /// decision then takes no action).
    public var windowFull: Bool
    /// The action taken (nil: none, or a dry run), with its result.
    public var action: AutoscaleState.Action?
    /// In a dry run: what the provisioner would run.
    public var plannedSteps: [ProvisionStep]
}

/// The long-running autoscaler (docs/autoscale.md, "The loop"): each `evaluation.interval` of
/// `clock` it reads the cluster once (`TrafficSampler`: offsets, the interval's wait, the reading,
/// offsets again, so each sample's rates cover the whole interval), appends the sample to the
/// window in its state dir, decides (`AutoscaleDecision.decide`, pure) and logs the decision.
///
/// Without `--execute` (`admin.isDryRun`) it changes nothing and logs what it would do, with the
/// provisioner's planned steps. With it, one action at a time:
/// - scale-out: `provisioner.idsToAdd`, `provisioner.run(.add)`, then `ScaleFlows.scaleOut`
///   (registration, throttled moves, verify);
/// - scale-in: `provisioner.idsToRemove`, `ScaleFlows.scaleIn` (cordon, leadership, drain), a
///   fresh reading and a `BrokerVerdict` per broker, `provisioner.run(.remove)` only when every
///   broker is SAFE TO STOP, then `unregister` for each (KRaft's UnregisterBroker).
/// Every step is journaled before it runs (`AutoscaleJournal`), and the flows journal themselves
/// under the state dir's `runs/`: an autoscaler killed mid-action finishes the action when it
/// starts again. A failed action pauses autoscaling until `kscale autoscale resume`. The cooldowns
/// run from the END of an action. A reassignment in flight that it did not start stops it.
public struct AutoscaleLoop: Sendable {
    public var admin: DryRunAdmin
    public var policy: AutoscalePolicy
    public var provisioner: any BrokerProvisioner
    /// KRaft's UnregisterBroker for a broker the provisioner removed. Injected: the CLI passes the
    /// admin call where it exists (on ZooKeeper, or before it is built, a closure that says so),
    /// tests the simulator's.
    public var unregister: @Sendable (BrokerID) async throws -> Void
    public var clock: any KScaleClock
    public var stateDir: String
    public var settings: AutoscaleSettings
    /// POSTs `body` to `url` (`notify.webhook`); nil sends nothing. A failure is logged, never fatal.
    public var notify: (@Sendable (_ url: String, _ body: Data) async throws -> Void)?
    /// Each event as it is logged (the CLI prints them).
    public var emit: @Sendable (AutoscaleEvent) -> Void
    /// The gauges of `--metrics-port`, updated at each evaluation and action.
    public var metrics: AutoscaleMetrics?

    public init(admin: DryRunAdmin, policy: AutoscalePolicy, provisioner: any BrokerProvisioner,
                unregister: @escaping @Sendable (BrokerID) async throws -> Void, clock: any KScaleClock, stateDir: String,
                settings: AutoscaleSettings = AutoscaleSettings(), notify: (@Sendable (String, Data) async throws -> Void)? = nil,
                metrics: AutoscaleMetrics? = nil, emit: @escaping @Sendable (AutoscaleEvent) -> Void = { _ in }) {
        self.admin = admin
        self.policy = policy
        self.provisioner = provisioner
        self.unregister = unregister
        self.clock = clock
        self.stateDir = stateDir
        self.settings = settings
        self.notify = notify
        self.metrics = metrics
        self.emit = emit
    }

    /// Runs until interrupted (the clock's `CancellationError`: SIGINT or SIGTERM through
    /// `InterruptibleClock`, or the task cancelled), which stops it at its next wait with every
    /// journal complete, and returns normally. Anything else that stops it (a second autoscaler, a
    /// reassignment it did not start, a state dir it cannot write) is thrown.
    /// `evaluations` bounds the evaluations (tests and benchmarks step the loop on a `ManualClock`);
    /// nil runs until interrupted.
    public func run(evaluations limit: Int? = nil) async throws {
        let journal = try AutoscaleJournal(dir: stateDir)
        do {
            try await finishOpenAction(journal)
            var done = 0
            while limit.map({ done < $0 }) ?? true {
                _ = try await evaluate(journal)
                done += 1
            }
        } catch is CancellationError {
            log(journal, AutoscaleEvent(at: clock.now(), type: "stopped", message: "interrupted: stopped at a safe point; every journal is complete"))
        }
    }

    /// One evaluation (`--once` against a cluster): finishes an interrupted action first.
    public func once() async throws -> AutoscaleEvaluation {
        let journal = try AutoscaleJournal(dir: stateDir)
        try await finishOpenAction(journal)
        return try await evaluate(journal)
    }

    // MARK: - Evaluation

    func evaluate(_ journal: AutoscaleJournal) async throws -> AutoscaleEvaluation {
        let interval = policy.evaluation.interval
        let sampled = try await TrafficSampler.sample(admin, parts: .metadata, interval: interval, clock: clock)
        let now = clock.now()
        var snapshot = sampled.observation.snapshot().withTraffic(sampled.traffic)
        if let capacities = settings.capacities { snapshot = snapshot.withCapacities(capacities) }
        var cpu: Double?
        if let readCPU = settings.cpu {
            do {
                cpu = try await readCPU()
            } catch {
                // Unknown, not zero: an unknown signal never counts as below its threshold.
                log(journal, AutoscaleEvent(at: now, type: "warning", message: "the cpu signal could not be read, so it is unknown this time: \(error)"))
            }
        }
        let window = WindowBook.appending(AutoscaleSample(snapshot: snapshot, at: Date(timeIntervalSince1970: now), cpu: cpu),
                                          to: try AutoscaleStateDir.readWindow(stateDir), window: policy.evaluation.window)
        try AutoscaleStateDir.writeWindow(window, to: stateDir)
        metrics?.observe(reassignments: sampled.observation)

        let state = try journal.read()
        // A dry run cannot finish an interrupted action (`finishOpenAction` said so): deciding on
        // the cluster it left half changed would mislead.
        if let open = state.open {
            let message = "action \(open.id) (\(open.direction) of brokers \(ScaleFlows.ids(open.brokers))) was interrupted and is not finished; a dry run cannot finish it: run with --execute"
            log(journal, AutoscaleEvent(at: now, type: "stopped", message: message, action: open.id))
            throw Refusal(message)
        }
        // One operation at a time: its own actions run to their end before the next evaluation,
        // so anything moving now was started by someone else.
        if !sampled.observation.reassignments.isEmpty {
            let moving = sampled.observation.reassignments.keys.sorted()
            let message = "a reassignment this autoscaler did not start is in flight (\(moving.count) partitions: \(moving.prefix(5).map(\.description).joined(separator: ", "))\(moving.count > 5 ? ", ..." : "")); autoscaling stopped: let it finish (kscale status) or cancel it, then start the autoscaler again"
            log(journal, AutoscaleEvent(at: now, type: "stopped", message: message))
            throw Refusal(message)
        }

        let wanted = AutoscaleDecision.decide(AutoscaleInput(
            policy: policy, window: SignalWindow(window), snapshot: snapshot,
            lastActionEnd: state.lastActionEnd.map { Date(timeIntervalSince1970: $0) }, now: Date(timeIntervalSince1970: now)))
        let decision = wanted.costed(cost(of: wanted, on: snapshot, journal, at: now), maxDrain: policy.maxDrain)
        let windowFull = WindowBook.isFull(window, window: policy.evaluation.window, interval: interval, now: Date(timeIntervalSince1970: now))
        metrics?.observe(decision: decision, paused: state.paused != nil)
        var result = AutoscaleEvaluation(decision: decision, windowFull: windowFull, action: nil, plannedSteps: [])

        var message = "\(decision.action.rawValue)\(decision.count > 0 ? " by \(decision.count)" : ""): \(decision.reason.summary)"
        let onDemand = decision.reason.signals != nil
        var acts = decision.action != .none
        if acts, onDemand, !windowFull {
            acts = false
            message += "; no action until the window holds \(DurationText.format(policy.evaluation.window)) of samples (\(window.count) so far)"
        }
        if acts, let pause = state.paused {
            acts = false
            message += "; no action: autoscaling is paused (\(pause.reason)); `kscale autoscale resume` clears it"
        }
        if acts, admin.isDryRun {
            result.plannedSteps = try await plannedSteps(decision)
            message += "; dry run: would run \(result.plannedSteps.count) provisioner step\(result.plannedSteps.count == 1 ? "" : "s") and the \(decision.action.rawValue) flow (add --execute to act)"
        }
        log(journal, AutoscaleEvent(at: now, type: "evaluation", message: message, decision: decision,
                                    steps: result.plannedSteps.isEmpty ? nil : result.plannedSteps, dryRun: admin.isDryRun))
        guard acts, !admin.isDryRun else { return result }
        result.action = try await act(decision, journal)
        return result
    }

    /// What the provisioner would run for `decision`, without running it.
    func plannedSteps(_ decision: AutoscaleDecision) async throws -> [ProvisionStep] {
        switch decision.action {
        case .scaleOut:
            let requests = decision.brokers.map { ProvisionRequest(id: $0.id, rack: $0.rack) }
            let ids = try await provisioner.idsToAdd(requests)
            return provisioner.plannedSteps(.add(Self.requests(ids, racks: requests.map(\.rack))))
        case .scaleIn:
            let ids = try await provisioner.idsToRemove(count: decision.count, candidates: decision.brokers.map(\.id))
            return provisioner.plannedSteps(.remove(ids))
        case .none:
            return []
        }
    }

    // MARK: - Actions

    /// Starts the action `decision` asks for: its brokers (as the provisioner will name them)
    /// journaled first, then its steps. Returns the action as it ended.
    func act(_ decision: AutoscaleDecision, _ journal: AutoscaleJournal) async throws -> AutoscaleState.Action {
        let id = try journal.read().nextActionID
        var record = AutoscaleRecord(.actionStarted, at: clock.now())
        record.action = id
        record.direction = decision.action.rawValue
        record.detail = decision.reason.summary
        do {
            if decision.action == .scaleOut {
                let requests = decision.brokers.map { ProvisionRequest(id: $0.id, rack: $0.rack) }
                record.brokers = try await provisioner.idsToAdd(requests)
                record.racks = requests.map(\.rack)
            } else {
                let ids = try await provisioner.idsToRemove(count: decision.count, candidates: decision.brokers.map(\.id))
                let racks = Dictionary(decision.brokers.map { ($0.id, $0.rack) }, uniquingKeysWith: { first, _ in first })
                record.brokers = ids
                record.racks = ids.map { racks[$0] ?? nil }
            }
        } catch let e as CancellationError {
            throw e
        } catch {
            // Nothing ran: the provisioner could not even say which brokers. Paused all the same.
            try await pause(journal, "the provisioner could not name the brokers of the \(decision.action.rawValue): \(error)", action: nil)
            return AutoscaleState.Action(id: id, direction: decision.action.rawValue, brokers: [], racks: [], start: clock.now(),
                                         end: clock.now(), result: "failed", detail: "\(error)", steps: [])
        }
        try journal.record(record)
        let state = AutoscaleState(records: [record])
        guard let action = state.actions.first else { throw InternalError("the action record does not read back") }
        log(journal, AutoscaleEvent(at: record.at, type: "action-started",
                                    message: "action \(id): \(action.direction) of brokers \(ScaleFlows.ids(action.brokers)) (\(decision.reason.summary))", action: id))
        await send(journal, AutoscaleNotice(event: "action-started", at: stamp(record.at), action: id, direction: action.direction,
                                            brokers: action.brokers, reason: decision.reason.summary))
        return try await carryOut(action, journal)
    }

    /// An action a killed autoscaler left open is finished before anything else: the steps its
    /// journal says ended are skipped, the flows continue from their own journals.
    func finishOpenAction(_ journal: AutoscaleJournal) async throws {
        guard let open = try journal.read().open else { return }
        log(journal, AutoscaleEvent(at: clock.now(), type: "continue",
                                    message: "action \(open.id) (\(open.direction) of brokers \(ScaleFlows.ids(open.brokers))) was interrupted after \(open.steps.last.map { "step \"\($0)\"" } ?? "its start"); finishing it",
                                    action: open.id))
        guard !admin.isDryRun else {
            log(journal, AutoscaleEvent(at: clock.now(), type: "continue", message: "dry run: with --execute, would finish action \(open.id) first", action: open.id, dryRun: true))
            return
        }
        _ = try await carryOut(open, journal)
    }

    /// The action's steps from the first not journaled as ended; its end (and, on failure, the
    /// pause) journaled after. An interruption leaves it open.
    func carryOut(_ action: AutoscaleState.Action, _ journal: AutoscaleJournal) async throws -> AutoscaleState.Action {
        var ended = action
        metrics?.setActing(true)
        defer { metrics?.setActing(false) }
        do {
            if action.direction == AutoscaleDecision.Action.scaleOut.rawValue {
                try await scaleOut(action, journal)
            } else {
                try await scaleIn(action, journal)
            }
            ended.result = "succeeded"
        } catch let e as CancellationError {
            throw e
        } catch {
            ended.result = "failed"
            ended.detail = "\(error)"
        }
        ended.end = clock.now()
        var record = AutoscaleRecord(.actionEnded, at: ended.end ?? clock.now())
        record.action = action.id
        record.result = ended.result
        record.detail = ended.result == "failed" ? ended.detail : nil
        try journal.record(record)
        // The window's samples describe the cluster before the action: a new one starts.
        try AutoscaleStateDir.writeWindow([], to: stateDir)
        metrics?.count(direction: action.direction, result: ended.result ?? "failed")
        let summary = "action \(action.id): \(action.direction) of brokers \(ScaleFlows.ids(action.brokers)) \(ended.result ?? "")"
        if ended.result == "failed" {
            log(journal, AutoscaleEvent(at: record.at, type: "action-ended", message: "\(summary): \(ended.detail ?? "")", action: action.id))
            await send(journal, AutoscaleNotice(event: "action-failed", at: stamp(record.at), action: action.id, direction: action.direction,
                                                brokers: action.brokers, detail: ended.detail))
            try await pause(journal, "action \(action.id) (\(action.direction) of brokers \(ScaleFlows.ids(action.brokers))) failed: \(ended.detail ?? "")", action: action.id)
        } else {
            log(journal, AutoscaleEvent(at: record.at, type: "action-ended", message: summary, action: action.id))
            await send(journal, AutoscaleNotice(event: "action-succeeded", at: stamp(record.at), action: action.id, direction: action.direction,
                                                brokers: action.brokers))
        }
        return ended
    }

    func scaleOut(_ action: AutoscaleState.Action, _ journal: AutoscaleJournal) async throws {
        if !action.steps.contains(Step.provisioned) {
            try await provision(.add(Self.requests(action.brokers, racks: action.racks)), action, journal)
        }
        if !action.steps.contains(Step.flow) {
            let report = try await flows(journal, action: action.id).scaleOut(adding: action.brokers)
            try flowEnded(report, action, journal)
        }
    }

    func scaleIn(_ action: AutoscaleState.Action, _ journal: AutoscaleJournal) async throws {
        if !action.steps.contains(Step.flow) {
            let report = try await flows(journal, action: action.id).scaleIn(removing: action.brokers)
            try flowEnded(report, action, journal)
        }
        if !action.steps.contains(Step.removed) {
            // A fresh reading, the one rule: no broker that is not SAFE TO STOP goes to remove.
            let reading = try await ClusterObservation.read(from: admin)
            let verdicts = action.brokers.map { BrokerVerdict.judge($0, in: reading) }
            log(journal, AutoscaleEvent(at: clock.now(), type: "verdict", message: verdicts.map(\.description).joined(separator: "; "),
                                        action: action.id, verdicts: verdicts))
            try step(Step.verdicts, action, journal)
            let unsafe = verdicts.filter { !$0.isSafe }
            guard unsafe.isEmpty else {
                throw Refusal("not SAFE TO STOP, so not handed to the remove command: " + unsafe.map(\.description).joined(separator: "; "))
            }
            try await provision(.remove(action.brokers), action, journal)
        }
        if !action.steps.contains(Step.unregistered) {
            for broker in action.brokers { try await unregister(broker) }
            log(journal, AutoscaleEvent(at: clock.now(), type: "unregistered", message: "brokers \(ScaleFlows.ids(action.brokers)) unregistered",
                                        action: action.id))
            try step(Step.unregistered, action, journal)
        }
    }

    /// Runs the provisioner and logs every step it ran with its exit code and output.
    func provision(_ what: ProvisionAction, _ action: AutoscaleState.Action, _ journal: AutoscaleJournal) async throws {
        let verb = if case .add = what { "add" } else { "remove" }
        do {
            let steps = try await provisioner.run(what)
            log(journal, AutoscaleEvent(at: clock.now(), type: "provisioner", message: "\(provisioner.kind) \(verb) of brokers \(ScaleFlows.ids(action.brokers)) ran",
                                        action: action.id, steps: steps))
        } catch let failure as ProvisionFailure {
            log(journal, AutoscaleEvent(at: clock.now(), type: "provisioner", message: "\(provisioner.kind) \(verb) failed: \(failure.message)",
                                        action: action.id, steps: failure.steps))
            throw failure
        }
        try step(verb == "add" ? Step.provisioned : Step.removed, action, journal)
    }

    func flowEnded(_ report: ScaleReport, _ action: AutoscaleState.Action, _ journal: AutoscaleJournal) throws {
        let moved = report.plans.reduce(Int64(0)) { $0 + $1.bytesMoved }
        log(journal, AutoscaleEvent(at: clock.now(), type: "flow", message: "\(report.operation) of brokers \(ScaleFlows.ids(report.brokers)): \(report.plans.reduce(0) { $0 + $1.partitions }) partitions, \(ByteUnits.format(moved)) moved\(report.failure.map { "; stopped: \($0)" } ?? "")",
                                    action: action.id, verdicts: report.verdicts))
        if let failure = report.failure { throw ExecutionError("the \(report.operation) flow stopped: \(failure)") }
        if report.operation == "scale-out", let status = report.postflight?.status, status.exitCode >= 2 {
            throw ExecutionError("the scale-out's post-flight check is \(status): see the flow's report")
        }
        try step(Step.flow, action, journal)
    }

    /// The flows' executor settings: the given ones, the throttle defaulting to the policy's.
    var runOptions: RunOptions {
        var options = settings.runOptions
        if options.throttle == nil { options.throttle = policy.throttle }
        return options
    }

    /// What `decision`'s action would move: the plan the flow would make for it on `snapshot` (the
    /// brokers to add given their racks), estimated as the executor paces it at the throttle. nil
    /// for `none`, or (logged) when no plan can be made now; the flow then says why when it runs.
    func cost(of decision: AutoscaleDecision, on snapshot: ClusterSnapshot, _ journal: AutoscaleJournal, at now: Double) -> AutoscaleDecision.Cost? {
        let ids = decision.brokers.map(\.id)
        var target = snapshot
        let goal: LifecycleGoal
        switch decision.action {
        case .none: return nil
        case .scaleOut:
            let known = Set(snapshot.brokers.map(\.id))
            target.brokers += decision.brokers.filter { !known.contains($0.id) }.map { Broker(id: $0.id, rack: $0.rack) }
            goal = .scaleOut(add: ids)
        case .scaleIn:
            goal = .scaleIn(remove: ids)
        }
        do {
            let planner = try CorePlanner.checked(excludeTopics: settings.excludeTopics, rackAware: settings.rackAware)
            let plan = try planner.plan(goal, from: target)
            let moves = Move.moves(of: plan.plan, from: target)
            // The estimate the flow's own runner gives (`ExecutorRunner.estimate`), as its dry run shows.
            guard let estimate = ExecutorRunner(admin: admin, options: runOptions).estimate(moves) else { return nil }
            return AutoscaleDecision.Cost(replicasMoved: moves.reduce(0) { $0 + $1.adding.count }, bytes: moves.reduce(0) { $0 + $1.copyBytes },
                                          seconds: estimate.throttle == nil ? nil : estimate.seconds, throttle: estimate.throttle)
        } catch {
            log(journal, AutoscaleEvent(at: now, type: "warning", message: "no estimate for the \(decision.action.rawValue) of brokers \(ScaleFlows.ids(ids)): \(error)"))
            return nil
        }
    }

    /// The scale flows over the state dir's `runs/` root, with the policy's throttle.
    func flows(_ journal: AutoscaleJournal, action: Int) throws -> ScaleFlows {
        let runOptions = self.runOptions
        let root = AutoscaleStateDir.runsRoot(stateDir)
        let planner = try CorePlanner.checked(excludeTopics: settings.excludeTopics, rackAware: settings.rackAware)
        let log: @Sendable (LifecycleEvent) -> Void = { [clock] event in
            try? journal.log(AutoscaleEvent(at: clock.now(), type: "flow", message: "[\(event.step)] \(event.message)", action: action))
        }
        let runner = ExecutorRunner(admin: admin, options: runOptions, stateRoot: root, clock: clock, bootstrap: settings.bootstrap,
                                    commandConfig: settings.commandConfig)
        let flowSettings = FlowSettings(excludeTopics: settings.excludeTopics, rackAware: settings.rackAware,
                                        registrationTimeout: settings.registrationTimeout, runOptions: runOptions,
                                        bootstrap: settings.bootstrap, commandConfig: settings.commandConfig)
        return ScaleFlows(admin: admin, planner: planner, runner: runner,
                          options: ScaleOptions(registrationTimeout: settings.registrationTimeout, pollInterval: settings.pollInterval),
                          clock: clock, journaling: FlowJournaling(root: root, settings: flowSettings), emit: log)
    }

    // MARK: - Journal, log, notify

    enum Step {
        static let provisioned = "provisioned"
        static let flow = "flow"
        static let verdicts = "verdicts"
        static let removed = "removed"
        static let unregistered = "unregistered"
    }

    func step(_ name: String, _ action: AutoscaleState.Action, _ journal: AutoscaleJournal) throws {
        var r = AutoscaleRecord(.actionStep, at: clock.now())
        r.action = action.id
        r.step = name
        try journal.record(r)
    }

    func pause(_ journal: AutoscaleJournal, _ reason: String, action: Int?) async throws {
        var r = AutoscaleRecord(.paused, at: clock.now())
        r.detail = reason
        r.action = action
        try journal.record(r)
        metrics?.setPaused(true)
        log(journal, AutoscaleEvent(at: r.at, type: "paused", message: "autoscaling paused: \(reason); `kscale autoscale resume --state-dir \(stateDir)` clears it", action: action))
        await send(journal, AutoscaleNotice(event: "paused", at: stamp(r.at), action: action, detail: reason))
    }

    /// Logs `event` (the event log is kept best effort: a full disk does not stop an action
    /// mid-way; the state journal, which decides, is written strictly) and hands it to `emit`.
    func log(_ journal: AutoscaleJournal, _ event: AutoscaleEvent) {
        do {
            try journal.log(event)
        } catch {
            emit(AutoscaleEvent(at: clock.now(), type: "warning", message: "cannot write the event log: \(error)"))
        }
        emit(event)
    }

    /// POSTs `notice` to `notify.webhook`, best effort: a failure is logged and changes nothing.
    func send(_ journal: AutoscaleJournal, _ notice: AutoscaleNotice) async {
        guard let url = policy.notifyWebhook, let notify else { return }
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            try await notify(url, try encoder.encode(notice))
        } catch {
            log(journal, AutoscaleEvent(at: clock.now(), type: "notify-failed", message: "could not notify \(url) of \(notice.event): \(error)", action: notice.action))
        }
    }

    func stamp(_ at: Double) -> String { AutoscaleDecision.timestamp(Date(timeIntervalSince1970: at)) }

    static func requests(_ ids: [BrokerID], racks: [String?]) -> [ProvisionRequest] {
        ids.enumerated().map { index, id in ProvisionRequest(id: id, rack: index < racks.count ? racks[index] : nil) }
    }
}

extension WindowBook {
    /// True when the samples within the window ending at `now` cover it: at least window/interval
    /// of them (each sample's rates cover the interval before it), so a spike shorter than the
    /// window never fills it.
    public static func isFull(_ samples: [AutoscaleSample], window: Double, interval: Double, now: Date) -> Bool {
        let within = SignalWindow(samples).within(window, endingAt: now)
        return Double(within.count) * interval >= window - 1e-6
    }
}
