import KScaleTestSupport
import Testing
@testable import KScaleCore

@Suite(.offThePool) struct PartitionSizingTests {
    @Test func throughputDecidesWhenItNeedsMore() throws {
        let s = try PartitionSizing(targetThroughput: 200_000_000, perPartitionThroughput: 10_000_000, maxConsumers: 12)
        #expect(s.throughputPartitions == 20)
        #expect(s.partitions == 20)
        #expect(s.decidedBy == .throughput)
    }

    @Test func consumersDecideWhenTheGroupIsLarger() throws {
        let s = try PartitionSizing(targetThroughput: 200_000_000, perPartitionThroughput: 10_000_000, maxConsumers: 48)
        #expect(s.throughputPartitions == 20)
        #expect(s.partitions == 48)
        #expect(s.decidedBy == .consumers)
    }

    @Test func tieIsReportedAsBoth() throws {
        let s = try PartitionSizing(targetThroughput: 200_000_000, perPartitionThroughput: 10_000_000, maxConsumers: 20)
        #expect(s.partitions == 20)
        #expect(s.decidedBy == .both)
    }

    @Test func throughputTermRoundsUp() throws {
        #expect(try PartitionSizing(targetThroughput: 201_000_000, perPartitionThroughput: 10_000_000).partitions == 21)
        #expect(try PartitionSizing(targetThroughput: 1, perPartitionThroughput: 10_000_000).partitions == 1)
        #expect(try PartitionSizing(targetThroughput: 30_000_001, perPartitionThroughput: 10_000_000).partitions == 4)
        // No overflow near the top of the range.
        #expect(try PartitionSizing(targetThroughput: Int64.max, perPartitionThroughput: Int64.max - 1).partitions == 2)
    }

    @Test func withoutConsumersThroughputDecides() throws {
        let s = try PartitionSizing(targetThroughput: 50_000_000, perPartitionThroughput: 10_000_000)
        #expect(s.partitions == 5)
        #expect(s.decidedBy == .throughput)
    }

    @Test func zeroAndNegativeInputsAreRefused() {
        #expect(throws: InvalidInput.self) { try PartitionSizing(targetThroughput: 0, perPartitionThroughput: 10) }
        #expect(throws: InvalidInput.self) { try PartitionSizing(targetThroughput: 10, perPartitionThroughput: 0) }
        #expect(throws: InvalidInput.self) { try PartitionSizing(targetThroughput: -5, perPartitionThroughput: 10) }
        #expect(throws: InvalidInput.self) { try PartitionSizing(targetThroughput: 10, perPartitionThroughput: 10, maxConsumers: 0) }
        #expect(throws: InvalidInput.self) { try PartitionSizing(targetThroughput: 10, perPartitionThroughput: 10, maxConsumers: -3) }
    }

    @Test func explanationShowsTheArithmetic() throws {
        let s = try PartitionSizing(targetThroughput: 200_000_000, perPartitionThroughput: 10_000_000, maxConsumers: 48)
        let text = s.explanation.joined(separator: "\n")
        #expect(text.contains("ceil(200 MB/s / 10.0 MB/s) = 20"))
        #expect(text.contains("max(20, 48) = 48, decided by consumers"))
    }
}

@Suite(.offThePool) struct PercentageTests {
    @Test func parsesWithAndWithoutSign() throws {
        #expect(try Percentage.parse("70%", name: "--x") == 0.7)
        #expect(try Percentage.parse("70", name: "--x") == 0.7)
        #expect(try Percentage.parse("12.5%", name: "--x") == 0.125)
        #expect(try Percentage.parse("0.5%", name: "--x") == 0.005)
        #expect(try Percentage.parse("100%", name: "--x") == 1)
        #expect(try Percentage.parse("0%", name: "--x", allowZero: true) == 0)
    }

    @Test func refusesAmbiguousOutOfRangeAndGarbage() {
        for bad in ["0.7", "0%", "-10%", "101%", "abc", "", "%", "7 0%"] {
            #expect(throws: InvalidInput.self, "\(bad)") { try Percentage.parse(bad, name: "--target-utilization") }
        }
    }

    @Test func ambiguousMessageOffersBothReadings() {
        #expect(throws: InvalidInput("--x \"0.7\" is ambiguous: write 70% or 0.7% explicitly")) {
            try Percentage.parse("0.7", name: "--x")
        }
    }
}

@Suite(.offThePool) struct BrokerSizingTests {
    let mb: Int64 = 1_000_000

