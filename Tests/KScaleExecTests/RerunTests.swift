import Foundation
import Testing
import KafkaAdmin
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
import KScaleTime
@testable import KScaleExec

/// Running a command again after its process died (issue 18 items 2, 3) and who may read what it
/// leaves on disk (item 9), on KafkaSim's engine in process and, for the binary, over the wire.
@Suite struct RerunTests {
    let fixtures = ExecutorTests()

    /// The plan as `kscale plan` writes it and `execute --plan` reads it back: every line carries
    /// `log_dirs: ["any", ...]`.
    func planAsWritten(_ c: EngineCluster) async throws -> ReassignmentPlan {
        let plan = try ReassignmentPlan.decode(try await fixtures.scaleOut(c).encoded())
        #expect(plan.partitions.allSatisfy { $0.logDirs == Array(repeating: PartitionAssignment.anyLogDir, count: $0.replicas.count) })
        return plan
    }

    /// Executes `plan` in `dir` through the gate, the process dying after `sleeps` polls.
    func killedRun(_ c: EngineCluster, _ plan: ReassignmentPlan, in dir: String, options: RunOptions, after sleeps: Int) async throws {
        c.clock.dieAfterSleeps = sleeps
        await #expect(throws: CancellationError.self) {
            try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(plan, in: dir, options: options)
        }
        c.clock.dieAfterSleeps = nil
    }

    // MARK: item 2: the same plan again continues its run

    @Test func executingTheSamePlanAgainAfterACrashContinuesTheRun() async throws {
        let c = try await fixtures.cluster()
        let plan = try await planAsWritten(c)
        let dir = temporaryDirectory() + "/run"
        let gate = DryRunAdmin(c, execute: true)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, maxMoves: 3, pollInterval: 1)
        try await killedRun(c, plan, in: dir, options: options, after: 3)
        #expect(try await c.inFlightCount() > 0)

        // The dry run of the same plan, its lines listed in another order, previews the rest of the run.
        let again = ReassignmentPlan(partitions: plan.partitions.reversed())
        let preview = try await PlanRun(admin: DryRunAdmin(c, execute: false), clock: c.clock).execute(again, in: dir, options: options)
        guard case .preview = preview else { Issue.record("a dry run ran: \(preview)"); return }
        // And with --execute it continues the same run to its end.
        let outcome = try await PlanRun(admin: gate, clock: c.clock).execute(again, in: dir, options: options)
        guard case let .finished(summary) = outcome else { Issue.record("not executed: \(outcome)"); return }
        #expect(summary.failed.isEmpty)
        #expect(summary.runID == RunDirectory.runID(for: plan))
        await fixtures.expectAtTarget(c, plan)
        #expect(try await c.throttleConfigs() == [])
        let records = try Journal.read(path: dir + "/" + RunDirectory.journalName)
        #expect(records.filter { $0.type == .run }.count == 2)
        #expect(records.filter { $0.type == .plan }.count == 1)
        #expect(try RunDirectory.readState(dir).ended == "completed")
    }

    /// A run directory is a key (the run record's claim, a flow's runs): the root typed with a
    /// trailing or doubled slash, or through `.`/`..`, names the same runs, and the hint printed for
    /// a run selects it again.
    @Test func aRunDirectoryHasOneSpelling() {
        #expect(RunDirectory.normalized("/srv/runs/") == "/srv/runs")
        #expect(RunDirectory.normalized("/srv//runs/./a/../3f9a") == "/srv/runs/3f9a")
        #expect(RunDirectory.normalized("/srv/runs//3f9a") == RunDirectory.normalized("/srv/runs/3f9a"))
        #expect(RunDirectory.selection(of: "/srv/runs//3f9a/") == "--state-dir /srv/runs --run 3f9a")
        #expect(RunDirectory.normalized("relative/runs").hasPrefix("/"))
    }

    @Test func aPlanReadBackFromTheJournalAsksForTheSameAsTheFile() throws {
        let named = PartitionAssignment(topic: "orders", partition: 1, replicas: [4, 2, 3], logDirs: ["/data/b", "any", "any"])
        let file = try ReassignmentPlan.decode(ReassignmentPlan(partitions: [
            PartitionAssignment(topic: "orders", partition: 0, replicas: [7, 2, 3]), named,
        ]).encoded())
        let dir = temporaryDirectory()
        let journal = try Journal(path: dir + "/" + RunDirectory.journalName)
        var record = JournalRecord(.plan, at: 1)
        record.partitions = JournalRecord.lines(file)
        try journal.append(record)
        let journaled = try #require(try RunDirectory.readState(dir).plan)
        #expect(journaled.asksForTheSame(as: file))
        #expect(file.asksForTheSame(as: journaled))
        #expect(journaled.partitions[1].logDirs == ["/data/b", "any", "any"])
        // What does make another plan: the replicas' order (the preferred leader), a named log dir, a partition.
        var reordered = file
        reordered.partitions[0].replicas = [2, 7, 3]
        var redirected = file
        redirected.partitions[1].logDirs = ["/data/c", "any", "any"]
        let shorter = ReassignmentPlan(partitions: [file.partitions[0]])
        for other in [reordered, redirected, shorter] { #expect(!journaled.asksForTheSame(as: other), "\(other)") }
    }

    @Test func anotherPlanInTheStateDirIsRefusedNamingTheRunAndHowToGoOn() async throws {
        let c = try await fixtures.cluster()
        let plan = try await planAsWritten(c)
        let dir = temporaryDirectory() + "/run"
        let gate = DryRunAdmin(c, execute: true)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1)
        try await killedRun(c, plan, in: dir, options: options, after: 3)
        var other = plan
        other.partitions[0].replicas.swapAt(0, 1)
        let id = RunDirectory.runID(for: plan)
        let alters = await c.alterRequests
        let configs = await c.configCalls.count
        // Unfinished: continue or cancel it; another state dir only once it has ended.
        for execute in [false, true] {
            let refusal = await #expect(throws: Refusal.self) {
                try await PlanRun(admin: DryRunAdmin(c, execute: execute), clock: c.clock).execute(other, in: dir, options: options)
            }
            let message = refusal?.message ?? ""
            #expect(message.contains("holds run \(id) of another plan"), "\(message)")
            #expect(message.contains("\(other.partitions[0].topicPartition) goes to \(plan.partitions[0].replicas) there"), "\(message)")
            #expect(message.contains("kscale resume \(RunDirectory.selection(of: dir)) --execute"), "\(message)")
            #expect(message.contains("kscale cancel \(RunDirectory.selection(of: dir)) --execute"), "\(message)")
            #expect(message.contains("once it has ended"), "\(message)")
        }
        #expect(await c.alterRequests == alters)
        #expect(await c.configCalls.count == configs)
        // Ended: the refusal says so and sends the plan to a state dir of its own.
        _ = try await PlanRun(admin: gate, clock: c.clock).execute(plan, in: dir, options: options)
        let ended = await #expect(throws: Refusal.self) {
            try await PlanRun(admin: gate, clock: c.clock).execute(other, in: dir, options: options)
        }
        #expect(ended?.message.contains("which ended (completed); execute this plan in a run directory of its own") == true, "\(ended?.message ?? "")")
    }

    // MARK: item 3: a killed cancel --rollback run again continues its rollback

    @Test func aKilledRollbackIsContinuedByTheSameCancelAgain() async throws {
        let c = try await fixtures.cluster()
        let plan = try await planAsWritten(c)
        let original = Dictionary(uniqueKeysWithValues: await plan.partitions.asyncMap { ($0.topicPartition, await c.replicas($0.topicPartition)) })
        let dir = temporaryDirectory() + "/run"
        let gate = DryRunAdmin(c, execute: true)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, pollInterval: 1)
        try await killedRun(c, plan, in: dir, options: options, after: 11)

        // cancel --rollback --execute, killed in the middle of its rollback.
        let first = try await Canceller.cancel(runIn: dir, admin: gate, clock: c.clock)
        let firstStep = try Canceller.rollbackStep(after: first, runIn: dir)
        guard case let .start(rollback) = firstStep.action else { Issue.record("no rollback to start: \(firstStep)"); return }
        #expect(firstStep.dir == dir + "-rollback")
        c.clock.dieAfterSleeps = 6
        await #expect(throws: CancellationError.self) { try await Canceller.rollBack(firstStep, with: PlanRun(admin: gate, clock: c.clock), options: options) }
        c.clock.dieAfterSleeps = nil
        let back = await rollback.partitions.asyncFilter { await c.replicas($0.topicPartition) == $0.replicas }
        try #require(!back.isEmpty && back.count < rollback.partitions.count, "the kill should land with part of the rollback done: \(back.count) of \(rollback.partitions.count)")
        #expect(try await c.throttleConfigs() != [])

        // The same cancel again: what is left to roll back is not the plan the rollback run holds
        // (that was refused as another plan); the rollback run is continued.
        let second = try await Canceller.cancel(runIn: dir, admin: gate, clock: c.clock)
        #expect(!second.rollback.asksForTheSame(as: rollback))
        let step = try Canceller.rollbackStep(after: second, runIn: dir)
        #expect(step.action == .continueRun(runID: RunDirectory.runID(for: rollback), plan: rollback, ended: nil))
        #expect(step.outside.isEmpty)
        let outcome = try await Canceller.rollBack(step, with: PlanRun(admin: gate, clock: c.clock), options: options)
        guard case let .finished(summary)? = outcome else { Issue.record("not continued: \(String(describing: outcome))"); return }
        #expect(summary.failed.isEmpty)
        #expect(summary.runID == RunDirectory.runID(for: rollback))
        for (tp, replicas) in original { #expect(await c.replicas(tp) == replicas, "\(tp)") }
        #expect(try await c.throttleConfigs() == [])
        let state = try RunDirectory.readState(step.dir)
        #expect(state.ended == "completed")
        #expect(state.ledger.isEmpty)
        let parent = (dir as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: parent).sorted() == ["run", "run-rollback"])
    }

    @Test func aRollbackDirectoryHoldingSomethingElseIsRefused() async throws {
        let c = try await fixtures.cluster()
        let plan = try await planAsWritten(c)
        let dir = temporaryDirectory() + "/run"
        let gate = DryRunAdmin(c, execute: true)
        let options = RunOptions(throttle: 10_000_000, pollInterval: 1)
        _ = try await PlanRun(admin: gate, clock: c.clock).execute(plan, in: dir, options: options)
        // Someone ran a plan of their own in <dir>-rollback.
        let foreign = ReassignmentPlan(partitions: [PartitionAssignment(topic: "events", partition: 0, replicas: [9, 4])])
        _ = try await PlanRun(admin: gate, clock: c.clock).execute(foreign, in: dir + "-rollback", options: options)
        let outcome = try await Canceller.cancel(runIn: dir, admin: gate, clock: c.clock)
        let refusal = #expect(throws: Refusal.self) { try Canceller.rollbackStep(after: outcome, runIn: dir) }
        #expect(refusal?.message.contains("holds run \(RunDirectory.runID(for: foreign)), which is not this run's rollback") == true, "\(refusal?.message ?? "")")
        #expect(refusal?.message.contains(RunDirectory.selection(of: dir + "-rollback")) == true, "\(refusal?.message ?? "")")
    }

    // MARK: item 9: owner-only state

    /// The modes the issue asks for (rwx------, rw-------), spelled out rather than read from kscale.
    static let ownerOnlyDirectory: mode_t = 0o700
    static let ownerOnlyFile: mode_t = 0o600

    /// Every directory and file under `root` that is not owner-only (0700, 0600), with its mode.
    static func notOwnerOnly(under root: String) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for name in try fm.subpathsOfDirectory(atPath: root) + [""] {
            let path = name.isEmpty ? root : root + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0 else { out.append("\(path): cannot stat"); continue }
            let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
            let mode = info.st_mode & 0o7777
            if mode != (isDirectory ? ownerOnlyDirectory : ownerOnlyFile) { out.append("\(path) \(String(mode, radix: 8))") }
        }
        return out.sorted()
    }

    @Test func theStateRootHoldsOnlyOwnerOnlyDirectoriesAndFiles() async throws {
        let c = try await fixtures.cluster()
        let plan = try await planAsWritten(c)
        // kscale creates the state root itself, parents included, as it does ~/.kscale/runs.
        let home = temporaryDirectory() + "/home"
        let dir = RunDirectory.directory(for: plan, root: home + "/runs")
        let gate = DryRunAdmin(c, execute: true)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 2, pollInterval: 1)
        _ = try await PlanRun(admin: gate, clock: c.clock).execute(plan, in: dir, options: options)
        let outcome = try await Canceller.cancel(runIn: dir, admin: gate, clock: c.clock)
        _ = try await Canceller.rollBack(try Canceller.rollbackStep(after: outcome, runIn: dir), with: PlanRun(admin: gate, clock: c.clock), options: options)
        let written = try FileManager.default.subpathsOfDirectory(atPath: home).sorted()
        for run in [dir, Canceller.rollbackDirectory(of: dir)] {
            let relative = String(run.dropFirst(home.count + 1))
            for file in [RunDirectory.journalName, RunDirectory.lockName, "progress.json"] {
                #expect(written.contains(relative + "/" + file), "\(written)")
            }
        }
        #expect(try Self.notOwnerOnly(under: home) == [])
    }

    // MARK: the binary

    /// Four brokers, one topic of four partitions on brokers 1-3; broker 4 empty.
    static let smallCluster: ClusterSnapshot = {
        let brokers: [Broker] = (1...4).map { (id: Int) -> Broker in Broker(id: BrokerID(id), rack: "r\(id % 2)") }
        let assignments: [[BrokerID]] = [[1, 2], [2, 3], [3, 1], [1, 3]]
        let partitions: [PartitionState] = assignments.enumerated().map { (index: Int, replicas: [BrokerID]) -> PartitionState in
            PartitionState(partition: Int32(index), replicas: replicas, size: 100_000_000)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }()

    @Test func aKilledCancelRollbackRunAgainThroughTheBinaryContinuesItsRollback() async throws {
        // The cluster's time moves only when the test says: the binary's rollback moves stay in
        // flight for as long as it runs, and all of them finish at once when the test advances it.
        let time = ManualClock()
        let sim = try await SimCluster.start(snapshot: Self.smallCluster, options: SimOptions(brokerNetworkBytesPerSec: 125_000_000, clock: time))
        let admin = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        let h = SimHarness(sim: sim, admin: admin, clock: time)
        do {
            try await killedCancelRollbackRunAgain(h, time: time)
            await h.stop()
        } catch {
            await h.stop()
            throw error
        }
    }

    func killedCancelRollbackRunAgain(_ h: SimHarness, time: ManualClock) async throws {
        let sim = h.sim
        let admin = h.admin
        let original = await sim.state().snapshot
        let plan = ReassignmentPlan(partitions: original.allPartitions.map { tp, p in
            PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: [4] + p.replicas.dropFirst())
        })
        let home = temporaryDirectory()
        let dir = home + "/runs/scale-out"
        let pacing = ["--throttle", "50MB/s", "--max-in-flight-per-broker", "10", "--max-in-flight", "10", "--poll-interval", "1"]
        _ = try await PlanRun(admin: DryRunAdmin(admin, execute: true), clock: StepClock(sim: time), bootstrap: sim.bootstrapServers)
            .execute(plan, in: dir, options: RunOptions(throttle: 50_000_000, maxMovesPerBroker: 10, maxMoves: 10, pollInterval: 1))
        #expect(await h.offTarget(plan, original: original) == [])

        // cancel --rollback --execute under umask 000, killed with every rollback move in flight.
        // No --state-dir: the most recent run, which after the kill is the rollback run.
        let cancel = ["cancel", "--rollback", "--execute", "--bootstrap-server", sim.bootstrapServers] + pacing
        let kscale = try KScaleBinary.locate().path
        let first = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"),
                                     arguments: ["-c", "umask 000 && exec \"$0\" \"$@\"", kscale] + cancel,
                                     environment: ["KSCALE_HOME": home])
        try await waitUntil("the rollback's \(plan.partitions.count) moves in flight") {
            guard first.isRunning else { throw ExecutionError("cancel ended: \(first.stdoutSoFar) \(first.stderrSoFar)") }
            return try await admin.listReassignments(nil).count == plan.partitions.count
        }
        first.kill()
        _ = try await first.wait(timeout: .seconds(30))
        #expect(try await h.throttlesLeft() != [])
        #expect(try Self.notOwnerOnly(under: home + "/runs") == [])

        // The moves finish while no kscale runs; the same cancel again ends the rollback run.
        time.advance(by: EngineCluster.timeForMovesToFinish)
        let again = try await KScaleBinary.run(cancel, environment: ["KSCALE_HOME": home], timeout: .seconds(120))
        #expect(again.status == 0, "\(again.stdout) \(again.stderr)")
        let id = try #require(try RunDirectory.readState(dir + "-rollback").runID)
        #expect(again.stdout.contains("continuing the rollback run \(id) in \(dir)-rollback"), "\(again.stdout)")
        #expect(again.stdout.contains("continued the rollback run \(id)"), "\(again.stdout)")
        let rollback = ReassignmentPlan(partitions: original.allPartitions.map { tp, p in PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: p.replicas) })
        #expect(await h.offTarget(rollback, original: original) == [])
        #expect(try await h.throttlesLeft() == [])
        let state = try RunDirectory.readState(dir + "-rollback")
        #expect(state.ended == "completed")
        #expect(state.ledger.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: home + "/runs").sorted() == ["scale-out", "scale-out-rollback"])
    }
}

extension Sequence where Element: Sendable {
    func asyncFilter(_ keep: (Element) async throws -> Bool) async rethrows -> [Element] {
        var out: [Element] = []
        for element in self where try await keep(element) { out.append(element) }
        return out
    }
}
