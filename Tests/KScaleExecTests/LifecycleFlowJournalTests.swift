import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTime
import Testing
@testable import KScaleExec

/// Lifecycle commands journal their own steps (issue 13 item 8): the flow journal on disk, the
/// pure decision of what a command does about the flows it finds, and, on KafkaSim's engine, a
/// drain interrupted mid-execute finished by `resume` or by the same drain again.
@Suite("Lifecycle: flows journal their steps", .timeLimit(.minutes(1)))
struct LifecycleFlowJournalTests {
    static let drain4 = FlowCommand(kind: .scaleIn, brokers: [4], settings: FlowSettings(runOptions: RunOptions(throttle: 10_000_000, pollInterval: 1)))

    // MARK: the journal

    @Test func aFlowJournalReadsBackWhatWasWrittenOwnerOnly() throws {
        let root = temporaryDirectory() + "/runs"
        let dir = FlowDirectory.directory(for: Self.drain4, root: root)
        #expect(dir == root + "/flow-scale-in-4")
        let clock = ManualClock(start: 500)
        do {
            let log = try FlowLog(dir: dir, starting: Self.drain4, clock: clock)
            try log.started(FlowStep.preflight)
            try log.ended(FlowStep.preflight, payload: "{\"value\":{}}")
            clock.advance(by: 3)
            try log.started(FlowStep.execute(FlowStep.round(FlowStep.group(0), 1)), runDir: root + "/0123456789abcdef")
        }
        let records = try Journal.read(FlowRecord.self, path: dir + "/" + FlowLog.journalName)
        #expect(records.map(\.type) == [.flow, .stepStarted, .stepEnded, .stepStarted])
        #expect(records.map(\.at) == [500, 500, 500, 503])
        #expect(records.first?.command == Self.drain4)
        let state = try FlowDirectory.readState(dir)
        #expect(state.command == Self.drain4)
        #expect(state.started == ["pre-flight", "step 1 round 1: execute"])
        #expect(state.ended == ["pre-flight": "{\"value\":{}}"])
        #expect(state.interruptedAt == "step 1 round 1: execute")
        #expect(state.currentRun == root + "/0123456789abcdef")
        #expect(state.end == nil)
        // What the journal says in raw JSON lines: the command's arguments, no more.
        let text = try String(contentsOfFile: dir + "/" + FlowLog.journalName, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 4)
        #expect(text.contains("\"type\":\"step-started\""))
        #expect(try RerunTests.notOwnerOnly(under: root) == [])

        // A torn last line (a crash mid-write) is cut off when the flow is opened again.
        let handle = try #require(FileHandle(forWritingAtPath: dir + "/" + FlowLog.journalName))
        handle.seekToEndOfFile()
        handle.write(Data("{\"type\":\"step-ended\",\"at\":5".utf8))
        try handle.close()
        #expect(try FlowDirectory.readState(dir) == state)
        let reopened = try FlowLog(dir: dir, starting: nil, clock: clock)
        #expect(reopened.state == state)
        try reopened.finish(exitCode: 0, report: "{}")
        #expect(try FlowDirectory.readState(dir).end == "finished")
        #expect(try FlowDirectory.readState(dir).position == "step 1 round 1: execute")
    }

    @Test func aSecondFlowLineStartsTheFlowAgain() {
        var first = FlowRecord(.flow, at: 1)
        first.command = Self.drain4
        var step = FlowRecord(.stepStarted, at: 2)
        step.step = FlowStep.preflight
        var end = FlowRecord(.end, at: 3)
        end.state = "finished"
        end.exitCode = 1
        let state = FlowState(records: [first, step, end, first])
        #expect(state.command == Self.drain4)
        #expect(state.started.isEmpty && state.end == nil && state.exitCode == nil)
        #expect(state.position == "its start")
    }

    // MARK: the decision, pure