    func inputs(ingress: Int64 = 100_000_000, egress: Int64 = 200_000_000, rf: Int = 3, hours: Double = 24,
                network: Int64 = 125_000_000, disk: Int64 = 2_000_000_000_000, diskIO: Int64? = nil,
                lagging: Double = 0, util: Double = 0.7) -> BrokerSizing.Inputs {
        BrokerSizing.Inputs(ingress: ingress, egress: egress, replicationFactor: rf, retentionHours: hours,
                            brokerNetwork: network, brokerDisk: disk, brokerDiskThroughput: diskIO,
                            laggingConsumers: lagging, targetUtilization: util)
    }

    func brokers(_ s: BrokerSizing, _ resource: String) -> Int? {
        s.requirements.first { $0.resource == resource }?.brokers
    }

    @Test func theIssueExampleResourceByResource() throws {
        let s = try BrokerSizing(inputs())
        // network in: 100 MB/s x 3 = 300 MB/s over 87.5 MB/s usable -> 3.43 -> 4
        #expect(brokers(s, "network in") == 4)
        // network out: 200 + 100 x 2 = 400 MB/s over 87.5 -> 4.57 -> 5
        #expect(brokers(s, "network out") == 5)
        // storage: 100 MB/s x 86400 s x 3 = 25.92 TB over 1.4 TB usable -> 18.5 -> 19
        #expect(brokers(s, "storage") == 19)
        #expect(brokers(s, "disk throughput") == nil)
        #expect(brokers(s, "replication factor") == 3)
        #expect(s.brokers == 19)
        #expect(s.decidedBy == ["storage"])
    }

    @Test func networkDecidesWithShortRetention() throws {
        let s = try BrokerSizing(inputs(hours: 1))
        #expect(brokers(s, "storage") == 1)
        #expect(s.brokers == 5)
        #expect(s.decidedBy == ["network out"])
    }

    @Test func replicationFactorIsAFloor() throws {
        let s = try BrokerSizing(inputs(ingress: mb, egress: mb, rf: 3, hours: 1))
        #expect(s.brokers == 3)
        #expect(s.decidedBy == ["replication factor"])
    }

    @Test func laggingConsumersAddDiskReads() throws {
        // writes 100 x 3 = 300 MB/s, reads 200 x 50% = 100 MB/s: 400 MB/s over 250 x 0.8 = 200 -> 2
        let none = try BrokerSizing(inputs(hours: 1, diskIO: 250 * mb, lagging: 0, util: 0.8))
        let half = try BrokerSizing(inputs(hours: 1, diskIO: 250 * mb, lagging: 0.5, util: 0.8))
        #expect(none.requirements.first { $0.resource == "disk throughput" }?.demand == 300e6)
        #expect(half.requirements.first { $0.resource == "disk throughput" }?.demand == 400e6)
        #expect(brokers(half, "disk throughput") == 2)
        // with a small disk, lagging reads decide
        let slow = try BrokerSizing(inputs(hours: 1, diskIO: 50 * mb, lagging: 0.5))
        #expect(brokers(slow, "disk throughput") == 12) // 400 / 35 = 11.4
        #expect(slow.decidedBy == ["disk throughput"])
    }

    @Test func exactQuotientsDoNotRoundUpOnFloatingPointNoise() throws {
        // 350 MB/s over 125 x 0.7 = 87.5 MB/s is exactly 4 brokers.
        let s = try BrokerSizing(inputs(ingress: 175 * mb, egress: 0, rf: 2, hours: 1))
        #expect(brokers(s, "network in") == 4)
        #expect(BrokerSizing.ceilTolerant(2.0000000000001) == 2)
        #expect(BrokerSizing.ceilTolerant(2.001) == 3)
    }

    @Test func utilisationChangesTheAnswer() throws {
        let at70 = try BrokerSizing(inputs(hours: 1))
        let at100 = try BrokerSizing(inputs(hours: 1, util: 1))
        #expect(brokers(at70, "network out") == 5)
        #expect(brokers(at100, "network out") == 4) // 400 / 125 = 3.2
    }

    @Test func badInputsAreRefused() {
        let bad: [BrokerSizing.Inputs] = [
            inputs(ingress: 0), inputs(ingress: -1), inputs(egress: -1), inputs(rf: 0), inputs(hours: 0),
            inputs(hours: -5), inputs(hours: .nan), inputs(network: 0), inputs(disk: 0), inputs(diskIO: 0),
            inputs(lagging: 1.5), inputs(lagging: -0.1), inputs(util: 0), inputs(util: 1.2),
        ]
        for i in bad {
            #expect(throws: InvalidInput.self) { try BrokerSizing(i) }
        }
    }

