import Foundation
import KafkaAdmin
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
import KScaleTime
import Testing
@testable import KScaleExec

/// A provisioner that really starts and stops the simulator's brokers: `add` starts a broker the
/// simulator holds unregistered (a snapshot broker with no replicas, unregistered at the start),
/// `remove` stops it. It records every call, and can be told to fail.
final class SimProvisioner: BrokerProvisioner, @unchecked Sendable {
    let sim: SimCluster
    let racks: [BrokerID: String?]
    let failing: Bool
    private let lock = NSLock()
    private var log: [String] = []

    init(sim: SimCluster, racks: [BrokerID: String?], failing: Bool = false) {
        self.sim = sim
        self.racks = racks
        self.failing = failing
    }

    var kind: String { "sim" }
    var calls: [String] { lock.withLock { log } }

    func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID] { requested.map(\.id) }
    func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID] { Array(candidates.prefix(count)) }

    func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep] {
        switch action {
        case let .add(requests): requests.map { ProvisionStep(command: ["start-broker", "\($0.id)", $0.rack ?? ""]) }
        case let .remove(ids): ids.map { ProvisionStep(command: ["stop-broker", "\($0)"]) }
        }
    }

    func run(_ action: ProvisionAction) async throws -> [ProvisionStep] {
        var steps: [ProvisionStep] = []
        switch action {
        case let .add(requests):
            lock.withLock { log.append("add \(requests.map { "\($0.id)@\($0.rack ?? "")" }.joined(separator: ","))") }
            if failing {
                throw ProvisionFailure(message: "start-broker \(requests[0].id) exited with 1", steps: [ProvisionStep(command: ["start-broker", "\(requests[0].id)"], exitCode: 1, output: "no capacity in the zone")])
            }
            for request in requests {
                // The rack the decision chose is the rack the simulator's broker sits in.
                guard racks[request.id] == request.rack else {
                    throw ProvisionFailure(message: "broker \(request.id) is not in rack \(request.rack ?? "-")", steps: steps)
                }
                await sim.startBroker(request.id)
                steps.append(ProvisionStep(command: ["start-broker", "\(request.id)"], exitCode: 0, output: "started"))
            }
        case let .remove(ids):
            lock.withLock { log.append("remove \(ids.map(String.init).joined(separator: ","))") }
            for id in ids {
                await sim.stopBroker(id)
                steps.append(ProvisionStep(command: ["stop-broker", "\(id)"], exitCode: 0, output: "stopped"))
            }
        }
        return steps
    }
}

