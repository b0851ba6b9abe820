import Foundation
import Testing
import KafkaAdmin
import KScaleCore
@testable import KScaleExec

/// The flows through the dry-run gate on KafkaSim's engine in process: a dry run sends nothing,
/// writes nothing to the run directory, and lists what `--execute` then sends.
@Suite struct GateFlowTests {
    func cluster() async throws -> EngineCluster {
        try await EngineCluster(brokers: Array(1...7), topics: [("orders", [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]], 50_000_000)])
    }

    /// Every partition's third replica moves to broker 7.
    func plan() -> ReassignmentPlan {
        let current: [[BrokerID]] = [[1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]
        return ReassignmentPlan(partitions: current.enumerated().map { i, r in
            PartitionAssignment(topic: "orders", partition: Int32(i), replicas: [r[0], r[1], 7])
        })
    }

    @Test func aDryRunPlanRunStopsAfterTheInspection() async throws {
        let c = try await cluster()
        let clock = c.clock
        let dir = temporaryDirectory() + "/run"
        let options = RunOptions(throttle: 10_000_000, pollInterval: 1)
        let dry = DryRunAdmin(c, execute: false)
        guard case let .preview(inspection, previewed) = try await PlanRun(admin: dry, clock: clock).execute(plan(), in: dir, options: options) else {
            Issue.record("a dry run executed")
            return
        }
        #expect(inspection.moves.map(\.tp) == plan().partitions.map(\.topicPartition))
        #expect(previewed.throttle == 10_000_000)
        #expect(!FileManager.default.fileExists(atPath: dir), "no journal, no lock")
        #expect(await dry.mutations.isEmpty)
        #expect(await c.configCalls.isEmpty)
        #expect(try await c.inFlightCount() == 0)

        let gate = DryRunAdmin(c, execute: true)
        guard case let .finished(summary) = try await PlanRun(admin: gate, clock: clock).execute(plan(), in: dir, options: options) else {
            Issue.record("--execute did not run")
            return
        }
        #expect(summary.done == 4 && summary.failed.isEmpty)
        let reassigned = await gate.mutations.filter { $0.api == .alterPartitionReassignments }.map(\.line)
        #expect(Set(reassigned) == Set(plan().partitions.map { "sent: \($0.topicPartition): reassign to \($0.replicas.map(String.init).joined(separator: ","))" }))
        #expect(try RunDirectory.readState(dir).ended == "completed")
    }

    @Test func aDryRunCancelChecksEverythingAndChangesNothing() async throws {
        let c = try await cluster()
        let clock = c.clock
        let dir = temporaryDirectory() + "/run"
        clock.dieAfterSleeps = 1
        await #expect(throws: CancellationError.self) {
            _ = try await PlanRun(admin: DryRunAdmin(c, execute: true), clock: clock)
                .execute(plan(), in: dir, options: RunOptions(throttle: 1_000_000, maxMovesPerBroker: 2, pollInterval: 1))
        }
        clock.dieAfterSleeps = nil
        let inFlight = try await c.inFlightCount()
        #expect(inFlight > 0)
        let journal = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName))
        let throttles = try await c.throttleConfigs()
        let configCalls = await c.configCalls.count

        let dry = DryRunAdmin(c, execute: false)
        let preview = try await Canceller.cancel(runIn: dir, admin: dry, clock: clock)
        #expect(preview.cancelled.count == inFlight)
        #expect(try await c.inFlightCount() == inFlight)
        #expect(try await c.throttleConfigs() == throttles)
        #expect(await c.configCalls.count == configCalls)
        #expect(await !c.validatedConfigCalls.isEmpty, "the brokers validate the throttle removal")
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName)) == journal)

        let gate = DryRunAdmin(c, execute: true)
        let done = try await Canceller.cancel(runIn: dir, admin: gate, clock: clock)
        #expect(done.cancelled == preview.cancelled)
        let sent = await gate.mutations.map(\.change)
        #expect(sent == (await dry.mutations.map(\.change)), "the dry run listed what was sent")
        #expect(try await c.inFlightCount() == 0)
        #expect(try await c.throttleConfigs() == [])
        #expect(try RunDirectory.readState(dir).ended == "cancelled")
    }

    @Test func newPartitionsGoOnlyToLiveBrokers() throws {
        let brokers = [BrokerInfo(id: 1, host: "h", port: 1, rack: "a"), BrokerInfo(id: 2, host: "h", port: 1, rack: "b"),
                       BrokerInfo(id: 3, host: "h", port: 1, rack: "c", fenced: true)]
        // Broker 4 is down: partitions still name it, but it is not registered.
        let reading = ClusterObservation(cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: brokers), topics: [
            TopicDescription(name: "orders", partitions: [PartitionDescription(partition: 0, leader: 1, replicas: [1, 4], isr: [1])]),
        ])
        let input = AddPartitions.placementInput(reading, topic: "orders",
                                                 configs: [ConfigEntry(name: "cleanup.policy", value: "compact", source: .defaultConfig)])
        #expect(input.brokers.map(\.id) == [1, 2])
        #expect(input.topics.first?.configs?["cleanup.policy"] == "compact", "defaults count: a compacted topic is refused")
        let plan = try AddPartitionsPlan(snapshot: ClusterSnapshot(brokers: input.brokers, topics: [TopicState(name: "orders", partitions: input.topics[0].partitions)]),
                                         topic: "orders", targetCount: 3, acceptKeyRemap: true)
        #expect(plan.assignments.allSatisfy { Set($0).isSubset(of: [1, 2]) })
    }

    /// A cordoned broker (a drain left it to be stopped) gets no new partition either.
    @Test func newPartitionsGoOnlyToUncordonedBrokers() throws {
        let brokers = (1...3).map { BrokerInfo(id: BrokerID($0), host: "h", port: 1) }
        let reading = ClusterObservation(cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: brokers), topics: [
            TopicDescription(name: "orders", partitions: [PartitionDescription(partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2])]),
        ], brokerConfigs: [2: [ConfigEntry(name: ClusterObservation.cordonKey, value: "*", source: .dynamicBroker)]])
        let input = AddPartitions.placementInput(reading, topic: "orders", configs: [])
        #expect(input.brokers.map(\.id) == [1, 3])
        let plan = try AddPartitionsPlan(snapshot: ClusterSnapshot(brokers: input.brokers, topics: [TopicState(name: "orders", partitions: input.topics[0].partitions)]),
                                         topic: "orders", targetCount: 4, acceptKeyRemap: true)
        #expect(plan.assignments.allSatisfy { !$0.contains(2) })
    }
}