    /// A flow of `command` in `dir` stopped in `step` (ended when `ended`), its run `run` in that state.
    static func standing(_ command: FlowCommand, dir: String, step: String?, ended: Bool = false, run: RunState? = nil) -> FlowStanding {
        var records = [FlowRecord(.flow, at: 1)]
        records[0].command = command
        if let step {
            var started = FlowRecord(.stepStarted, at: 2)
            started.step = step
            started.runDir = run == nil ? nil : dir + "-run"
            records.append(started)
        }
        if ended {
            var end = FlowRecord(.end, at: 3)
            end.state = "finished"
            records.append(end)
        }
        return FlowStanding(dir: dir, state: FlowState(records: records), currentRun: run)
    }

    /// An executor run with partition orders-0 submitted, ended as `ended`.
    static func runMoving(ended: String? = nil) -> RunState {
        var state = RunState()
        state.runID = "00000000000000aa"
        state.partitions[TopicPartition("orders", 0)] = PartitionProgress(phase: .submitted, from: [4, 1], to: [5, 1])
        state.ended = ended
        return state
    }

    @Test func theSameCommandContinuesItsOpenFlowAtTheStepItStoppedIn() {
        let dir = "/r/flow-scale-in-4"
        let execute = FlowStep.execute(FlowStep.round(FlowStep.group(0), 1))
        let open = Self.standing(Self.drain4, dir: dir, step: execute, run: Self.runMoving())
        // Another throttle does not make another command.
        var again = Self.drain4
        again.settings.runOptions?.throttle = 50_000_000
        #expect(FlowDecision.decide(again, dir: dir, flows: [open]) == .continueFlow(dir: dir, at: execute))
        // Ended, or its run cancelled: the command starts afresh.
        let ended = Self.standing(Self.drain4, dir: dir, step: FlowStep.verdicts, ended: true)
        #expect(FlowDecision.decide(Self.drain4, dir: dir, flows: [ended]) == .start)
        let cancelled = Self.standing(Self.drain4, dir: dir, step: execute, run: Self.runMoving(ended: "cancelled"))
        #expect(FlowDecision.decide(Self.drain4, dir: dir, flows: [cancelled]) == .start)
        #expect(FlowDecision.decide(Self.drain4, dir: dir, flows: []) == .start)
    }

    @Test func aDifferentCommandBesideAnOpenFlowIsRefusedNamingIt() throws {
        let dir = "/r/flow-scale-in-4"
        let execute = FlowStep.execute(FlowStep.round(FlowStep.group(0), 1))
        let open = Self.standing(Self.drain4, dir: dir, step: execute, run: Self.runMoving())
        let scaleOut = FlowCommand(kind: .scaleOut, brokers: [7])
        let outDir = FlowDirectory.directory(for: scaleOut, root: "/r")
        guard case let .refuse(message) = FlowDecision.decide(scaleOut, dir: outDir, flows: [open]) else {
            Issue.record("not refused"); return
        }
        #expect(message.hasPrefix("refusing `kscale scale-out --add-brokers 7`: run flow-scale-in-4 (`kscale scale-in --remove-brokers 4`), interrupted at step \"step 1 round 1: execute\", with 1 partitions still moving has not ended"), "\(message)")
        #expect(message.contains("kscale resume --state-dir /r --run flow-scale-in-4 --execute"), "\(message)")
        #expect(message.contains("kscale cancel --state-dir /r --run flow-scale-in-4-run --execute"), "\(message)")
        // Over the same brokers with another step size: another command, refused though nothing moves.
        var stepped = Self.drain4
        stepped.brokers = [4, 5]
        stepped.step = 1
        let idle = Self.standing(Self.drain4, dir: dir, step: FlowStep.leadershipDrain(FlowStep.group(0)))
        guard case let .refuse(overlap) = FlowDecision.decide(stepped, dir: FlowDirectory.directory(for: stepped, root: "/r"), flows: [idle]) else {
            Issue.record("not refused"); return
        }
        #expect(overlap.contains("interrupted at step \"step 1: leadership drain\" has not ended"), "\(overlap)")
        #expect(overlap.contains("kscale cancel --state-dir /r --run flow-scale-in-4 --execute"), "\(overlap)")
        // Other brokers, nothing moving: no conflict.
        #expect(FlowDecision.decide(scaleOut, dir: outDir, flows: [idle]) == .start)
        // Its own directory with other arguments (another exclude pattern): refused while open.
        var excluding = Self.drain4
        excluding.settings.excludeTopics = "logs.*"
        guard case .refuse = FlowDecision.decide(excluding, dir: dir, flows: [idle]) else { Issue.record("not refused"); return }
    }

