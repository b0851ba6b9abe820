import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTime
import Testing
import KScaleTestSupport
@testable import KScaleExec

/// The scale-out and scale-in flows end to end over the in-memory cluster and the real planner,
/// on a `ManualClock` that jumps to the next deadline once every task waits on it: no flow waits
/// for real time, and every wait ends. The time limit only bounds a run whose flow waits on
/// something else (the wall clock) and would otherwise hang.
@Suite("Lifecycle: scale-out and scale-in flows", .timeLimit(.minutes(1)))
struct LifecycleFlowTests {
    static let start = 1_000.0
    static let pollInterval = 1.0

    static func testClock() -> ManualClock { ManualClock(start: start, autoAdvance: true) }

    /// Brokers 1-6 over racks a, b, c (i % 3), 24 partitions (or `partitions`) of RF 3 placed rack-aware on them;
    /// brokers 7-9 exist only as `spares` (registered, empty), the others have never started.
    static func sixBrokers(spares: [BrokerID] = [], controller: BrokerID? = 1, engineClock: ManualClock = ManualClock(),
                           partitions: Int = 24, profile: KafkaProfile = .newest) async throws -> EngineCluster {
        let racks = ["a", "b", "c"]
        // Partition p: one broker from each rack pair {3,6}, {1,4}, {2,5}, rotating the leader.
        let assignment: [[BrokerID]] = (0..<partitions).map { p in
            let a: BrokerID = p % 2 == 0 ? 3 : 6, b: BrokerID = p % 4 < 2 ? 1 : 4, c: BrokerID = p % 4 == 0 || p % 4 == 3 ? 2 : 5
            let r = [a, b, c]
            let k = p % 3
            return Array(r[k...] + r[..<k])
        }
        let cluster = try await EngineCluster(brokers: (1...9).map { (BrokerID($0), racks[$0 % 3]) }, topics: [("orders", assignment, 10_000)],
                                              controller: controller, engineClock: engineClock, profile: profile)
        for id: BrokerID in [7, 8, 9] where !spares.contains(id) { try await cluster.unregister(id) }
        return cluster
    }

    static func flows(_ c: EngineCluster, execute: Bool, step: Int? = nil, exclude: String? = nil,
                      timeout: Double = 30, clock: ManualClock = testClock(),
                      during: @escaping @Sendable (EngineCluster, Int) async throws -> Void = { _, _ in }) -> ScaleFlows {
        ScaleFlows(admin: DryRunAdmin(c, execute: execute), planner: CorePlanner(excludeTopics: exclude),
                   runner: LifecycleFakeRunner(cluster: c, duringRun: during),
                   options: ScaleOptions(registrationTimeout: timeout, pollInterval: pollInterval, step: step),
                   clock: clock)
    }

    @Test func scaleOutMovesDataOntoTheNewBrokersAndEndsHealthy() async throws {
        let c = try await Self.sixBrokers(spares: [7, 8, 9])
        let report = try await Self.flows(c, execute: true).scaleOut(adding: [7, 8, 9])
        #expect(report.executed)
        #expect(report.preflight.status == .warn)                          // empty brokers: imbalanced
        for id: BrokerID in [7, 8, 9] {
            let n = try await c.replicas(on: id).count
            #expect(n == 8)       // 72 replicas over 9 brokers
        }
        #expect(report.after.map(\.replicas) == Array(repeating: 8, count: 9))
        #expect(report.postflight?.status == .ok)
        #expect(report.exitCode == 0)
        #expect(try await c.inFlightCount() == 0)
        // Leaders follow the preferred replicas after the election.
        let o = try await ClusterObservation.read(from: c)
        #expect(LeadershipDrain.notOnPreferredLeader(in: o).isEmpty)
        #expect(report.postflight?.brokers.filter { [7, 8, 9].contains($0.id) }.allSatisfy { $0.leaders > 0 } == true)
    }

    @Test func scaleOutDryRunChangesNothingAndProjectsTheResult() async throws {
        let c = try await Self.sixBrokers(spares: [7, 8, 9])
        let report = try await Self.flows(c, execute: false).scaleOut(adding: [7, 8, 9])
        #expect(!report.executed)
        #expect(await c.alterRequests == 0)
        #expect(await c.electionRequests.isEmpty)
        #expect(try await c.replicas(on: 7).isEmpty)
        #expect(report.before.first { $0.broker == 7 }?.replicas == 0)
        #expect(report.after.first { $0.broker == 7 }?.replicas == 8)
        #expect(report.plans.first?.replicasMoved == 24)
        #expect(report.plans.first?.bytesMoved == 240_000)
    }

