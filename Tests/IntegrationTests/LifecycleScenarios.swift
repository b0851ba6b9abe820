import Foundation
import KafkaClient
import KScaleCore
import KafkaSim
import KScaleExec
import KScaleTestSupport
import Testing

/// The lifecycle scenarios, each written once as a function of a `ScenarioCluster`, run by the
/// two suites below: against KafkaSim always, against real Kafka when KSCALE_BOOTSTRAP is set.
enum LifecycleScenarios {
    /// The flows and the executor on the cluster's clock (KafkaSim's scaled time, or wall time);
    /// timeouts and intervals are in its seconds.
    /// `gate`: the flows' admin, when the scenario reads back what went through it; `run`: the
    /// executor's pacing.
    static func flows(_ t: any ScenarioCluster, runner: (any LifecycleRunning)? = nil, registrationTimeout: Double = 60,
                      gate: DryRunAdmin? = nil, run: RunOptions = RunOptions(throttle: 50_000_000, maxMovesPerBroker: 5, pollInterval: 1),
                      events: @escaping EventSink = { _ in }) -> ScaleFlows {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-it-\(UUID().uuidString)").path
        let gate = gate ?? DryRunAdmin(t.admin, execute: true)
        let executor = ExecutorRunner(admin: gate, options: run, stateRoot: root, clock: t.clock, emit: events)
        return ScaleFlows(admin: gate, planner: CorePlanner(), runner: runner ?? executor,
                          options: ScaleOptions(registrationTimeout: registrationTimeout, pollInterval: 0.5), clock: t.clock)
    }

    static func replicas(on broker: BrokerID, _ t: any ScenarioCluster) async throws -> Int {
        try await ClusterObservation.read(from: t.admin).partitions.filter { $0.1.replicas.contains(broker) }.count
    }

    static func throttlesLeft(_ t: any ScenarioCluster) async throws -> [Finding] {
        HealthCheck.evaluate(try await ClusterObservation.read(from: t.admin)).findings.filter { $0.check == "leftover-throttles" }
    }

