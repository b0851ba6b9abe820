import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import Testing
@testable import KScaleExec

/// Issue 13 item 1, "a drained broker gets data back": a drain leaves the brokers it emptied
/// cordoned (KIP-1066) and says SAFE TO STOP; no later plan may give them data back, only an
/// explicit uncordon (or a scale-out that adds them) lifts the cordon. On KafkaSim's engine, which
/// models `cordoned.log.dirs`, through the real planner.
@Suite("Lifecycle: cordoned brokers get no data back", .timeLimit(.minutes(1)))
struct LifecycleCordonTests {
    typealias Flows = LifecycleFlowTests

    static func cordon(of broker: BrokerID, _ c: EngineCluster) async throws -> String {
        try await c.describeConfigs([.broker(broker)])[.broker(broker)]?.first { $0.name == ClusterObservation.cordonKey }?.value ?? ""
    }

    /// The events a flow emits, in order (the flows emit synchronously).
    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [LifecycleEvent] = []
        func add(_ e: LifecycleEvent) { lock.withLock { lines.append(e) } }
        var all: [LifecycleEvent] { lock.withLock { lines } }
        func contains(_ step: String, _ text: String) -> Bool { all.contains { $0.step == step && $0.message.contains(text) } }
    }

    static func flows(_ c: EngineCluster, execute: Bool, events: Events) -> ScaleFlows {
        var flows = Flows.flows(c, execute: execute)
        flows.emit = { events.add($0) }
        return flows
    }

    @Test func aScaleOutAfterADrainPutsNothingBackOnTheDrainedBroker() async throws {
        let c = try await Flows.sixBrokers(spares: [8, 9])
        let drained = try await Flows.flows(c, execute: true).scaleIn(removing: [4])
        #expect(drained.verdicts?.map(\.description) == ["broker 4: SAFE TO STOP (0 replicas, 0 leaders, not a quorum voter)"])
        #expect(try await Self.cordon(of: 4, c) == "*")

        let dry = try await Flows.flows(c, execute: false).scaleOut(adding: [8, 9])
        #expect(dry.after.first { $0.broker == 4 }?.replicas == 0, "the dry run plans nothing onto broker 4")
        let out = try await Flows.flows(c, execute: true).scaleOut(adding: [8, 9])
        #expect(out.failure == nil)
        #expect(try await c.replicas(on: 4).isEmpty, "broker 4 was declared safe to stop: it must stay empty")
        let on8 = try await c.replicas(on: 8).count, on9 = try await c.replicas(on: 9).count
        #expect(on8 > 0 && on9 > 0)
        #expect(try await Self.cordon(of: 4, c) == "*", "only the added brokers are uncordoned")
        #expect(out.postflight?.brokers.first { $0.id == 4 }?.cordoned == true)
        #expect(BrokerVerdict.judge(4, in: try await ClusterObservation.read(from: c)).isSafe)
    }

    /// The report: `--add-brokers 7` refilled broker 9, which a drain had emptied.
    @Test func addingAnotherBrokerDoesNotRefillADrainedOne() async throws {
        let c = try await Flows.sixBrokers(spares: [7, 9])
        _ = try await Flows.flows(c, execute: true).scaleIn(removing: [9])      // empty already: cordoned, SAFE TO STOP
        #expect(try await Self.cordon(of: 9, c) == "*")
        let out = try await Flows.flows(c, execute: true).scaleOut(adding: [7])
        #expect(out.failure == nil)
        #expect(try await c.replicas(on: 7).count > 0)
        #expect(try await c.replicas(on: 9).isEmpty)
    }

    @Test func aSecondDrainDoesNotTargetABrokerAnEarlierDrainCordoned() async throws {
        // Broker 7 (rack b with 1 and 4) registered and empty: the natural target for broker 4's replicas.
        let c = try await Flows.sixBrokers(spares: [7])
        _ = try await Flows.flows(c, execute: true).scaleIn(removing: [7])
        #expect(try await Self.cordon(of: 7, c) == "*")
        let dry = try await Flows.flows(c, execute: false).scaleIn(removing: [4])
        #expect(dry.after.first { $0.broker == 7 }?.replicas == 0)
        let second = try await Flows.flows(c, execute: true).scaleIn(removing: [4])
        #expect(second.verdicts?.allSatisfy(\.isSafe) == true)
        #expect(try await c.replicas(on: 4).isEmpty)
        #expect(try await c.replicas(on: 7).isEmpty, "the drain moved broker 4's replicas onto cordoned broker 7")
    }

    @Test func addingACordonedBrokerBackUncordonsItAndSaysSoInTheDryRunToo() async throws {
        let c = try await Flows.sixBrokers()
        _ = try await Flows.flows(c, execute: true).scaleIn(removing: [4])
        #expect(try await c.replicas(on: 4).isEmpty)

        let dryEvents = Events()
        let dryFlows = Self.flows(c, execute: false, events: dryEvents)
        let dry = try await dryFlows.scaleOut(adding: [4])
        #expect(dryEvents.contains("cordon", "brokers 4 are cordoned; --execute uncordons them"), "\(dryEvents.all)")
        #expect(await dryFlows.admin.mutations.map(\.line) == ["would send: broker 4: delete cordoned.log.dirs"])
        #expect((dry.after.first { $0.broker == 4 }?.replicas ?? 0) > 0, "the added broker is planned onto")
        #expect(try await Self.cordon(of: 4, c) == "*", "the dry run changed nothing")
        #expect(await c.validatedConfigCalls.count == 1, "the broker validated the uncordon")

        let events = Events()
        let cordonWhileMoving = Events()
        var flows = Flows.flows(c, execute: true) { cluster, _ in
            cordonWhileMoving.add(LifecycleEvent("cordon", try await Self.cordon(of: 4, cluster)))
        }
        flows.emit = { events.add($0) }
        let out = try await flows.scaleOut(adding: [4])
        #expect(out.failure == nil)
        #expect(events.contains("cordon", "uncordoned brokers 4"), "\(events.all)")
        #expect(try await Self.cordon(of: 4, c) == "")
        #expect(try await c.replicas(on: 4).count > 0)
        #expect(cordonWhileMoving.all.map(\.message) == [""], "the cordon was lifted before the data moved")
    }

    @Test func addingABrokerThatHoldsReplicasIsRefusedWithNothingChanged() async throws {
        let c = try await Flows.sixBrokers(spares: [7])
        let held = try await c.replicas(on: 3).count
        let flows = Flows.flows(c, execute: true)
        let error = await #expect(throws: Refusal.self) { try await flows.scaleOut(adding: [7, 3]) }
        #expect(error?.message.contains("broker 3 holds \(held) replicas") == true, "\(error?.message ?? "")")
        #expect(await c.alterRequests == 0)
        #expect(await c.configCalls.isEmpty)
        #expect(await flows.admin.mutations.isEmpty)
        #expect(try await c.replicas(on: 7).isEmpty)
    }

    @Test func uncordonIsADryRunUnlessExecutedAndRefusesUnknownBrokers() async throws {
        let c = try await Flows.sixBrokers()
        try await c.setBrokerConfig(4, ClusterObservation.cordonKey, "*")
        let dryGate = DryRunAdmin(c, execute: false)
        let dry = try await Uncordon.run(brokers: [5, 4], admin: dryGate)
        #expect(!dry.executed)
        #expect(dry.uncordoned == [4] && dry.notCordoned == [5] && dry.exitCode == 0)
        #expect(await dryGate.mutations.map(\.line) == ["would send: broker 4: delete cordoned.log.dirs"])
        #expect(try await Self.cordon(of: 4, c) == "*")

        let gate = DryRunAdmin(c, execute: true)
        let unknown = await #expect(throws: InvalidInput.self) { try await Uncordon.run(brokers: [4, 42], admin: gate) }
        #expect(unknown?.message.contains("unknown brokers 42") == true)
        await #expect(throws: InvalidInput.self) { try await Uncordon.run(brokers: [4, 4], admin: gate) }
        #expect(await gate.mutations.isEmpty)
        #expect(try await Self.cordon(of: 4, c) == "*")

        let done = try await Uncordon.run(brokers: [4], admin: gate)
        #expect(done.executed && done.uncordoned == [4] && done.failed.isEmpty)
        #expect(await gate.mutations.map(\.line) == ["sent: broker 4: delete cordoned.log.dirs"])
        #expect(try await Self.cordon(of: 4, c) == "")
    }

    /// A cordon set as the cluster-wide broker default is not lifted by a per-broker delete: said, not faked.
    @Test func aClusterWideCordonIsReportedNotDeleted() async throws {
        let c = try await Flows.sixBrokers()
        let failed = try await c.admin.incrementalAlterConfigs([ConfigResource(.broker, ""): [ConfigChange(ClusterObservation.cordonKey, .set, "*")]],
                                                               validateOnly: false)
        #expect(failed.isEmpty)
        let gate = DryRunAdmin(c, execute: true)
        let result = try await Uncordon.run(brokers: [5], admin: gate)
        #expect(result.uncordoned.isEmpty)
        #expect(result.cordonedElsewhere[5]?.contains("cluster-wide broker default") == true)
        #expect(result.exitCode == 1)
        #expect(await gate.mutations.isEmpty)
    }
}