    @Test func registrationTimeoutNamesTheMissingAndFencedBrokers() async throws {
        let c = try await Self.sixBrokers(spares: [7])
        try await c.registerFenced(8)
        let clock = Self.testClock()
        let flows = Self.flows(c, execute: true, timeout: 300, clock: clock)
        let error = await #expect(throws: Refusal.self) { try await flows.scaleOut(adding: [7, 8, 9]) }
        #expect(error?.message.contains("within 300 s") == true)
        #expect(error?.message.contains("not registered: 9") == true)
        #expect(error?.message.contains("fenced: 8") == true)
        #expect(await c.alterRequests == 0)
        // It gave up exactly at the deadline on the clock: not before, not a poll later.
        #expect(clock.now() - Self.start == 300)
    }

    @Test func registrationWaitsForBrokersThatArriveLate() async throws {
        let c = try await Self.sixBrokers(spares: [7, 8])
        try await c.registerFenced(9)
        let clock = Self.testClock()
        // Broker 9 is unfenced 4.5 s in, between the flow's polls at 4 s and 5 s.
        let late = clock.spawn {
            try await clock.sleep(seconds: 4.5)
            try await c.start(9)
        }
        let report = try await Self.flows(c, execute: true, timeout: 30, clock: clock).scaleOut(adding: [7, 8, 9])
        late.cancel()           // a no-op when it ran; ends its sleep if the flow went on without it
        _ = await late.result
        #expect(try await c.replicas(on: 9).count == 8)
        #expect(report.exitCode == 0)
        // The flow went on at its first poll after the broker came (nothing later sleeps).
        #expect(clock.now() - Self.start == 5)
    }

    @Test func scaleInMovesLeadershipFirstThenDrainsAndSaysSafe() async throws {
        let c = try await Self.sixBrokers(controller: 1)
        let ledBy4 = try await ClusterObservation.read(from: c).partitions.filter { $0.1.leader == 4 }.map(\.0)
        #expect(!ledBy4.isEmpty)
        let leadersAtDrain = LifecycleLeaderProbe()
        let report = try await Self.flows(c, execute: true) { cluster, _ in
            let o = try? await ClusterObservation.read(from: cluster)
            await leadersAtDrain.record(o?.partitions.filter { $0.1.leader == 4 }.count ?? -1)
        }.scaleIn(removing: [4])
        // When the data started moving, broker 4 led nothing any more.
        #expect(await leadersAtDrain.values == [0])
        #expect(Set(await c.electionRequests.first ?? []) == Set(ledBy4))
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(report.verdicts?.map(\.description) == ["broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)"])
        #expect(report.exitCode == 0)
        #expect(report.after.first { $0.broker == 4 }?.replicas == 0)
    }

    @Test func scaleInIsRefusedForRFAndForRacksWithNothingChanged() async throws {
        let small = try await EngineCluster(brokers: [(1, nil), (2, nil), (3, nil), (4, nil)], topics: [("t", [[1, 2, 3], [2, 3, 4]], 1_000)])
        let rf = await #expect(throws: Refusal.self) { try await Self.flows(small, execute: true).scaleIn(removing: [3, 4]) }
        #expect(rf?.message.contains("only 2 brokers would remain") == true)
        #expect(await small.alterRequests == 0)

        let c = try await Self.sixBrokers()
        // Brokers 3 and 6 are rack a (3 % 3 == 0): removing both empties it.
        let rack = await #expect(throws: Refusal.self) { try await Self.flows(c, execute: true).scaleIn(removing: [3, 6]) }
        #expect(rack?.message.contains("empties rack a") == true)
        #expect(await c.alterRequests == 0)
    }