    @Test func arithmeticIsShown() throws {
        let s = try BrokerSizing(inputs())
        let storage = try #require(s.requirements.first { $0.resource == "storage" })
        #expect(storage.arithmetic.contains("100 MB/s x 24 h x 3600 s/h x RF 3 = 25.9 TB"))
        let out = try #require(s.requirements.first { $0.resource == "network out" })
        #expect(out.arithmetic.contains("replication out 100 MB/s x (RF 3 - 1) = 400 MB/s"))
    }
}

@Suite(.offThePool) struct ReplicaDensityTests {
    func cluster(brokers: Int, topicPartitions: Int, rf: Int) -> ClusterSnapshot {
        let ids = (1...brokers).map { BrokerID($0) }
        let parts = (0..<topicPartitions).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<rf).map { ids[(p + $0) % brokers] })
        }
        return ClusterSnapshot(brokers: ids.map { Broker(id: $0) }, topics: [TopicState(name: "orders", partitions: parts)])
    }

    @Test func growingATopicAddsReplicasOnTheLeastLoadedBrokers() throws {
        let snap = cluster(brokers: 3, topicPartitions: 6, rf: 3)
        let d = try ReplicaDensity(snapshot: snap, topic: "orders", partitions: 10, replicationFactor: nil)
        #expect(d.replicationFactor == 3)
        #expect(d.replicasBefore == 18)
        #expect(d.replicasAdded == 12)
        #expect(d.maxPerBrokerBefore == 6)
        #expect(d.maxPerBrokerAfter == 10)
        #expect(d.averagePerBrokerAfter == 10)
        #expect(!d.overGuideline)
    }

    @Test func aNewTopicCanCrossTheGuideline() throws {
        let snap = cluster(brokers: 3, topicPartitions: 3000, rf: 3)
        let d = try ReplicaDensity(snapshot: snap, topic: nil, partitions: 2000, replicationFactor: 3)
        #expect(d.partitionsBefore == 0)
        #expect(d.replicasAdded == 6000)
        #expect(d.maxPerBrokerAfter == 5000)
        #expect(d.overGuideline)
        #expect(d.explanation.contains { $0.hasPrefix("warning:") })
    }

    @Test func shrinkingAddsNothing() throws {
        let d = try ReplicaDensity(snapshot: cluster(brokers: 3, topicPartitions: 6, rf: 2), topic: "orders", partitions: 4, replicationFactor: nil)
        #expect(d.replicasAdded == 0)
        #expect(d.partitionsAfter == 6)
    }

    @Test func replicationFactorAboveBrokersIsRefused() {
        #expect(throws: InvalidInput.self) {
            try ReplicaDensity(snapshot: cluster(brokers: 2, topicPartitions: 1, rf: 2), topic: nil, partitions: 4, replicationFactor: 3)
        }
    }

    @Test func waterFillFillsTheLowestFirst() {
        #expect(ReplicaDensity.waterFill([5, 1, 3], adding: 4).sorted() == [4, 4, 5])
        #expect(ReplicaDensity.waterFill([5, 1, 3], adding: 8).sorted() == [6, 6, 5].sorted())
        #expect(ReplicaDensity.waterFill([0, 0, 0], adding: 7).sorted() == [2, 2, 3])
        #expect(ReplicaDensity.waterFill([2], adding: 0) == [2])
    }
}

@Suite(.offThePool) struct LoadSummaryTests {
    @Test func percentilesUseNearestRank() {
        let values = (1...100).map(Double.init)
        #expect(LoadSummary.percentile(values, 0.50) == 50)
        #expect(LoadSummary.percentile(values, 0.95) == 95)
        #expect(LoadSummary.percentile(values, 0.99) == 99)
        #expect(LoadSummary.percentile([7], 0.99) == 7)
        #expect(LoadSummary.percentile([], 0.5) == 0)
    }