/// The autoscaling loop end to end on an in-process KafkaSim, on one auto-advancing ManualClock
/// shared by the simulator, the loop and its flows: each evaluation's sample waits its interval in
/// simulated time, so an hour of autoscaling takes seconds.
@Suite(.timeLimit(.minutes(5)), .offThePool) struct AutoscaleLoopTests {
    static let interval = 60.0
    /// Per broker, bytes/s in and out: the network signals are shares of it.
    static let capacity: Int64 = 1_000_000

    /// Six brokers on three racks hold `orders` (12 partitions, RF 3: 6 replicas each); brokers 7-9
    /// are in the snapshot with no replica and are unregistered before the loop starts.
    static let snapshot: ClusterSnapshot = {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "rack\(($0 - 1) % 3)") }
        let partitions = (0..<12).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((p + $0) % 6 + 1) }, size: 20_000_000,
                           bytesInPerSec: rate(share: 0.5, brokers: 6), bytesOutPerSec: 0)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }()

    /// The produce rate per partition that makes each of `brokers` brokers take `share` of its
    /// network in (12 partitions of 3 replicas spread evenly).
    static func rate(share: Double, brokers: Int) -> Int64 {
        Int64(share * Double(capacity) * Double(brokers) / 36)
    }

    static func policy(window: Double = 300, cooldownIn: Double = 1200, min: Int = 3) -> AutoscalePolicy {
        AutoscalePolicy(brokers: .init(min: min, max: 9), step: .init(out: 3, in: 3), cooldown: .init(out: 300, in: cooldownIn),
                        evaluation: .init(interval: interval, window: window),
                        signals: [AutoscalePolicy.Signal(kind: .networkIn, outAbove: 0.7, inBelow: 0.3)], throttle: 200_000_000)
    }

    struct Rig {
        let sim: SimCluster
        let client: KafkaAdminClient
        let clock: ManualClock
        let dir: String
        let provisioner: SimProvisioner

        func loop(_ policy: AutoscalePolicy, execute: Bool = true, notices: Notices? = nil, metrics: AutoscaleMetrics? = nil,
                  clock loopClock: (any KScaleClock)? = nil, cpu: (@Sendable () async throws -> Double?)? = nil) -> AutoscaleLoop {
            let admin = DryRunAdmin(client, execute: execute)
            return AutoscaleLoop(
                admin: admin, policy: policy, provisioner: provisioner,
                // KRaft's UnregisterBroker over the wire, through the gate, as the CLI wires it.
                unregister: { id in _ = try await admin.unregisterBroker(id, skippingZooKeeper: true) },
                clock: loopClock ?? clock, stateDir: dir,
                settings: AutoscaleSettings(capacities: BrokerCapacities(defaults: .init(networkIn: capacity, networkOut: capacity)), cpu: cpu),
                notify: notices.map { n in { @Sendable url, body in n.add(url, body) } }, metrics: metrics)
        }

        func traffic(share: Double, brokers: Int) async throws {
            try await sim.setTraffic([SimTrafficChange(topic: "orders", bytesInPerSec: Double(rate(share: share, brokers: brokers)), bytesOutPerSec: 0)])
        }

        func events() throws -> [[String: Any]] {
            let data = try #require(FileManager.default.contents(atPath: dir + "/" + AutoscaleStateDir.eventsName))
            return try data.split(separator: 0x0A).map { line in try #require(try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]) }
        }

        func replicas(on id: BrokerID) async -> Int {
            await sim.state().snapshot.allPartitions.filter { $0.1.replicas.contains(id) }.count
        }

        func registered() async -> [BrokerID] {
            await sim.engine.withModel { m, _ in m.registeredBrokers.map(\.id) }
        }

        func stop() async {
            await client.close()
            await sim.shutdown()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    final class Notices: @unchecked Sendable {
        private let lock = NSLock()
        private var bodies: [[String: Any]] = []
        func add(_ url: String, _ body: Data) {
            if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] { lock.withLock { bodies.append(object) } }
        }
        var events: [String] { lock.withLock { bodies.compactMap { $0["event"] as? String } } }
    }

    static func rig(failing: Bool = false, snapshot: ClusterSnapshot = snapshot, unregistered: [BrokerID] = [7, 8, 9]) async throws -> Rig {
        let clock = ManualClock(autoAdvance: true)
        let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(brokerNetworkBytesPerSec: 125_000_000, clock: clock))
        for id in unregistered {
            await sim.stopBroker(id)
            try await sim.engine.withModel { m, t in try m.unregisterBroker(id, at: t) }
        }
        let client = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: sim.bootstrapServers, requestTimeout: .seconds(20),
                                                                     connectTimeout: .seconds(20), retryBackoff: .milliseconds(20)))
        let dir = NSTemporaryDirectory() + "kscale-autoscale-\(UUID().uuidString)"
        let racks = Dictionary(uniqueKeysWithValues: snapshot.brokers.map { ($0.id, $0.rack) })
        return Rig(sim: sim, client: client, clock: clock, dir: dir, provisioner: SimProvisioner(sim: sim, racks: racks, failing: failing))
    }

    /// Runs `body` on a new rig, and stops it whatever happens.
    static func withRig(failing: Bool = false, snapshot: ClusterSnapshot = snapshot, unregistered: [BrokerID] = [7, 8, 9],
                        body: (Rig) async throws -> Void) async throws {
        let rig = try await Self.rig(failing: failing, snapshot: snapshot, unregistered: unregistered)
        do {
            try await body(rig)
        } catch {
            await rig.stop()
            throw error
        }
        await rig.stop()
    }

    static func types(_ events: [[String: Any]]) -> [String] { events.compactMap { $0["type"] as? String } }

    @Test func raisedTrafficScalesOutByARackEachAfterTheWindowAndLowTrafficScalesInAfterTheCooldown() async throws {
        try await Self.withRig(body: { rig in
        let notices = Notices()
            var policy = Self.policy()
            policy.notifyWebhook = "http://127.0.0.1:9/kscale"
            let loop = rig.loop(policy, notices: notices)
            // Between the thresholds: nothing to do.
            try await loop.run(evaluations: 3)
            // A spike of two intervals, shorter than the 5-minute window: no action.
            try await rig.traffic(share: 0.9, brokers: 6)
            try await loop.run(evaluations: 2)
            try await rig.traffic(share: 0.5, brokers: 6)
            try await loop.run(evaluations: 3)
            #expect(!Self.types(try rig.events()).contains("action-started"))
            #expect(rig.provisioner.calls.isEmpty)

            // High for the whole window: a scale-out of 3, one per rack, only once the window holds it.
            try await rig.traffic(share: 0.9, brokers: 6)
            try await loop.run(evaluations: 8)
            let afterOut = try rig.events()
            let evaluations = afterOut.filter { $0["type"] as? String == "evaluation" }
            let startedAt = try #require(afterOut.firstIndex { $0["type"] as? String == "action-started" })
            // 8 evaluations before the raise; the action comes with the 6th high sample (5 minutes of them and the one at its start).
            #expect(afterOut[..<startedAt].filter { $0["type"] as? String == "evaluation" }.count == 8 + 6)
            #expect(rig.provisioner.calls == ["add 7@rack0,8@rack1,9@rack2"])
            #expect(await rig.registered() == [1, 2, 3, 4, 5, 6, 7, 8, 9])
            let state = try AutoscaleStateDir.readState(rig.dir)
            let out = try #require(state.actions.first)
            #expect(out.direction == "scale-out" && out.brokers == [7, 8, 9] && out.result == "succeeded")
            #expect(out.steps == ["provisioned", "flow"])
            #expect(await rig.replicas(on: 7) > 0)
            #expect(evaluations.count >= 14)

            // Low: a scale-in, but only once cooldown.in (20 minutes) has passed since the scale-out ENDED.
            try await rig.traffic(share: 0.1, brokers: 9)
            let outEnd = try #require(out.end)
            try await loop.run(evaluations: 25)
            let state2 = try AutoscaleStateDir.readState(rig.dir)
            let scaleIn = try #require(state2.actions.dropFirst().first)
            #expect(scaleIn.direction == "scale-in" && scaleIn.result == "succeeded", "\(scaleIn)")
            #expect(scaleIn.start >= outEnd + 1200)
            #expect(scaleIn.steps == ["flow", "verdicts", "removed", "unregistered"])
            #expect(scaleIn.brokers.count == 3)
            #expect(Set(scaleIn.brokers.map { (($0 - 1) % 3) }) == [0, 1, 2])
            // The verdicts were logged, every one SAFE TO STOP, before the remove ran.
            let all = try rig.events()
            let inAction = all.filter { $0["action"] as? Int == scaleIn.id }
            let verdictAt = try #require(inAction.firstIndex { $0["type"] as? String == "verdict" })
            let removeAt = try #require(inAction.firstIndex { $0["type"] as? String == "provisioner" })
            #expect(verdictAt < removeAt)
            let verdicts = try #require(inAction[verdictAt]["verdicts"] as? [[String: Any]])
            #expect(verdicts.count == 3 && verdicts.allSatisfy { $0["safe"] as? Bool == true })
            #expect(rig.provisioner.calls.last == "remove \(scaleIn.brokers.map(String.init).joined(separator: ","))")
            #expect(await rig.registered().count == 6)
            for id in scaleIn.brokers {
                let left = await rig.replicas(on: id)
                #expect(left == 0, "broker \(id) still holds \(left) replicas")
            }
            #expect(notices.events.filter { $0 == "action-succeeded" }.count == 2)
            #expect(notices.events.filter { $0 == "action-started" }.count == 2)
        })
    }

    /// Nine brokers each holding 4 replicas of `orders` (200 MB partitions), on three racks.
    static let nineBrokers: ClusterSnapshot = {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "rack\(($0 - 1) % 3)") }
        let partitions = (0..<12).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((p + $0) % 9 + 1) }, size: 200_000_000,
                           bytesInPerSec: rate(share: 0.1, brokers: 9), bytesOutPerSec: 0)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }()

    @Test func aScaleInKilledMidDrainIsFinishedOnTheNextStart() async throws {
        try await Self.withRig(snapshot: Self.nineBrokers, unregistered: [], body: { rig in
            // A slow throttle (1 MB/s) so the drain takes minutes; the clock dies 20 sleeps into the action.
            var policy = Self.policy(window: Self.interval)
            policy.throttle = 1_000_000
            let dying = DyingClock(inner: rig.clock, counter: DyingClock.Counter(), limit: Int(Self.interval) + 20)
            try await rig.loop(policy, clock: dying).run()
            let killed = try AutoscaleStateDir.readState(rig.dir)
            let open = try #require(killed.open, "no open action: \(killed)")
            #expect(open.direction == "scale-in" && !open.steps.contains("removed"))
            #expect(rig.provisioner.calls.isEmpty)
            #expect(Self.types(try rig.events()).last == "stopped")
            let moving = await rig.sim.state().moves.count
            #expect(moving > 0, "the clock died before the drain's moves were submitted")

            // Started again: the action is finished before anything else.
            try await rig.loop(policy).run(evaluations: 0)
            let state = try AutoscaleStateDir.readState(rig.dir)
            let finished = try #require(state.actions.first)
            #expect(finished.id == open.id && finished.result == "succeeded", "\(finished)")
            #expect(finished.steps == ["flow", "verdicts", "removed", "unregistered"])
            #expect(Self.types(try rig.events()).contains("continue"))
            #expect(rig.provisioner.calls == ["remove \(open.brokers.map(String.init).joined(separator: ","))"])
            for id in open.brokers { #expect(await rig.replicas(on: id) == 0) }
            #expect(await rig.sim.state().moves.isEmpty)
            // No throttle left on any broker.
            let configs = try await rig.client.describeConfigs(await rig.registered().map { ConfigResource.broker($0) })
            let throttles = configs.values.flatMap { $0 }.filter { ThrottleKeys.rates.contains($0.name) && $0.source == .dynamicBroker }
            #expect(throttles.isEmpty, "\(throttles.map(\.name))")
        })
    }

    @Test func aFailedProvisionerPausesUntilResumed() async throws {
        try await Self.withRig(failing: true, body: { rig in
            var policy = Self.policy(window: Self.interval)
            policy.notifyWebhook = "http://127.0.0.1:9/kscale"
            var loop = rig.loop(policy)
            loop.notify = { _, _ in throw InvalidInput("connection refused") }
            try await rig.traffic(share: 0.9, brokers: 6)
            try await loop.run(evaluations: 2)
            // Notifying failed: logged, and it changed nothing.
            let unsent = try rig.events().filter { $0["type"] as? String == "notify-failed" }
            #expect(unsent.count == 3)   // action-started, action-failed, paused
            #expect(unsent.allSatisfy { ($0["message"] as? String)?.contains("connection refused") == true })
            let state = try AutoscaleStateDir.readState(rig.dir)
            #expect(state.actions.count == 1 && state.actions.first?.result == "failed")
            let pause = try #require(state.paused)
            #expect(pause.reason.contains("start-broker 7 exited with 1"))
            // The provisioner's step, with its exit code and output, is in the event log.
            let provisioner = try #require(try rig.events().first { $0["type"] as? String == "provisioner" })
            let steps = try #require(provisioner["steps"] as? [[String: Any]])
            #expect(steps.first?["exit_code"] as? Int == 1 || steps.first?["exitCode"] as? Int == 1)
            // Paused: the second evaluation decided a scale-out again and took no action.
            #expect(rig.provisioner.calls.count == 1)
            let status = AutoscaleStatusReport(dir: rig.dir, state: state, running: AutoscaleStateDir.isRunning(rig.dir), policy: Self.policy())
            #expect(status.paused && status.text.contains("PAUSED") && status.text.contains("exited with 1"))
            #expect(!status.running)
            #expect(status.cooldownOutEnds != nil)
            #expect(try AutoscaleStateDir.resume(rig.dir, at: rig.clock.now()) != nil)
            #expect(try AutoscaleStateDir.readState(rig.dir).paused == nil)
            #expect(try AutoscaleStateDir.resume(rig.dir, at: rig.clock.now()) == nil)
        })
    }

    @Test func aDryRunChangesNothingAndSaysWhatItWouldRun() async throws {
        try await Self.withRig(body: { rig in
            let metrics = AutoscaleMetrics()
            let loop = rig.loop(Self.policy(window: Self.interval), execute: false, metrics: metrics)
            try await rig.traffic(share: 0.9, brokers: 6)
            try await loop.run(evaluations: 3)
            #expect(rig.provisioner.calls.isEmpty)
            #expect(await rig.sim.mutatingRequests().values.reduce(0, +) == 0)
            #expect(try AutoscaleStateDir.readState(rig.dir).actions.isEmpty)
            let planned = try rig.events().filter { $0["type"] as? String == "evaluation" && $0["steps"] != nil }
            #expect(!planned.isEmpty)
            let steps = try #require(planned.last?["steps"] as? [[String: Any]])
            #expect(steps.compactMap { $0["command"] as? [String] } == [["start-broker", "7", "rack0"], ["start-broker", "8", "rack1"], ["start-broker", "9", "rack2"]])
            #expect(planned.last?["dry_run"] as? Bool == true)
            // Every action carries the planner's estimate at the policy's throttle.
            let cost = try #require((planned.last?["decision"] as? [String: Any])?["cost"] as? [String: Any])
            #expect((cost["replicas_moved"] as? Int ?? 0) > 0 && (cost["bytes"] as? Int ?? 0) > 0, "\(cost)")
            #expect((cost["seconds"] as? Double ?? 0) > 0 && cost["throttle"] as? Int == 200_000_000, "\(cost)")
            let page = metrics.render()
            #expect(page.contains("kscale_autoscale_brokers 6\n"))
            #expect(page.contains("kscale_autoscale_signal{name=\"network_in\"} 0.9"))
            #expect(page.contains("kscale_autoscale_paused 0\n"))
        })
    }

    @Test func theCPUSignalIsReadEachEvaluationAndUnknownWhenItsReaderFails() async throws {
        try await Self.withRig(body: { rig in
            var policy = Self.policy(window: Self.interval)
            policy.signals = [AutoscalePolicy.Signal(kind: .cpu, outAbove: 0.6, inBelow: 0.2, prometheus: "avg(rate(cpu[5m]))")]
            let metrics = AutoscaleMetrics()
            try await rig.loop(policy, execute: false, metrics: metrics, cpu: { 0.9 }).run(evaluations: 2)
            let evaluations = try rig.events().filter { $0["type"] as? String == "evaluation" }
            let decision = try #require(evaluations.last?["decision"] as? [String: Any])
            #expect(decision["action"] as? String == "scale-out", "cpu 0.9 is above 0.6 for the whole window: \(decision)")
            #expect(metrics.render().contains("kscale_autoscale_signal{name=\"cpu\"} 0.9"))

            struct Unreachable: Error {}
            let failing = AutoscaleMetrics()
            try await rig.loop(policy, execute: false, metrics: failing, cpu: { throw Unreachable() }).run(evaluations: 1)
            #expect(try rig.events().contains { $0["type"] as? String == "warning" && ($0["message"] as? String)?.contains("cpu signal could not be read") == true })
            let last = try #require(try rig.events().last { $0["type"] as? String == "evaluation" }?["decision"] as? [String: Any])
            #expect(last["action"] as? String == "none", "an unknown signal decides nothing: \(last)")
        })
    }

    @Test func aScaleInLongerThanMaxDrainIsSkipped() async throws {
        try await Self.withRig(body: { rig in
            var policy = Self.policy(window: Self.interval)
            policy.maxDrain = 0.1  // the drain copies about 360 MB at 200 MB/s a broker: well over 0.1 s
            try await rig.traffic(share: 0.05, brokers: 6)
            try await rig.loop(policy).run(evaluations: 2)
            let evaluations = try rig.events().filter { $0["type"] as? String == "evaluation" }
            let decision = try #require(evaluations.last?["decision"] as? [String: Any])
            #expect(decision["action"] as? String == "none", "\(decision)")
            let blocks = try #require(decision["blocked_by"] as? [[String: Any]])
            #expect(blocks.contains { $0["kind"] as? String == "max_drain" }, "\(blocks)")
            #expect(rig.provisioner.calls.isEmpty)
            #expect(try AutoscaleStateDir.readState(rig.dir).actions.isEmpty)
        })
    }

    @Test func aSecondAutoscalerOnTheSameStateDirIsRefused() async throws {
        try await Self.withRig(body: { rig in
            let held = try AutoscaleJournal(dir: rig.dir)
            #expect(AutoscaleStateDir.isRunning(rig.dir))
            await #expect {
                try await rig.loop(Self.policy()).run(evaluations: 1)
            } throws: { error in
                (error as? Refusal)?.message.contains("another kscale autoscale is running on the state dir") == true
            }
            withExtendedLifetime(held) {}
        })
    }

    @Test func aReassignmentItDidNotStartStopsIt() async throws {
        var snapshot = Self.snapshot
        snapshot.topics[0].partitions[0].size = 500_000_000_000
        try await Self.withRig(snapshot: snapshot, body: { rig in
            // Someone else's move of orders-0 onto broker 4: half a terabyte, far longer than an interval.
            let failed = try await rig.client.alterReassignments([TopicPartition("orders", 0): [4, 2, 3]])
            #expect(failed.isEmpty)
            await #expect {
                try await rig.loop(Self.policy()).run(evaluations: 2)
            } throws: { error in
                (error as? Refusal)?.message.contains("did not start is in flight") == true
            }
            #expect(rig.provisioner.calls.isEmpty)
        })
    }
}