    @Test func aTopicCreatedMidDrainIsDrainedToo() async throws {
        let c = try await Self.sixBrokers()
        let report = try await Self.flows(c, execute: true) { cluster, run in
            if run == 1 { try await cluster.addTopic("late", [[4, 1, 2], [5, 4, 3]]) }
        }.scaleIn(removing: [4])
        #expect(report.plans.count == 2)
        #expect(report.plans.last?.partitions == 2)
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(report.verdicts?.allSatisfy(\.isSafe) == true)
        #expect(report.exitCode == 0)
    }

    @Test func aBrokerFailingMidDrainStopsTheRunAndTheVerdictSaysNotSafe() async throws {
        let c = try await Self.sixBrokers()
        let report = try await Self.flows(c, execute: true) { cluster, _ in
            try await cluster.stop(1)        // the only broker left in rack b: every move targets it
        }.scaleIn(removing: [4])
        #expect(report.failure?.contains("stalled") == true)
        let verdict = try #require(report.verdicts?.first)
        #expect(!verdict.isSafe)
        #expect(verdict.description.hasPrefix("broker 4: NOT SAFE ("))
        #expect(report.exitCode == 3)
        #expect(report.postflight?.findings.contains { $0.check == "brokers-fenced" && $0.brokers == [1] } == true)
    }

    @Test func verdictExitCodeIsOneWhenReplicasAreLeft() async throws {
        // Topics keep landing on broker 4 and the drain gives up after its rounds: never "safe".
        let c = try await Self.sixBrokers()
        var flows = Self.flows(c, execute: true) { cluster, run in
            try await cluster.addTopic("late\(run)", [[4, 1, 2]])
        }
        flows.options.maxDrainRounds = 2
        let report = try await flows.scaleIn(removing: [4])
        #expect(report.failure == nil)
        #expect(report.plans.count == 2)
        #expect(report.verdicts?.map(\.description) == ["broker 4: NOT SAFE (1 replica: late2-0; 1 leader: late2-0)"])
        #expect(report.exitCode == 1)
    }

    /// ZooKeeper mode: Metadata names the controller, and a drained controller is not safe to stop.
    @Test func theZooKeeperControllerIsNotSafeToStop() async throws {
        let c = try await Self.sixBrokers(controller: 4, profile: try KafkaProfile(version: "3.9", mode: .zookeeper))
        let report = try await Self.flows(c, execute: true).scaleIn(removing: [4])
        #expect(report.verdicts?.first?.description == "broker 4: NOT SAFE (it is the controller)")
        #expect(report.exitCode == 1)
    }

    /// KRaft: Metadata's controller id is a random live broker, so a drained broker it names is
    /// still SAFE TO STOP (the dedicated controllers vote, not the brokers).
    @Test func aKRaftBrokerMetadataCallsTheControllerIsSafeToStopWhenEmpty() async throws {
        let c = try await Self.sixBrokers()
        let report = try await Self.flows(c, execute: true).scaleIn(removing: [4])
        #expect(report.verdicts?.map(\.description) == ["broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)"])
        #expect(report.exitCode == 0)
        // A reading whose Metadata names broker 4 the controller (the seeded draws reach it) judges the same.
        var named: ClusterObservation?
        for _ in 0..<60 where named == nil {
            let o = try await ClusterObservation.read(from: c, parts: [.quorum])
            if o.cluster.controllerID == 4 { named = o }
        }
        let reading = try #require(named, "no reading named broker 4 the controller")
        #expect(BrokerVerdict.judge(4, in: reading).isSafe)
        #expect(!BrokerVerdict.judge(4, in: reading).isController)
    }

    /// Combined mode: brokers 1-3 are quorum voters; a scale-in of one is refused before anything
    /// moves, and a non-voter is drained as usual.
    @Test func aCombinedModeScaleInRefusesAQuorumVoter() async throws {
        let c = try await Self.sixBrokers(profile: try KafkaProfile(version: "4.3", combined: true))
        let refused = await #expect(throws: Refusal.self) { _ = try await Self.flows(c, execute: true).scaleIn(removing: [2]) }
        #expect(refused?.message.contains("brokers 2 are KRaft quorum voters") == true, "\(refused?.message ?? "")")
        #expect(refused?.message.contains("kafka-metadata-quorum remove-controller") == true)
        #expect(await c.alterRequests == 0)
        #expect(await c.configCalls.isEmpty)
        let report = try await Self.flows(c, execute: true).scaleIn(removing: [4])
        #expect(report.verdicts?.map(\.isSafe) == [true])
    }