    /// Scale out onto the spares, then drain them again: data lands on 7, 8, 9 and leaves them,
    /// verdicts say SAFE TO STOP, and no throttle is left.
    static func scaleOutThenScaleIn(_ t: any ScenarioCluster) async throws {
        let f = flows(t)
        let out = try await f.scaleOut(adding: Scenario.spares)
        #expect(out.failure == nil)
        for id in Scenario.spares { #expect(try await replicas(on: id, t) > 0, "broker \(id) got no replicas") }
        #expect(try await throttlesLeft(t).isEmpty)
        #expect(out.postflight?.status != .critical)

        let back = try await f.scaleIn(removing: Scenario.spares)
        #expect(back.failure == nil)
        #expect(back.verdicts?.count == 3)
        for v in back.verdicts ?? [] { #expect(v.isSafe, "\(v)") }
        #expect(back.exitCode == 0)
        for id in Scenario.spares { #expect(try await replicas(on: id, t) == 0) }
        #expect(try await throttlesLeft(t).isEmpty)
    }

    /// A broker that never registers: scale-out gives up naming it, and changes nothing.
    static func registrationTimeout(_ t: any ScenarioCluster) async throws {
        let before = try await ClusterObservation.read(from: t.admin).snapshot()
        let error = await #expect(throws: Refusal.self) {
            try await flows(t, registrationTimeout: 5).scaleOut(adding: [42])
        }
        #expect(error?.message.contains("not registered: 42") == true)
        let after = try await ClusterObservation.read(from: t.admin).snapshot()
        #expect(before.topics.map(\.partitions).map { $0.map(\.replicas) } == after.topics.map(\.partitions).map { $0.map(\.replicas) })
    }

    /// Removing so many brokers that RF 3 cannot fit, or every broker of a rack: refused by name,
    /// nothing moved.
    static func refusals(_ t: any ScenarioCluster) async throws {
        let f = flows(t)
        let rf = await #expect(throws: Refusal.self) { try await f.scaleIn(removing: [1, 2, 3, 4, 5, 6, 7]) }
        #expect(rf?.message.contains("only 2 brokers would remain") == true)
        let rack = await #expect(throws: Refusal.self) { try await f.scaleIn(removing: [1, 4, 7]) }
        #expect(rack?.message.contains("empties rack rack-a") == true)
        #expect(try await ClusterObservation.read(from: t.admin).reassignments.isEmpty)
    }

    /// A topic lands on the broker while it drains; the drain re-reads metadata and drains it too.
    static func topicCreatedMidDrain(_ t: any ScenarioCluster) async throws {
        let late = Scenario.topic("late")
        let base = flows(t)
        let runner = HookedRunner(inner: base.runner) { run in
            if run == 1 {
                _ = try await t.client.createTopics([NewTopic(name: late, partitions: -1, replicationFactor: -1,
                                                             assignments: [[6, 1, 2], [2, 6, 3]])], validateOnly: false)
            }
        }
        let report = try await flows(t, runner: runner).scaleIn(removing: [6])
        #expect(report.plans.count >= 2)
        #expect(report.verdicts?.first?.isSafe == true, "\(report.verdicts ?? [])")
        #expect(try await replicas(on: 6, t) == 0)
        // Put broker 6 back to work for the scenarios that follow.
        _ = try await base.scaleOut(adding: [6])
        _ = try await t.client.deleteTopics([late])
    }

    /// Where brokers know KIP-1066's `cordoned.log.dirs` (Kafka 4.3 on), scale-in cordons the
    /// broker first, so a topic created during the drain is placed elsewhere and needs no extra
    /// round; adding the broker back lifts the cordon. Before 4.3 there is nothing to cordon with:
    /// the config is not there, the new topic's replicas on the broker are drained in an extra
    /// round, and the verdict is the same.
    static func cordonKeepsNewTopicsOff(_ t: any ScenarioCluster) async throws {
        guard t.profile?.supportsCordons ?? true else { return try await noCordonBefore43(t) }
        let late = Scenario.topic("cordoned")
        let report = try await scaleInOf6(creatingMidDrain: late, t)
        let cordon = try await t.admin.describeConfigs([.broker(6)])[.broker(6)]?.first { $0.name == "cordoned.log.dirs" }
        #expect(cordon?.value == "*")
        #expect(report.plans.count == 1, "the new topic avoided the cordoned broker: \(report.plans.map(\.label))")
        let placed = try await t.admin.describeTopics([late]).first?.partitions.flatMap(\.replicas) ?? []
        #expect(placed.count == 12 && !placed.contains(6))
        #expect(report.verdicts?.first?.isSafe == true)
        _ = try await flows(t).scaleOut(adding: [6])
        let after = try await t.admin.describeConfigs([.broker(6)])[.broker(6)]?.first { $0.name == "cordoned.log.dirs" }
        #expect((after?.value ?? "").isEmpty)
        _ = try await t.client.deleteTopics([late])
    }

    /// A broker other than the drained one stops in the middle of the drain and comes back: the
    /// executor waits for it, the drain finishes, the verdict is SAFE, and no throttle is left.
    /// Broker 2 stops before the drain's first run and starts again at that run's third progress
    /// report (ordered by the executor's polls, not by wall time).
    static func brokerFailingMidDrain(_ t: any ScenarioCluster) async throws {
        let restart = ProgressCountdown(reports: 3)
        let executor = flows(t, events: { event in
            if case .progress = event, restart.tick() { Task { try? await t.start(2) } }
        }).runner
        let runner = HookedRunner(inner: executor) { run in
            guard run == 1 else { return }
            guard try await t.stop(2) else { return }
            restart.arm()
        }
        let f = flows(t, runner: runner)
        let report = try await f.scaleIn(removing: [5])
        for v in report.verdicts ?? [] { #expect(v.isSafe || report.failure != nil, "\(v)") }
        if report.failure == nil {
            #expect(report.verdicts?.first?.isSafe == true)
            #expect(try await replicas(on: 5, t) == 0)
        } else {
            #expect(report.verdicts?.first?.isSafe == false)     // never SAFE while something is left
        }
        try await t.start(2)
        #expect(try await throttlesLeft(t).isEmpty)
        _ = try await flows(t).scaleOut(adding: [5])
    }
}

extension LifecycleScenarios {
    /// `cordonKeepsNewTopicsOff` on a release without `cordoned.log.dirs`.
    static func noCordonBefore43(_ t: any ScenarioCluster) async throws {
        let late = Scenario.topic("uncordoned")
        let report = try await scaleInOf6(creatingMidDrain: late, t)
        let configs = try await t.admin.describeConfigs([.broker(6)])[.broker(6)] ?? []
        #expect(!configs.isEmpty && !configs.contains { $0.name == ClusterObservation.cordonKey }, "\(t.name)")
        #expect(report.failure == nil, "\(t.name): \(report.failure ?? "")")
        #expect(report.verdicts?.first?.isSafe == true, "\(t.name): \(report.verdicts ?? [])")
        #expect(try await replicas(on: 6, t) == 0)
        _ = try await flows(t).scaleOut(adding: [6])
        _ = try await t.client.deleteTopics([late])
    }

    /// Scale-in of broker 6, with topic `late` (6 partitions, RF 2, placed by the brokers) created
    /// as the drain's first run starts.
    static func scaleInOf6(creatingMidDrain late: String, _ t: any ScenarioCluster) async throws -> ScaleReport {
        let runner = HookedRunner(inner: flows(t).runner) { run in
            if run == 1 {
                _ = try await t.client.createTopics([NewTopic(name: late, partitions: 6, replicationFactor: 2)], validateOnly: false)
            }
        }
        return try await flows(t, runner: runner).scaleIn(removing: [6])
    }

    /// The check over the wire: healthy but imbalanced with the spares empty (warn), critical
    /// once a broker holding replicas stops (offline broker, under-replicated partitions).
    static func checkSeesAStoppedBroker(_ t: any ScenarioCluster) async throws {
        let healthy = HealthCheck.evaluate(try await ClusterObservation.read(from: t.admin))
        #expect(healthy.counts.offline == 0 && healthy.counts.underMinISR == 0)
        #expect(healthy.status <= .warn)
        // DescribeLogDirs v4 reports capacity (Kafka 3.3 on, KIP-827); before, no percent is made up.
        let reportsCapacity = (t.profile?.apiVersions[Self.describeLogDirsKey]?.upperBound ?? 4) >= 4
        #expect(healthy.brokers.allSatisfy { ($0.diskUsedPercent != nil) == reportsCapacity }, "\(t.name)")
        guard try await t.stop(3) else { return }
        let down = HealthCheck.evaluate(try await ClusterObservation.read(from: t.admin))
        try await t.start(3)
        #expect(down.status == .critical)
        // KRaft fences a stopped broker and lists it only when fenced brokers are asked for.
        #expect(down.findings.contains { ["brokers-offline", "brokers-fenced"].contains($0.check) && $0.brokers == [3] })
        #expect(down.counts.underReplicated > 0)
        #expect([.offline, .fenced].contains(down.brokers.first { $0.id == 3 }?.state))
    }
}

extension LifecycleScenarios {
    static let describeLogDirsKey: Int16 = 35
}

/// Once armed, counts the executor's progress reports; `tick` is true at the `reports`-th only.
final class ProgressCountdown: @unchecked Sendable {
    private let lock = NSLock()
    private let reports: Int
    private var armed = false
    private var seen = 0

    init(reports: Int) { self.reports = reports }

    func arm() { lock.withLock { armed = true } }

    func tick() -> Bool {
        lock.withLock {
            guard armed else { return false }
            seen += 1
            return seen == reports
        }
    }
}

/// Runs `before(run)` ahead of each run of the wrapped runner: the seam scenarios use to make
/// something happen in the middle of a drain.
struct HookedRunner: LifecycleRunning {
    let inner: any LifecycleRunning
    let before: @Sendable (Int) async throws -> Void
    let counter = Counter()

    actor Counter {
        var n = 0
        func next() -> Int { n += 1; return n }
    }

    func run(_ plan: LifecyclePlan, label: String) async throws {
        try await before(await counter.next())
        try await inner.run(plan, label: label)
    }
}

@Suite("Integration: lifecycle scenarios on real Kafka", .serialized, .enabled(if: Scenario.realBootstrap != nil, Scenario.realSkipReason))
struct LifecycleOnRealKafka {
    @Test func scaleOutThenScaleIn() async throws { try await onRealKafka(LifecycleScenarios.scaleOutThenScaleIn) }
    @Test func registrationTimeout() async throws { try await onRealKafka(LifecycleScenarios.registrationTimeout) }
    @Test func refusals() async throws { try await onRealKafka(LifecycleScenarios.refusals) }
    @Test func topicCreatedMidDrain() async throws { try await onRealKafka(LifecycleScenarios.topicCreatedMidDrain) }
    @Test func brokerFailingMidDrain() async throws { try await onRealKafka(LifecycleScenarios.brokerFailingMidDrain) }
    @Test func checkSeesAStoppedBroker() async throws { try await onRealKafka(LifecycleScenarios.checkSeesAStoppedBroker) }
}