    @Test func summaryComputesRatesAndOrderFreeLatencies() {
        let s = LoadSummary(latenciesMs: [4, 1, 3, 2], failed: 1, recordSize: 1000, seconds: 2)
        #expect(s.records == 4)
        #expect(s.bytes == 4000)
        #expect(s.recordsPerSecond == 2)
        #expect(s.bytesPerSecond == 2000)
        #expect(s.latencyAverageMs == 2.5)
        #expect(s.latencyP50Ms == 2)
        #expect(s.latencyMaxMs == 4)
        #expect(s.line.contains("4 records sent, 2.0 records/sec"))
        #expect(s.line.hasSuffix("1 records failed"))
    }
}

@Suite(.offThePool) struct AddPartitionsPlanTests {
    /// Six brokers in three racks; `orders` has 3 partitions with RF 3, `other` loads brokers 1 and 2.
    func cluster(policy: String? = nil, racks: Bool = true) -> ClusterSnapshot {
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: racks ? ["a", "b", "c"][($0 - 1) % 3] : nil) }
        let orders = TopicState(name: "orders", partitions: [
            PartitionState(partition: 0, replicas: [1, 2, 3]),
            PartitionState(partition: 1, replicas: [2, 3, 1]),
            PartitionState(partition: 2, replicas: [3, 1, 2]),
        ], configs: policy.map { ["cleanup.policy": $0] })
        let other = TopicState(name: "other", partitions: (0..<4).map { PartitionState(partition: Int32($0), replicas: [1, 2]) })
        return ClusterSnapshot(brokers: brokers, topics: [orders, other])
    }

    @Test func newReplicasGoToTheEmptiestBrokersOneRackEach() throws {
        let plan = try AddPartitionsPlan(snapshot: cluster(), topic: "orders", targetCount: 6, acceptKeyRemap: true)
        #expect(plan.currentCount == 3)
        #expect(plan.replicationFactor == 3)
        #expect(plan.rackAware)
        #expect(plan.assignments.count == 3)
        let rackOf: [BrokerID: String] = [1: "a", 2: "b", 3: "c", 4: "a", 5: "b", 6: "c"]
        for replicas in plan.assignments {
            #expect(Set(replicas.compactMap { rackOf[$0] }) == ["a", "b", "c"])
        }
        // 9 new replicas: brokers 4, 5, 6 were empty and take them all, each leading one partition.
        let all = plan.assignments.flatMap { $0 }
        #expect(Set(all) == [4, 5, 6])
        #expect(Set(plan.assignments.map { $0[0] }) == [4, 5, 6])
    }

    @Test func decreaseOrSameCountIsRefused() {
        #expect(throws: InvalidInput("orders has 3 partitions; refusing to go to 2: Kafka cannot remove partitions")) {
            try AddPartitionsPlan(snapshot: cluster(), topic: "orders", targetCount: 2, acceptKeyRemap: true)
        }
        #expect(throws: InvalidInput("orders already has 3 partitions; nothing to add")) {
            try AddPartitionsPlan(snapshot: cluster(), topic: "orders", targetCount: 3, acceptKeyRemap: true)
        }
    }

    @Test func compactedTopicsAreRefusedEvenWithAcceptance() {
        for policy in ["compact", "delete,compact", "COMPACT"] {
            #expect(throws: Refusal.self) {
                try AddPartitionsPlan(snapshot: cluster(policy: policy), topic: "orders", targetCount: 6, acceptKeyRemap: true)
            }
        }
        #expect(throws: Never.self) {
            try AddPartitionsPlan(snapshot: cluster(policy: "delete"), topic: "orders", targetCount: 6, acceptKeyRemap: true)
        }
    }

    @Test func keyRemapMustBeAccepted() {
        #expect(throws: Refusal.self) {
            try AddPartitionsPlan(snapshot: cluster(), topic: "orders", targetCount: 6, acceptKeyRemap: false)
        }
    }

    @Test func unknownTopicIsRefused() {
        #expect(throws: InvalidInput("topic nope does not exist")) {
            try AddPartitionsPlan(snapshot: cluster(), topic: "nope", targetCount: 6, acceptKeyRemap: true)
        }
    }

    @Test func withoutRacksPlacementStillBalances() throws {
        let plan = try AddPartitionsPlan(snapshot: cluster(racks: false), topic: "orders", targetCount: 5, acceptKeyRemap: true)
        #expect(!plan.rackAware)
        #expect(plan.assignments.count == 2)
        #expect(Set(plan.assignments.flatMap { $0 }).isSubset(of: [4, 5, 6]))
        #expect(plan.assignmentLines(racks: [:]) == plan.assignments.enumerated().map { "orders-\(3 + $0.offset): \($0.element.map(String.init).joined(separator: ","))" })
    }
}