    @Test func stepsDrainAtMostNBrokersAtATime() async throws {
        let c = try await Self.sixBrokers()
        let events = LifecycleEventLog()
        var flows = Self.flows(c, execute: true, step: 1)
        flows.emit = { e in Task { await events.add(e) } }
        let held5 = try await c.replicas(on: 5).count, held6 = try await c.replicas(on: 6).count
        let report = try await flows.scaleIn(removing: [5, 6])
        #expect(report.plans.map(\.label) == ["step 1 of 2: drain brokers 5", "step 2 of 2: drain brokers 6"])
        #expect(try await c.replicas(on: 5).isEmpty)
        #expect(try await c.replicas(on: 6).isEmpty)
        // Step 1 puts nothing on broker 6, which step 2 removes: no replica moves twice.
        #expect(report.plans.map(\.replicasMoved) == [held5, held6])
        #expect(report.verdicts?.allSatisfy(\.isSafe) == true)
    }

    /// Brokers 5 and 6 removed one per step, 6 the emptiest broker: without care, step 1 would
    /// fill 6 with broker 5's replicas and step 2 would move them again (or put 6's onto the
    /// now empty 5).
    @Test func aStepPutsNothingOnBrokersALaterStepRemoves() async throws {
        var assignment: [[BrokerID]] = []
        for p in 0..<20 { assignment.append([BrokerID(p % 5 + 1), BrokerID((p + 1) % 5 + 1)]) }
        assignment.append([6, 1])
        let c = try await EngineCluster(brokers: (1...6).map { (BrokerID($0), nil) }, topics: [("orders", assignment, 10_000)], controller: 1)
        let held5 = try await c.replicas(on: 5).count, held6 = try await c.replicas(on: 6).count
        let report = try await Self.flows(c, execute: true, step: 1).scaleIn(removing: [5, 6])
        #expect(report.failure == nil)
        #expect(try await c.replicas(on: 5).isEmpty)
        #expect(try await c.replicas(on: 6).isEmpty)
        #expect(report.plans.map(\.replicasMoved) == [held5, held6])
        // The dry run projects the same steps.
        let c2 = try await EngineCluster(brokers: (1...6).map { (BrokerID($0), nil) }, topics: [("orders", assignment, 10_000)], controller: 1)
        let dry = try await Self.flows(c2, execute: false, step: 1).scaleIn(removing: [5, 6])
        #expect(dry.plans.map(\.replicasMoved) == [held5, held6])
    }

    @Test func scaleInDryRunPlansEveryStepAndChangesNothing() async throws {
        let c = try await Self.sixBrokers()
        let report = try await Self.flows(c, execute: false, step: 1).scaleIn(removing: [5, 6])
        #expect(await c.alterRequests == 0)
        #expect(report.plans.count == 2)
        #expect(report.after.first { $0.broker == 5 }?.replicas == 0)
        #expect(report.after.first { $0.broker == 6 }?.replicas == 0)
        #expect(report.verdicts?.allSatisfy { !$0.isSafe } == true)     // today, before anything moved
    }
}

