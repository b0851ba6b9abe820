import Foundation
import Testing
import KafkaAdmin
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
import KScaleTime
@testable import KScaleExec

/// Issue 18 item 1 (and issue 13 item 2c) on KafkaSim over the wire: two runs that share no state
/// dir, started at the same moment, see each other through the cluster's run record
/// (`__kscale_runs`). Exactly one drives; the other is refused naming the owner's host and run
/// id, having changed nothing; the operator's own rates set beforehand (99 MB/s, 77 MB/s) survive
/// and no kscale rate is left at the end. Seeded: which brokers carry the operator's rates and
/// which run is started first.
@Suite struct RunRecordScenarioTests {
    static let operatorLeaderRate = "99000000"
    static let operatorFollowerRate = "77000000"

    /// Sets the operator's two rates on two brokers the plan touches, chosen by `rng`.
    func setOperatorRates(_ h: SimHarness, touching plan: ReassignmentPlan, rng: inout SplitMix64) async throws -> [String] {
        let touched = Array(Set(plan.partitions.flatMap(\.replicas))).sorted()
        let leader = touched[Int(rng.next() % UInt64(touched.count))]
        let rest = touched.filter { $0 != leader }
        let follower = rest[Int(rng.next() % UInt64(rest.count))]
        let failed = try await h.admin.incrementalAlterConfigs([
            .broker(leader): [ConfigChange(ThrottleKeys.leaderRate, .set, Self.operatorLeaderRate)],
            .broker(follower): [ConfigChange(ThrottleKeys.followerRate, .set, Self.operatorFollowerRate)],
        ], validateOnly: false)
        #expect(failed.isEmpty)
        return ["broker \(leader) \(ThrottleKeys.leaderRate)=\(Self.operatorLeaderRate)",
                "broker \(follower) \(ThrottleKeys.followerRate)=\(Self.operatorFollowerRate)"].sorted()
    }

