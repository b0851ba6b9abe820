import Foundation
import KScaleCore
import Testing
import KafkaAdmin

/// A cluster of three brokers behind `ClusterAdmin` that records every mutating call it receives
/// and answers from fixed state. Calls it does not model throw rather than succeed silently.
actor RecordingAdmin: ClusterAdmin {
    struct Unmodelled: Error {}

    var topics: [TopicDescription]
    var reassignments: [TopicPartition: OngoingReassignment] = [:]
    /// Every mutation received, as `API validateOnly`, in order.
    var received: [String] = []
    var reassignmentAnswer: [TopicPartition: KafkaAPIError] = [:]
    var configAnswer: [ConfigResource: KafkaAPIError] = [:]
    var createPartitionsRefusal: KafkaAPIError?

    init() {
        topics = [TopicDescription(name: "orders", partitions: [
            PartitionDescription(partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2]),
            // Led by its second replica, the preferred one back in sync: an election moves it.
            PartitionDescription(partition: 1, leader: 3, replicas: [2, 3], isr: [2, 3]),
            // Preferred replica 1 out of the ISR: an election cannot move it.
            PartitionDescription(partition: 2, leader: 3, replicas: [1, 3], isr: [3]),
        ])]
        reassignments = [TopicPartition("orders", 0): OngoingReassignment(replicas: [1, 2, 3], adding: [3], removing: [1])]
    }

    func setReassignmentAnswer(_ answer: [TopicPartition: KafkaAPIError]) { reassignmentAnswer = answer }
    func setConfigAnswer(_ answer: [ConfigResource: KafkaAPIError]) { configAnswer = answer }
    func setCreatePartitionsRefusal(_ refusal: KafkaAPIError?) { createPartitionsRefusal = refusal }

    func describeCluster() async throws -> ClusterDescription {
        ClusterDescription(clusterID: "fake", controllerID: 1, brokers: (1...3).map { BrokerInfo(id: $0, host: "h\($0)", port: 9092) })
    }
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] {
        topics.filter { names?.contains($0.name) ?? true }
    }
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        reassignments.filter { partitions?.contains($0.key) ?? true }
    }
    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] {
        Dictionary(uniqueKeysWithValues: resources.map { ($0, [ConfigEntry(name: "retention.ms", value: "1000", source: .dynamicTopic)]) })
    }
    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] { throw Unmodelled() }
    func listConsumerGroups() async throws -> [String] { throw Unmodelled() }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { throw Unmodelled() }
    func describeQuorum() async throws -> QuorumDescription? { throw Unmodelled() }
    func finalizedFeatures() async throws -> [String: Int16] { throw Unmodelled() }
    func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers { throw Unmodelled() }
    func committedOffsets(group: String) async throws -> [TopicPartition: Int64] { throw Unmodelled() }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        received.append("AlterPartitionReassignments")
        return reassignmentAnswer
    }
    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        received.append("IncrementalAlterConfigs validateOnly=\(validateOnly)")
        return configAnswer
    }
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        received.append("CreatePartitions validateOnly=\(validateOnly)")
        if let createPartitionsRefusal { throw createPartitionsRefusal }
    }
    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        received.append("ElectLeaders")
        return [:]
    }

    func createToolTopic(_ topic: ToolTopic) async throws -> Bool {
        received.append("CreateTopics")
        return true
    }
    func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 {
        received.append("Produce")
        return 0
    }
    func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? { throw Unmodelled() }
}

@Suite struct DryRunAdminTests {
    let orders0 = TopicPartition("orders", 0), orders1 = TopicPartition("orders", 1), orders2 = TopicPartition("orders", 2)

    @Test func readsPassThroughAndRecordNothing() async throws {
        let base = RecordingAdmin()
        let gate = DryRunAdmin(base, execute: false)
        #expect(try await gate.describeCluster().brokers.map(\.id) == [1, 2, 3])
        #expect(try await gate.describeTopics(["orders"]).first?.partitions.count == 3)
        #expect(try await gate.listReassignments(nil).keys.sorted() == [orders0])
        #expect(try await gate.describeConfigs([.topic("orders")])[.topic("orders")]?.first?.value == "1000")
        await #expect(throws: RecordingAdmin.Unmodelled.self) { _ = try await gate.logDirs(brokers: nil) }
        #expect(await gate.mutations.isEmpty)
        #expect(await base.received.isEmpty)
    }

    @Test func aDryRunNeverCreatesTheRecordTopicNorWritesRecords() async throws {
        let topic = ToolTopic(name: "__kscale_runs", partitions: 1, replicationFactor: 3, configs: ["cleanup.policy": "compact"])
        let record = LogRecord(key: Array("k".utf8), value: Array("v".utf8))
        let base = RecordingAdmin()
        let dryRun = DryRunAdmin(base, execute: false)
        await #expect(throws: DryRunWrite.self) { _ = try await dryRun.createToolTopic(topic) }
        await #expect(throws: DryRunWrite.self) { _ = try await dryRun.appendRecords([record], to: TopicPartition("__kscale_runs", 0)) }
        #expect(await base.received.isEmpty)
        let execute = DryRunAdmin(base, execute: true)
        #expect(try await execute.createToolTopic(topic))
        #expect(try await execute.appendRecords([record], to: TopicPartition("__kscale_runs", 0)) == 0)
        #expect(await base.received == ["CreateTopics", "Produce"])
    }