/// The flows driving the real executor engine (journal, throttles, pacing, verify) over the
/// in-memory cluster, with moves finishing between polls, the two on one auto-advancing clock.
@Suite("Lifecycle: flows through the executor engine", .timeLimit(.minutes(1)))
struct LifecycleExecutorFlowTests {
    @Test func scaleOutThenScaleInThroughTheExecutorLeaveNoThrottle() async throws {
        // The engine, the executor and the flows on one auto-advancing clock: moves copy while the
        // executor sleeps between polls.
        let clock = LifecycleFlowTests.testClock()
        let c = try await LifecycleFlowTests.sixBrokers(spares: [7, 8, 9], engineClock: clock)
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-lifecycle-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let executorPoll = 2.0
        let gate = DryRunAdmin(c, execute: true)
        let runner = ExecutorRunner(admin: gate, options: RunOptions(throttle: 50_000_000, pollInterval: executorPoll), stateRoot: root, clock: clock)
        let options = ScaleOptions(pollInterval: LifecycleFlowTests.pollInterval)
        let flows = ScaleFlows(admin: gate, planner: CorePlanner(), runner: runner, options: options, clock: clock)

        let out = try await flows.scaleOut(adding: [7, 8, 9])
        #expect(out.exitCode == 0)
        // Balanced, besides the run record's one partition (3 replicas, created by the run, left in place).
        let record = try await c.describeTopics([RunRegistry.topicName]).first?.partitions.first?.replicas ?? []
        #expect(record.count == 3)
        #expect(out.after.map { $0.replicas - (record.contains($0.broker) ? 1 : 0) } == Array(repeating: 8, count: 9))
        #expect(await !c.configCalls.isEmpty)                   // throttles were set ...
        #expect(try await c.throttleConfigs() == [])            // ... and all removed
        #expect(!(out.postflight?.findings.contains { $0.check == "leftover-throttles" } ?? true))
        #expect(RunDirectory.all(root: root).count == 1)        // one journaled run
        #expect(clock.now() - LifecycleFlowTests.start >= executorPoll) // the executor polled on the shared clock

        let back = try await flows.scaleIn(removing: [7, 8, 9])
        #expect(back.verdicts?.map(\.isSafe) == [true, true, true])
        #expect(back.exitCode == 0)
        for id: BrokerID in [7, 8, 9] {
            let left = try await c.replicas(on: id)
            #expect(left.isEmpty)
        }
        #expect(try await c.throttleConfigs() == [])
    }
}

actor LifecycleLeaderProbe {
    var values: [Int] = []
    func record(_ v: Int) { values.append(v) }
}

actor LifecycleEventLog {
    var events: [LifecycleEvent] = []
    func add(_ e: LifecycleEvent) { events.append(e) }
}

@Suite("Lifecycle: elect-leaders")
struct LifecycleElectionTests {
    @Test func dryRunReportsAndExecuteElectsOnlyWhatChanges() async throws {
        // t-0's leader failed over to 2 and its preferred replica 1 is back in sync; t-1's preferred
        // replica 4 is down, so 3 leads and 4 is out of the ISR.
        let c = try await EngineCluster(brokers: [(1, nil), (2, nil), (3, nil), (4, nil)], topics: [("t", [[1, 2], [4, 3], [3, 1]], 1_000)])
        try await c.stop(1)
        try await c.start(1)
        await c.completeMoves()                                       // broker 1 catches up
        try await c.stop(4)
        let o = try await ClusterObservation.read(from: c)
        let dryGate = DryRunAdmin(c, execute: false)
        let dry = try await LeaderElection.run(in: o, among: nil, admin: dryGate)
        #expect(dry.changes.map(\.topicPartition) == [TopicPartition("t", 0)])
        #expect(dry.changes.first?.from == 2 && dry.changes.first?.to == 1)
        #expect(dry.notElectable == ["t-1"])
        #expect(!dry.executed)
        #expect(await c.electionRequests.isEmpty)
        #expect(await dryGate.mutations.map(\.line) == ["would send: t-0: elect the preferred leader"])
        let planned = try await LeaderElection.run(in: o, among: [TopicPartition("t", 2), TopicPartition("nope", 0)], admin: dryGate)
        #expect(planned.changes.isEmpty && planned.notElectable.isEmpty)
        #expect(planned.unknown == ["nope-0"])

        let gate = DryRunAdmin(c, execute: true)
        let done = try await LeaderElection.run(in: o, among: nil, admin: gate)
        #expect(done.executed && done.failed.isEmpty)
        #expect(await c.electionRequests == [[TopicPartition("t", 0)]])
        #expect(await gate.mutations.map(\.line) == ["sent: t-0: elect the preferred leader"])
        let after = try await ClusterObservation.read(from: c)
        #expect(LeadershipDrain.notOnPreferredLeader(in: after).isEmpty)
        #expect(after.partitions.first { $0.0 == TopicPartition("t", 1) }?.1.leader == 3)
    }
}