    /// One run of `plan` in `dir` through the gate: its summary, or the error it stopped with.
    func run(_ h: SimHarness, _ plan: ReassignmentPlan, in dir: String, additional: Bool) async -> Result<ExecutionSummary, any Error> {
        var options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 2, maxMoves: 6, pollInterval: 1)
        options.additional = additional
        do {
            let outcome = try await PlanRun(admin: DryRunAdmin(h.admin, execute: true), clock: h.execClock).execute(plan, in: dir, options: options)
            guard case let .finished(summary) = outcome else { return .failure(ExecutionError("not executed: \(outcome)")) }
            return .success(summary)
        } catch {
            return .failure(error)
        }
    }

    /// Exactly one of `results` finished; the other was refused naming the winner. Returns the loser's index.
    func expectOneDroveAndOneRefused(_ results: [Result<ExecutionSummary, any Error>], dirs: [String], runIDs: [String]) throws -> Int {
        let finished = results.indices.filter { if case .success = results[$0] { true } else { false } }
        try #require(finished.count == 1, "exactly one run drives: \(results)")
        let winner = finished[0], loser = 1 - winner
        guard case let .failure(error) = results[loser] else { return loser }
        #expect(error is Refusal, "\(error)")
        let message = "\(error)"
        #expect(message.contains("run \(runIDs[winner]) on host \(RunRegistry.hostName) (state dir \(dirs[winner]))"), "\(message)")
        #expect(message.contains("nothing was changed"), "\(message)")
        // The refused run set nothing: no throttle in its journal.
        #expect(((try? RunDirectory.readState(dirs[loser]))?.ledger.isEmpty) ?? true)
        return loser
    }

    /// `body` on a fresh simulated cluster with the test's seeded generator; the seed is in every failure.
    func seeded(_ body: (SimHarness, inout SplitMix64) async throws -> Void) async throws {
        let seed = try TestSeed.fromEnvironment()
        try await seed.withSeedInFailures {
            var rng = seed.generator()
            let h = try await SimHarness.start()
            do {
                try await body(h, &rng)
            } catch {
                await h.stop()
                throw error
            }
            await h.stop()
        }
    }

    @Test func theSamePlanStartedTwiceFromTwoStateDirsAtOnce() async throws {
        try await seeded { h, rng in
            let plan = try await h.scaleOutPlan()
            let operatorRates = try await setOperatorRates(h, touching: plan, rng: &rng)
            let id = RunDirectory.runID(for: plan)
            // Two operators' homes: the same run id, two state dirs.
            let dirs = [temporaryDirectory() + "/runs/" + id, temporaryDirectory() + "/runs/" + id]
            let firstStarted = Int(rng.next() % 2)
            async let first = run(h, plan, in: dirs[firstStarted], additional: false)
            async let second = run(h, plan, in: dirs[1 - firstStarted], additional: false)
            let started = await [first, second]
            let results = firstStarted == 0 ? started : started.reversed()
            let loser = try expectOneDroveAndOneRefused(results, dirs: dirs, runIDs: [id, id])
            #expect(try await h.throttlesLeft() == operatorRates)
            #expect(await h.offTarget(plan, original: h.sim.state().snapshot).isEmpty)
            let states = RunOverlap.latest(try await RunRegistry(admin: h.admin).records()).map(\.record)
            #expect(states.first { $0.stateDir == dirs[1 - loser] }?.state == .finished)
            #expect(states.first { $0.stateDir == dirs[loser] }?.state == .refused)
            // The winner recorded the operator's rates as the ones it replaced, and put them back.
            let replaced = states.first { $0.stateDir == dirs[1 - loser] }?.replaced ?? []
            #expect(replaced.contains { $0.previous == Self.operatorLeaderRate })
            #expect(replaced.contains { $0.previous == Self.operatorFollowerRate })
        }
    }

    @Test func twoDisjointPlansOnSharedBrokersWithAdditionalAtOnce() async throws {
        try await seeded { h, rng in
            let whole = try await h.scaleOutPlan()
            // Disjoint partitions (orders against the rest), the same new brokers.
            let plans = [ReassignmentPlan(partitions: whole.partitions.filter { $0.topic == "orders" }),
                         ReassignmentPlan(partitions: whole.partitions.filter { $0.topic != "orders" })]
            try #require(plans.allSatisfy { !$0.partitions.isEmpty })
            try #require(!Set(plans[0].partitions.flatMap(\.replicas)).isDisjoint(with: plans[1].partitions.flatMap(\.replicas)))
            let operatorRates = try await setOperatorRates(h, touching: whole, rng: &rng)
            let ids = plans.map { RunDirectory.runID(for: $0) }
            let dirs = [temporaryDirectory() + "/runs/" + ids[0], temporaryDirectory() + "/runs/" + ids[1]]
            let firstStarted = Int(rng.next() % 2)
            async let first = run(h, plans[firstStarted], in: dirs[firstStarted], additional: true)
            async let second = run(h, plans[1 - firstStarted], in: dirs[1 - firstStarted], additional: true)
            let started = await [first, second]
            let results = firstStarted == 0 ? started : started.reversed()
            let loser = try expectOneDroveAndOneRefused(results, dirs: dirs, runIDs: ids)
            #expect(try await h.throttlesLeft() == operatorRates)
            // Once the owner has finished, the refused plan runs, and still restores the operator's rates.
            let again = await run(h, plans[loser], in: dirs[loser], additional: true)
            if case let .failure(error) = again { Issue.record("the refused plan could not run after the owner finished: \(error)") }
            #expect(try await h.throttlesLeft() == operatorRates)
            #expect(await h.offTarget(whole, original: h.sim.state().snapshot).isEmpty)
        }
    }
    /// A run that died keeps its claim: another host's audit attributes its throttles to it, an
    /// overlapping run is refused naming it, and once it is cancelled the other runs, restoring the
    /// operator's rate it found (recorded by the dead run), never the dead run's 10 MB/s.
    @Test func aDeadRunKeepsItsThrottlesOwnedUntilItIsCancelled() async throws {
        let fixtures = ExecutorTests()
        let c = try await fixtures.cluster()
        let plan = try await fixtures.scaleOut(c)
        try await c.setBrokerConfig(7, ThrottleKeys.leaderRate, Self.operatorLeaderRate)
        let options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 1, maxMoves: 3, pollInterval: 1)
        let dead = temporaryDirectory() + "/runs/a"
        c.clock.dieAfterSleeps = 2
        await #expect(throws: CancellationError.self) {
            try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(plan, in: dead, options: options)
        }
        c.clock.dieAfterSleeps = nil
        let deadID = RunDirectory.runID(for: plan)

        // Another host, no local ledger: every throttle is the dead run's, by the cluster's record.
        let audit = try await ThrottleAudit.read(admin: c, runs: [])
        #expect(audit.items.contains { $0.resource == .broker(7) && $0.key == ThrottleKeys.leaderRate && $0.value == "10000000" })
        #expect(audit.items.contains { $0.resource.kind == .topic })
        for item in audit.items { #expect(item.run == "\(deadID) on host \(RunRegistry.hostName) (state dir \(dead))", "\(item)") }
        // The record keeps the operator's rate the dead run replaced on broker 7.
        let claim = RunOverlap.latest(try await RunRegistry(admin: c).records()).map(\.record).first { $0.stateDir == dead }
        #expect(claim?.state == .running)
        #expect(claim?.replaced.contains(RunRecord.ReplacedRate(broker: 7, key: ThrottleKeys.leaderRate, previous: Self.operatorLeaderRate)) == true)

        // An overlapping plan from another state dir is refused, naming the dead run; nothing changes.
        let other = ReassignmentPlan(partitions: [PartitionAssignment(topic: "events", partition: 0, replicas: [7, 4])])
        let before = try await c.throttleConfigs()
        await #expect(throws: Refusal.self) {
            try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(other, in: temporaryDirectory() + "/runs/b",
                                                                                           options: RunOptions(throttle: 20_000_000, additional: true, pollInterval: 1))
        }
        #expect(try await c.throttleConfigs() == before)
        // Its dry run refuses the same way, writing nothing.
        await #expect(throws: Refusal.self) {
            try await PlanRun(admin: DryRunAdmin(c, execute: false), clock: c.clock).execute(other, in: temporaryDirectory() + "/runs/c",
                                                                                            options: RunOptions(throttle: 20_000_000, additional: true, pollInterval: 1))
        }

        // Cancelled, the claim ends; the other plan then runs and leaves only the operator's rate.
        _ = try await Canceller.cancel(runIn: dead, admin: DryRunAdmin(c, execute: true), clock: c.clock)
        let states = RunOverlap.latest(try await RunRegistry(admin: c).records()).map(\.record)
        #expect(states.first { $0.stateDir == dead }?.state == .cancelled)
        await c.completeMoves()
        let outcome = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock).execute(other, in: temporaryDirectory() + "/runs/b",
                                                                                                     options: RunOptions(throttle: 20_000_000, additional: true, pollInterval: 1))
        guard case .finished = outcome else { Issue.record("not executed: \(outcome)"); return }
        #expect(try await c.throttleConfigs().filter { $0.contains("rate") } == ["broker 7 \(ThrottleKeys.leaderRate)=\(Self.operatorLeaderRate)"])
    }
    /// A dry run neither creates the record's topic nor writes to it; `--no-cluster-record` keeps
    /// the run local and says so, and the cluster then holds no record of it.
    @Test func aDryRunWritesNoRecordAndTheOptOutStaysLocalSayingSo() async throws {
        let fixtures = ExecutorTests()
        let c = try await fixtures.cluster()
        let plan = try await fixtures.scaleOut(c)
        var options = RunOptions(throttle: 10_000_000, maxMovesPerBroker: 3, maxMoves: 9, pollInterval: 1)
        let preview = try await PlanRun(admin: DryRunAdmin(c, execute: false), clock: c.clock).execute(plan, in: temporaryDirectory() + "/runs/a", options: options)
        guard case .preview = preview else { Issue.record("a dry run ran: \(preview)"); return }
        #expect(try await c.readRecords(RunRegistry.partition, from: nil, maxBytes: 1) == nil, "a dry run created the record topic")

        options.localStateOnly = true
        let said = ExecEventLog()
        let outcome = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: c.clock, emit: { said.add($0) })
            .execute(plan, in: temporaryDirectory() + "/runs/a", options: options)
        guard case .finished = outcome else { Issue.record("not executed: \(outcome)"); return }
        #expect(said.messages.contains { $0.contains("--no-cluster-record: this run is recorded only in") }, "\(said.messages)")
        #expect(try await c.readRecords(RunRegistry.partition, from: nil, maxBytes: 1) == nil, "a local-only run created the record topic")
        #expect(try await c.throttleConfigs() == [])
    }
}