/// The pure parts: the window's bookkeeping and the state journal read back.
@Suite struct AutoscaleStateTests {
    static func sample(_ at: Double) -> AutoscaleSample {
        AutoscaleSample(at: Date(timeIntervalSince1970: at), usage: [BrokerUsage(broker: 1, networkIn: 5, networkInCapacity: 10)], replicas: 3)
    }

    @Test func theWindowKeepsWhatIsWithinItAndIsFullOnlyWhenCovered() {
        var window: [AutoscaleSample] = []
        for t in stride(from: 0.0, through: 600, by: 60) {
            window = WindowBook.appending(Self.sample(t), to: window, window: 300)
        }
        #expect(window.map { $0.at.timeIntervalSince1970 } == [300, 360, 420, 480, 540, 600])
        #expect(WindowBook.isFull(window, window: 300, interval: 60, now: Date(timeIntervalSince1970: 600)))
        let short = Array(window.suffix(3))
        #expect(!WindowBook.isFull(short, window: 300, interval: 60, now: Date(timeIntervalSince1970: 600)))
        // A sample at an instant the window already holds replaces the later ones (a clock that went back).
        let back = WindowBook.appending(Self.sample(420), to: window, window: 300)
        #expect(back.map { $0.at.timeIntervalSince1970 } == [300, 360, 420])
    }