/// A scale-in whose process died mid-drain, run again after its moves finished (issue 18 item 5):
/// the earlier run's throttles are removed before the new run plans, and the command exits 0 only
/// with no throttle left.
@Suite("Lifecycle: an earlier run left behind", .timeLimit(.minutes(1)))
struct LifecycleEarlierRunTests {
    @Test func aCrashedScaleInRunAgainRemovesTheFirstRunsThrottles() async throws {
        let c = try await LifecycleFlowTests.sixBrokers()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-earlier-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let events = LifecycleEventLog()
        func flows() -> ScaleFlows {
            let gate = DryRunAdmin(c, execute: true)
            let runner = ExecutorRunner(admin: gate, options: RunOptions(throttle: 10_000_000, pollInterval: 1), stateRoot: root, clock: c.clock)
            var flows = ScaleFlows(admin: gate, planner: CorePlanner(), runner: runner, options: ScaleOptions(pollInterval: 1),
                                   clock: LifecycleFlowTests.testClock())
            flows.emit = { e in Task { await events.add(e) } }
            return flows
        }
        // The executor dies at its first wait: moves submitted and throttled, nothing copied yet.
        c.clock.dieAfterSleeps = 1
        _ = try? await flows().scaleIn(removing: [4])
        c.clock.dieAfterSleeps = nil
        #expect(try await !c.throttleConfigs().isEmpty, "the killed run left its throttles")
        await c.completeMoves()                        // its copies finish on the cluster meanwhile

        let report = try await flows().scaleIn(removing: [4])
        #expect(report.exitCode == 0, "\(report.failure ?? "")")
        #expect(try await c.throttleConfigs() == [])
        #expect(try await c.replicas(on: 4).isEmpty)
        let said = await events.events.filter { $0.step == "earlier-run" }.map(\.message)
        #expect(said.contains { $0.contains("had stopped with nothing moving: removed the throttles it left") }, "\(said)")
    }

    @Test func throttlesLeftAfterAScaleInMakeItExitNonZero() {
        let leftover = HealthReport(status: .warn, findings: [Finding(.warn, "leftover-throttles", "2 replication throttles set")],
                                    brokers: [], counts: .init(partitions: 0, underReplicated: 0, underMinISR: 0, offline: 0, reassignmentsInFlight: 0))
        let report = ScaleReport(operation: "scale-in", executed: true, brokers: [4], preflight: leftover, plans: [], postflight: leftover,
                                 before: [], after: [], verdicts: [])
        #expect(report.exitCode == 1)
    }
}

/// `scale-out --byte-tolerance`: the flows' planner asks the planner for the same trade as
/// `plan scale-out --byte-tolerance`, and a drain never gets it.
@Suite struct CorePlannerByteToleranceTests {
    /// Six loaded brokers of heavy-tailed RF-1 partitions, two added empty.
    static func cluster(seed: UInt64) -> ClusterSnapshot {
        var random = SplitMix64(seed: seed)
        let partitions = (0..<48).map { number in
            PartitionState(partition: Int32(number), replicas: [BrokerID(Int.random(in: 1...6, using: &random))],
                           size: Int64.random(in: 1...40, using: &random) * Int64.random(in: 1...40, using: &random) * 1_000_000)
        }
        return ClusterSnapshot(brokers: (1...8).map { Broker(id: BrokerID($0)) }, topics: [TopicState(name: "t", partitions: partitions)])
    }

    @Test func theScaleOutPlanIsThePlannersWithTheTolerance() throws {
        var changed = 0
        for seed in UInt64(1)...6 {
            let snapshot = Self.cluster(seed: seed)
            let tolerant = try CorePlanner(byteTolerance: 1.05).plan(.scaleOut(add: [7, 8]), from: snapshot).plan
            #expect(tolerant == (try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [7, 8]), byteTolerance: 1.05))).plan)
            if tolerant != (try CorePlanner().plan(.scaleOut(add: [7, 8]), from: snapshot)).plan { changed += 1 }
            let drain = try CorePlanner(byteTolerance: 1.05).plan(.scaleIn(remove: [6], keepOff: []), from: snapshot).plan
            #expect(drain == (try CorePlanner().plan(.scaleIn(remove: [6], keepOff: []), from: snapshot)).plan)
        }
        #expect(changed > 0, "the tolerance bought moves on none of the clusters: it did not reach the planner")
    }

    @Test func aToleranceNotAboveOneIsRefusedBeforeAnything() {
        #expect(throws: InvalidInput("--byte-tolerance must be a ratio above 1 (bytes max/min, for example 1.05), not 0.9")) {
            try CorePlanner.checked(excludeTopics: nil, byteTolerance: 0.9)
        }
    }
}