    @Test func dryRunReassignmentsAreJudgedFromMetadataAndNeverSent() async throws {
        let base = RecordingAdmin()
        let gate = DryRunAdmin(base, execute: false)
        #expect(gate.isDryRun)
        let answer = try await gate.alterReassignments([
            orders1: [3, 1],                       // fine
            orders2: [1, 9],                       // broker 9 is not registered
            TopicPartition("orders", 7): [1, 2],   // no such partition
            orders0: nil,                          // cancels the reassignment in flight: fine
        ])
        #expect(await base.received.isEmpty, "a dry run sends no AlterPartitionReassignments")
        #expect(answer.keys.sorted() == [orders2, TopicPartition("orders", 7)])
        #expect(answer[orders2]?.name == "INVALID_REPLICA_ASSIGNMENT")
        #expect(answer[TopicPartition("orders", 7)]?.name == "UNKNOWN_TOPIC_OR_PARTITION")
        let lines = await gate.mutations.map(\.line)
        #expect(lines == [
            "would send: orders-0: cancel the reassignment in flight",
            "would send: orders-1: reassign to 3,1",
            "would be refused: orders-2: reassign to 1,9: rejected AlterPartitionReassignments: INVALID_REPLICA_ASSIGNMENT (names brokers that are not registered: 9)",
            "would be refused: orders-7: reassign to 1,2: rejected AlterPartitionReassignments: UNKNOWN_TOPIC_OR_PARTITION (the cluster has no partition orders-7)",
        ])
    }

    @Test func dryRunRefusesWhatKafkaRefusesInAReplicaList() {
        let o = ClusterObservation(cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: [BrokerInfo(id: 1, host: "h", port: 1), BrokerInfo(id: 2, host: "h", port: 1)]),
                                   topics: [TopicDescription(name: "t", partitions: [PartitionDescription(partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2])])])
        let tp = TopicPartition("t", 0)
        #expect(DryRunAdmin.reassignmentAnswers([tp: []], in: o)[tp]?.name == "INVALID_REPLICA_ASSIGNMENT")
        #expect(DryRunAdmin.reassignmentAnswers([tp: [1, 1]], in: o)[tp]?.name == "INVALID_REPLICA_ASSIGNMENT")
        #expect(DryRunAdmin.reassignmentAnswers([tp: nil], in: o)[tp]?.name == "NO_REASSIGNMENT_IN_PROGRESS")
        #expect(DryRunAdmin.reassignmentAnswers([tp: [2, 1]], in: o).isEmpty)
    }

    @Test func executeForwardsAndRecordsTheBrokersAnswer() async throws {
        let base = RecordingAdmin()
        await base.setReassignmentAnswer([orders2: KafkaAPIError(code: 39, name: "INVALID_REPLICA_ASSIGNMENT")])
        let gate = DryRunAdmin(base, execute: true)
        #expect(!gate.isDryRun)
        let answer = try await gate.alterReassignments([orders1: [3, 2], orders2: [1, 9]])
        #expect(await base.received == ["AlterPartitionReassignments"])
        #expect(answer[orders2]?.name == "INVALID_REPLICA_ASSIGNMENT")
        #expect(await gate.mutations.map(\.line) == [
            "sent: orders-1: reassign to 3,2",
            "refused: orders-2: reassign to 1,9: INVALID_REPLICA_ASSIGNMENT",
        ])
    }

    @Test func configsAreValidatedByTheBrokerInADryRun() async throws {
        let base = RecordingAdmin()
        await base.setConfigAnswer([.broker(2): KafkaAPIError(code: 40, name: "INVALID_CONFIG")])
        let changes: [ConfigResource: [ConfigChange]] = [
            .broker(2): [ConfigChange("leader.replication.throttled.rate", .set, "100")],
            .broker(10): [ConfigChange("leader.replication.throttled.rate", .delete)],
            .topic("orders"): [ConfigChange("leader.replication.throttled.replicas", .append, "0:1"),
                               ConfigChange("follower.replication.throttled.replicas", .subtract, "0:2")],
        ]
        let dry = DryRunAdmin(base, execute: false)
        let answer = try await dry.incrementalAlterConfigs(changes, validateOnly: false)
        #expect(await base.received == ["IncrementalAlterConfigs validateOnly=true"])
        #expect(answer[.broker(2)]?.name == "INVALID_CONFIG")
        let expected = [
            "topic orders: append 0:1 to leader.replication.throttled.replicas",
            "topic orders: subtract 0:2 from follower.replication.throttled.replicas",
            "broker 2: set leader.replication.throttled.rate=100",
            "broker 10: delete leader.replication.throttled.rate",
        ]
        #expect(await dry.mutations.map(\.change.description) == expected)
        #expect(await dry.mutations.map(\.sent) == [false, false, false, false])
        #expect(await dry.mutations.map { $0.refusal?.name } == [nil, nil, "INVALID_CONFIG", nil])

        let real = DryRunAdmin(base, execute: true)
        _ = try await real.incrementalAlterConfigs(changes, validateOnly: false)
        #expect(await base.received.last == "IncrementalAlterConfigs validateOnly=false")
        #expect(await real.mutations.map(\.change.description) == expected, "a dry run lists what --execute sends")

        // Asked for validate_only by the caller: nothing to change, nothing recorded.
        _ = try await real.incrementalAlterConfigs(changes, validateOnly: true)
        #expect(await base.received.last == "IncrementalAlterConfigs validateOnly=true")
        #expect(await real.mutations.count == expected.count)
    }

    @Test func createPartitionsIsValidateOnlyInADryRunAndARefusalIsThrownAndRecorded() async throws {
        let base = RecordingAdmin()
        let dry = DryRunAdmin(base, execute: false)
        try await dry.createPartitions(topic: "orders", totalCount: 5, assignments: [[1, 2], [2, 3]], validateOnly: false)
        #expect(await base.received == ["CreatePartitions validateOnly=true"])
        #expect(await dry.mutations.map(\.line) == ["would send: topic orders: grow to 5 partitions (orders-3: 1,2; orders-4: 2,3)"])

        await base.setCreatePartitionsRefusal(KafkaAPIError(code: 37, name: "INVALID_PARTITIONS"))
        let real = DryRunAdmin(base, execute: true)
        await #expect(throws: KafkaAPIError.self) {
            try await real.createPartitions(topic: "orders", totalCount: 2, assignments: nil, validateOnly: false)
        }
        #expect(await base.received.last == "CreatePartitions validateOnly=false")
        #expect(await real.mutations.map(\.line) == ["refused: topic orders: grow to 2 partitions (placed by the broker): INVALID_PARTITIONS"])
    }

    @Test func dryRunElectionsAnswerAsTheControllerWould() async throws {
        let base = RecordingAdmin()
        let dry = DryRunAdmin(base, execute: false)
        // orders-0 is already led by its preferred replica (no failure); orders-1 can be elected;
        // orders-2's preferred replica is out of the ISR; orders-9 does not exist.
        let answer = try await dry.electPreferredLeaders([orders0, orders1, orders2, TopicPartition("orders", 9)])
        #expect(await base.received.isEmpty, "a dry run sends no ElectLeaders")
        #expect(answer.keys.sorted() == [orders2, TopicPartition("orders", 9)])
        #expect(answer[orders2]?.name == "PREFERRED_LEADER_NOT_AVAILABLE")
        #expect(answer[TopicPartition("orders", 9)]?.name == "UNKNOWN_TOPIC_OR_PARTITION")
        #expect(await dry.mutations.map(\.change.description) == [
            "orders-0: elect the preferred leader", "orders-1: elect the preferred leader",
            "orders-2: elect the preferred leader", "orders-9: elect the preferred leader",
        ])
        let everywhere = try await dry.electPreferredLeaders(nil)
        #expect(everywhere.keys.sorted() == [orders2])
        #expect(await dry.mutations.last?.line == "would send: every partition: elect the preferred leader")

        let real = DryRunAdmin(base, execute: true)
        #expect(try await real.electPreferredLeaders([orders1]).isEmpty)
        #expect(await base.received == ["ElectLeaders"])
        #expect(await real.mutations.map(\.line) == ["sent: orders-1: elect the preferred leader"])
    }

    @Test func aMutationsJSONCarriesItsFields() throws {
        let mutation = AdminMutation(change: .alterConfig(.broker(4), ConfigChange("leader.replication.throttled.rate", .set, "50")), sent: false)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(mutation), as: UTF8.self)
        #expect(json == #"{"api":"IncrementalAlterConfigs","change":"broker 4: set leader.replication.throttled.rate=50","config":"leader.replication.throttled.rate","line":"would send: broker 4: set leader.replication.throttled.rate=50","operation":"set","resource":"broker 4","sent":false,"value":"50"}"#)
        #expect(AdminMutation.API.allCases.map(\.rawValue) == [37, 43, 44, 45, 64])
        let unregister = String(decoding: try encoder.encode(AdminMutation(change: .unregisterBroker(7), sent: true)), as: UTF8.self)
        #expect(unregister == #"{"api":"UnregisterBroker","broker":7,"change":"broker 7: unregister from the KRaft controller","line":"sent: broker 7: unregister from the KRaft controller","sent":true}"#)
    }
}