    // MARK: on KafkaSim's engine, through the executor

    /// Flows journaling under `root` through the real executor on `c`'s step clock; the clock
    /// interrupted by `interruption` when given (the CLI's Ctrl-C), which `interruptOnFirstMove`
    /// raises as soon as the executor submits its first move.
    static func flows(_ c: EngineCluster, root: String, command: FlowCommand = drain4, interruption: Interruption? = nil,
                      lines: EventLines) -> ScaleFlows {
        let clock: any KScaleClock = interruption.map { InterruptibleClock(c.clock, interruption: $0) } ?? c.clock
        let gate = DryRunAdmin(c, execute: true)
        let runner = ExecutorRunner(admin: gate, options: command.settings.runOptions ?? RunOptions(), stateRoot: root, clock: clock,
                                    emit: { event in if case .partitionStarted = event { interruption?.interrupt() } })
        return ScaleFlows(admin: gate, planner: CorePlanner(), runner: runner, options: ScaleOptions(pollInterval: 1, step: command.step),
                          clock: clock, journaling: FlowJournaling(root: root, settings: command.settings), emit: { lines.add($0) })
    }

    /// A drain of broker 4 interrupted once its moves are submitted: throttled, in flight.
    static func interruptedDrain(_ c: EngineCluster, root: String) async throws {
        let interruption = Interruption()
        await #expect(throws: CancellationError.self) {
            _ = try await flows(c, root: root, interruption: interruption, lines: EventLines()).scaleIn(removing: [4])
        }
    }

    @Test func aDrainInterruptedMidExecuteIsFinishedByResume() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = temporaryDirectory() + "/runs"
        let held = try await c.replicas(on: 4)
        try await Self.interruptedDrain(c, root: root)
        let dir = FlowDirectory.directory(for: Self.drain4, root: root)
        let interrupted = try FlowDirectory.standing(dir)
        #expect(interrupted.state.interruptedAt == "step 1 round 1: execute")
        #expect(interrupted.state.started == ["pre-flight", "step 1: cordon", "step 1: leadership drain", "step 1 round 1: plan", "step 1 round 1: execute"])
        #expect(interrupted.moving > 0)
        #expect(try await c.inFlightCount() == interrupted.moving)
        #expect(try await !c.throttleConfigs().isEmpty)

        // `kscale resume` of the executor's run finds the flow that drove it.
        let run = try #require(interrupted.state.currentRun)
        #expect(try FlowDirectory.toResume(run)?.dir == dir)
        let lines = EventLines()
        let report = try await Self.flows(c, root: root, lines: lines).resume(flowIn: dir)
        #expect(report.failure == nil)
        #expect(report.verdicts?.map(\.description) == ["broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)"])
        #expect(report.exitCode == 0)
        #expect(report.postflight != nil)
        #expect(report.plans.map(\.partitions) == [held.count])
        #expect(report.preflight.findings.allSatisfy { $0.check != "reassignments-in-flight" })
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(try await c.throttleConfigs() == [])
        #expect(lines.messages.contains("continuing run flow-scale-in-4, interrupted at step \"step 1 round 1: execute\" (\(dir))"), "\(lines.messages)")
        #expect(lines.messages.contains("broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)"))
        let ended = try FlowDirectory.readState(dir)
        #expect(ended.end == "finished" && ended.exitCode == 0)
        // The leader election after the moves, the next round, the post-flight check and the verdicts ran in the resumed flow.
        #expect(ended.started.suffix(4) == ["step 1 round 1: leader election", "step 1 round 2: plan", "post-flight", "verdicts"])
        #expect(Set(ended.started).isSubset(of: ended.ended.keys))
        let o = try await ClusterObservation.read(from: c)
        #expect(LeadershipDrain.notOnPreferredLeader(in: o).isEmpty)
        #expect(RunDirectory.all(root: root) == [run])
        // Resuming it again gives back its report.
        let again = try await Self.flows(c, root: root, lines: EventLines()).resume(flowIn: dir)
        #expect(again == report)
        #expect(try RerunTests.notOwnerOnly(under: root) == [])
    }

    @Test func theSameDrainAgainContinuesItsInterruptedRun() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = temporaryDirectory() + "/runs"
        try await Self.interruptedDrain(c, root: root)
        let lines = EventLines()
        // Run again with another throttle: the same command all the same.
        var again = Self.drain4
        again.settings.runOptions?.throttle = 20_000_000
        let report = try await Self.flows(c, root: root, command: again, lines: lines).scaleIn(removing: [4])
        #expect(report.exitCode == 0, "\(report.failure ?? "")")
        #expect(report.verdicts?.allSatisfy(\.isSafe) == true)
        #expect(lines.messages.first { $0.hasPrefix("continuing run flow-scale-in-4, interrupted at step \"step 1 round 1: execute\"") } != nil, "\(lines.messages)")
        // Not planned anew: one run, one flow, and no "reassignments in flight" refusal.
        #expect(RunDirectory.all(root: root).count == 1)
        let records = try Journal.read(FlowRecord.self, path: FlowDirectory.directory(for: Self.drain4, root: root) + "/" + FlowLog.journalName)
        #expect(records.filter { $0.type == .flow }.count == 1)
        #expect(records.filter { $0.type == .stepStarted && $0.step == "pre-flight" }.count == 1)
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(try await c.throttleConfigs() == [])
    }

    @Test func aDifferentScaleOutBesideTheInterruptedDrainIsRefusedNamingIt() async throws {
        let c = try await LifecycleFlowTests.sixBrokers(spares: [7])
        let root = temporaryDirectory() + "/runs"
        try await Self.interruptedDrain(c, root: root)
        let alters = await c.alterRequests, configs = await c.configCalls.count
        let scaleOut = FlowCommand(kind: .scaleOut, brokers: [7], settings: Self.drain4.settings)
        let run = try #require(try FlowDirectory.readState(FlowDirectory.directory(for: Self.drain4, root: root)).currentRun)
        for command in [scaleOut, FlowCommand(kind: .scaleIn, brokers: [4, 5], settings: Self.drain4.settings)] {
            let flows = Self.flows(c, root: root, command: command, lines: EventLines())
            let refusal = await #expect(throws: Refusal.self) {
                _ = command.kind == .scaleOut ? try await flows.scaleOut(adding: command.brokers) : try await flows.scaleIn(removing: command.brokers)
            }
            let message = refusal?.message ?? ""
            #expect(message.contains("refusing `\(command.commandLine)`: run flow-scale-in-4 (`kscale scale-in --remove-brokers 4`), interrupted at step \"step 1 round 1: execute\""), "\(message)")
            #expect(message.contains("kscale resume \(RunDirectory.selection(of: root + "/flow-scale-in-4")) --execute"), "\(message)")
            #expect(message.contains("kscale cancel \(RunDirectory.selection(of: run)) --execute"), "\(message)")
        }
        #expect(await c.alterRequests == alters)
        #expect(await c.configCalls.count == configs)
        #expect(!FlowDirectory.isFlow(FlowDirectory.directory(for: scaleOut, root: root)))
    }

    /// Issue 18 item 1 for the scale commands: a drain over a broker that another host's run
    /// drives (the cluster's run record) is refused naming that run, before its cordon or any
    /// leadership move, not only at its executor's claim.
    @Test func aFlowOverBrokersAnotherHostDrivesIsRefusedBeforeItsFirstChange() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = temporaryDirectory() + "/runs"
        let other = RunRecord(runID: "0123456789abcdef", host: "ops-2", stateDir: "ops-2-home/.kscale/runs/0123456789abcdef",
                              planDigest: "0123456789abcdef", brokers: [4, 5], partitions: [], state: .running, rate: 10_000_000, at: 0)
        let claimed = try await RunRegistry(admin: c).claim(other, dryRun: false)
        let alters = await c.alterRequests, configs = await c.configCalls.count
        let refusal = await #expect(throws: Refusal.self) {
            _ = try await Self.flows(c, root: root, lines: EventLines()).scaleIn(removing: [4])
        }
        #expect(refusal?.message.contains("run 0123456789abcdef on host ops-2") == true, "\(refusal?.message ?? "")")
        #expect(await c.alterRequests == alters)
        #expect(await c.configCalls.count == configs, "no cordon, no leadership move")
        // Once that run has ended, the same drain goes ahead.
        try await RunRegistry(admin: c).end(claimed, state: .cancelled, at: 1)
        let report = try await Self.flows(c, root: root, lines: EventLines()).scaleIn(removing: [4])
        #expect(report.failure == nil, "\(report.failure ?? "")")
        #expect(try await c.replicas(on: 4).isEmpty)
    }

    @Test func cancellingAFlowsRunOrTheFlowEndsIt() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = temporaryDirectory() + "/runs"
        try await Self.interruptedDrain(c, root: root)
        let dir = FlowDirectory.directory(for: Self.drain4, root: root)
        // `kscale cancel --state-dir <flow dir>` cancels the run the flow drives: the flow ends with it.
        let run = try #require(try FlowDirectory.runToCancel(dir))
        #expect(run == (try FlowDirectory.readState(dir).currentRun))
        _ = try await Canceller.cancel(runIn: run, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        let cancelled = try FlowDirectory.standing(dir)
        #expect(cancelled.isCancelled && !cancelled.isOpen)
        #expect(try FlowDirectory.runToCancel(dir) == nil)
        #expect(FlowDecision.decide(Self.drain4, dir: dir, flows: [cancelled]) == .start)

        // A flow stopped before any run: the flow itself ends as cancelled, and only with --execute.
        let other = FlowCommand(kind: .scaleIn, brokers: [5])
        let idle = FlowDirectory.directory(for: other, root: root)
        do {
            let log = try FlowLog(dir: idle, starting: other, clock: c.clock)
            try log.started(FlowStep.leadershipDrain(FlowStep.group(0)))
        }
        #expect(try FlowDirectory.runToCancel(idle) == nil)
        try FlowDirectory.cancel(flowIn: idle, execute: false, clock: c.clock)
        #expect(try FlowDirectory.standing(idle).isOpen)
        try FlowDirectory.cancel(flowIn: idle, execute: true, clock: c.clock)
        let ended = try FlowDirectory.standing(idle)
        #expect(ended.state.end == "cancelled" && !ended.isOpen)
    }

    @Test func movesInFlightOfAnExecuteRunAreNamedByThePreflightRefusal() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = temporaryDirectory() + "/runs"
        // `kscale execute` of a plan moving orders-0 off broker 3, interrupted with the move in flight.
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [6, 1, 2])])
        let dir = RunDirectory.directory(for: plan, root: root)
        let interruption = Interruption()
        let clock = InterruptibleClock(c.clock, interruption: interruption)
        await #expect(throws: CancellationError.self) {
            try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: clock, emit: { if case .partitionStarted = $0 { interruption.interrupt() } })
                .execute(plan, in: dir, options: RunOptions(throttle: 10_000_000, pollInterval: 1))
        }
        #expect(try await c.inFlightCount() == 1)
        let refusal = await #expect(throws: Refusal.self) {
            _ = try await Self.flows(c, root: root, lines: EventLines()).scaleIn(removing: [4])
        }
        let message = refusal?.message ?? ""
        #expect(message.contains("1 reassignments in flight: orders-0"), "\(message)")
        #expect(message.contains("they are kscale's own: run \(RunDirectory.runID(for: plan)) in \(dir); continue it with `kscale resume \(RunDirectory.selection(of: dir)) --execute` or stop it with `kscale cancel \(RunDirectory.selection(of: dir)) --execute`"), "\(message)")
        // A refused flow ends as refused: nothing of it stands in the way of the next command.
        let refused = try FlowDirectory.standing(FlowDirectory.directory(for: Self.drain4, root: root))
        #expect(refused.state.end == "refused")
        #expect(!refused.isOpen)
    }
}

/// Lifecycle events kept in order as they are emitted (a lock, not a task per event).
final class EventLines: @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [LifecycleEvent] = []
    func add(_ event: LifecycleEvent) { lock.withLock { kept.append(event) } }
    var messages: [String] { lock.withLock { kept.map(\.message) } }
}