    @Test func theStateJournalReadsBackItsActionsAndPause() throws {
        let dir = NSTemporaryDirectory() + "kscale-autoscale-state-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            let journal = try AutoscaleJournal(dir: dir)
            var started = AutoscaleRecord(.actionStarted, at: 100)
            started.action = 1
            started.direction = "scale-in"
            started.brokers = [7, 8]
            started.racks = ["a", nil]
            try journal.record(started)
            var step = AutoscaleRecord(.actionStep, at: 150)
            step.action = 1
            step.step = "flow"
            try journal.record(step)
            let interrupted = try journal.read()
            #expect(interrupted.open?.id == 1 && interrupted.open?.steps == ["flow"])
            #expect(interrupted.lastActionEnd == nil)
            var ended = AutoscaleRecord(.actionEnded, at: 200)
            ended.action = 1
            ended.result = "failed"
            ended.detail = "remove exited 2"
            try journal.record(ended)
        }
        try AutoscaleStateDir.pause(dir, reason: "action 1 failed", at: 201)
        let state = try AutoscaleStateDir.readState(dir)
        #expect(state.open == nil && state.lastActionEnd == 200 && state.nextActionID == 2)
        #expect(state.actions.first?.brokers == [7, 8] && state.actions.first?.racks == ["a", nil])
        #expect(state.actions.first?.detail == "remove exited 2")
        #expect(state.paused == AutoscaleState.Pause(at: 201, reason: "action 1 failed"))
        // The window round-trips through window.json.
        try AutoscaleStateDir.writeWindow([Self.sample(60), Self.sample(120)], to: dir)
        #expect(try AutoscaleStateDir.readWindow(dir) == [Self.sample(60), Self.sample(120)])
    }

    @Test func metricsPageNamesEveryFamily() async throws {
        let metrics = AutoscaleMetrics()
        metrics.count(direction: "scale-out", result: "succeeded")
        let page = metrics.render()
        for name in ["kscale_autoscale_brokers", "kscale_autoscale_signal", "kscale_autoscale_actions_total", "kscale_rebalance_active",
                     "kscale_reassignment_bytes_remaining", "kscale_autoscale_paused"] {
            #expect(page.contains("# TYPE \(name) "))
        }
        #expect(page.contains("kscale_autoscale_actions_total{direction=\"scale-out\",result=\"succeeded\"} 1\n"))
        // promtool, when installed (Debian's prometheus package), judges the page.
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") else { return }
        let file = NSTemporaryDirectory() + "kscale-metrics-\(UUID().uuidString).prom"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try Data(page.utf8).write(to: URL(fileURLWithPath: file))
        let promtool = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "/usr/bin/promtool check metrics < '\(file)'"])
        let result = try await promtool.wait(timeout: .seconds(60))
        #expect(result.status == 0, "promtool: \(result.stdout) \(result.stderr)")
    }
}
