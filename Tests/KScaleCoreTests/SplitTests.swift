import KScaleTestSupport
import Testing
@testable import KScaleCore

/// `Splitter.plan` on clusters built by hand: grouping, internal topics, the bound, the packing,
/// partition increases, write-read and every refusal.
@Suite(.offThePool) struct SplitTests {
    static let megabyte: Int64 = 1_000_000

    /// A topic of `partitions` partitions, RF 3 on brokers 1-3, each writing `write / partitions`
    /// and read `read / partitions` bytes per second.
    static func topic(_ name: String, partitions: Int = 4, write: Int64, read: Int64, size: Int64 = 1_000_000_000) -> TopicState {
        TopicState(name: name, partitions: (0..<partitions).map { p in
            PartitionState(partition: Int32(p), replicas: [1, 2, 3], size: size,
                           bytesInPerSec: write / Int64(partitions), bytesOutPerSec: read / Int64(partitions))
        })
    }

    static func snapshot(_ topics: [TopicState], groups: [ConsumerGroupState]? = nil) -> ClusterSnapshot {
        ClusterSnapshot(brokers: (1...3).map { Broker(id: $0) }, topics: topics, consumerGroups: groups)
    }

    static let mb = megabyte

    @Test func prefixGroupsStayTogetherAndInternalTopicsStayBehind() throws {
        let snap = Self.snapshot([
            Self.topic("a.one", write: 30 * Self.mb, read: 30 * Self.mb), Self.topic("a.two", write: 30 * Self.mb, read: 30 * Self.mb),
            Self.topic("b.one", write: 50 * Self.mb, read: 50 * Self.mb), Self.topic("c", write: 40 * Self.mb, read: 40 * Self.mb),
            Self.topic("__consumer_offsets", write: Self.mb, read: Self.mb),
        ])
        let plan = try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: 100 * Self.mb, headroom: 0)))
        #expect(plan.groups.map(\.name) == ["a", "b", "c"])
        #expect(plan.staysBehind == ["__consumer_offsets"])
        #expect(!plan.targets.flatMap(\.topics).contains("__consumer_offsets"))
        // 150 MB/s over 100 MB/s clusters: the bound is 2 and a: 60, b: 50, c: 40 pack into 2.
        #expect(plan.lowerBound.clusters == 2 && plan.lowerBound.write == 2)
        #expect(plan.clusters == 2)
        let homes = plan.targets.map { Set($0.topics) }
        #expect(homes.contains { $0.isSuperset(of: ["a.one", "a.two"]) }, "group a is never split: \(homes)")
        for t in plan.targets { #expect(t.load.write <= 100 * Self.mb) }
        #expect(plan.replication == 150 * Self.mb && !plan.replicationPermanent)
    }

    @Test func headroomLowersWhatAClusterMayUse() throws {
        let limits = SplitLimits(clusterWrite: 200 * Self.mb, clusterRead: 400 * Self.mb, clusterPartitions: 1000, headroom: 0.2)
        let usable = try limits.usable()
        #expect(usable == SplitLoad.Limit(write: 160 * Self.mb, read: 320 * Self.mb, partitions: 800))
        let bound = SplitBound(total: SplitLoad(write: 321 * Self.mb, read: 320 * Self.mb, partitions: 2401), usable: usable)
        #expect(bound.write == 3 && bound.read == 1 && bound.partitions == 4 && bound.clusters == 4)
        #expect(throws: InvalidInput.self) { try SplitLimits(clusterWrite: 1, headroom: 1).usable() }
    }

    @Test func aGroupAboveAClusterLimitIsRefusedByName() throws {
        let snap = Self.snapshot([Self.topic("big.one", write: 160 * Self.mb, read: 10 * Self.mb), Self.topic("small", write: Self.mb, read: Self.mb)])
        let request = SplitRequest(limits: SplitLimits(clusterWrite: 200 * Self.mb, headroom: 0.25))
        let error = try #require(throws: Refusal.self) { try Splitter.plan(snap, request) }
        #expect(error.message.contains("group big"), "\(error.message)")
        #expect(error.message.contains("write 160 MB/s above 150 MB/s"), "\(error.message)")
    }

    @Test func tooFewClustersAreRefusedWithTheBound() throws {
        let snap = Self.snapshot((0..<6).map { Self.topic("t\($0).x", write: 50 * Self.mb, read: 50 * Self.mb) })
        let error = try #require(throws: Refusal.self) {
            try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: 100 * Self.mb), clusters: 2))
        }
        #expect(error.message.contains("--clusters 2 is too few") && error.message.contains("at least 3"), "\(error.message)")
        // Exactly the bound works, and spreads the groups over every cluster.
        let plan = try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: 100 * Self.mb), clusters: 3))
        #expect(plan.targets.count == 3 && plan.targets.allSatisfy { $0.load.write == 100 * Self.mb })
        // More clusters than groups cannot be filled.
        #expect(throws: Refusal.self) { try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: 100 * Self.mb), clusters: 7)) }
    }

    @Test func aTopicOverThePerPartitionLimitGetsTheSizingFormulasCount() throws {
        // 4 partitions writing 24 MB/s: 6 MB/s each over a 5 MB/s limit -> ceil(24 / 5) = 5 partitions;
        // read 48 MB/s over 10 MB/s -> 5 as well.
        let snap = Self.snapshot([Self.topic("hot", write: 24 * Self.mb, read: 48 * Self.mb), Self.topic("cool", write: 4 * Self.mb, read: 4 * Self.mb)])
        let plan = try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: 200 * Self.mb, partitionWrite: 5 * Self.mb,
                                                                            partitionRead: 10 * Self.mb, headroom: 0)))
        let increase = try #require(plan.partitionIncreases.first)
        #expect(plan.partitionIncreases.count == 1)
        #expect(increase.topic == "hot" && increase.partitionsBefore == 4 && increase.partitionsAfter == 5 && increase.remapsKeys)
        #expect(increase.decidedBy == "write")
        #expect(plan.targets.first?.load.partitions == 9, "the plan counts the new partitions")
        let sizing = try PartitionSizing(targetThroughput: 24 * Self.mb, perPartitionThroughput: 5 * Self.mb, maxConsumers: 4)
        #expect(Int(sizing.partitions) == increase.partitionsAfter)
    }

    @Test func consumerGroupsJoinTheTopicsTheyRead() throws {
        let snap = Self.snapshot([
            Self.topic("orders", write: 10 * Self.mb, read: 10 * Self.mb), Self.topic("payments", write: 10 * Self.mb, read: 10 * Self.mb),
            Self.topic("clicks", write: 10 * Self.mb, read: 10 * Self.mb), Self.topic("logs", write: 10 * Self.mb, read: 0),
        ], groups: [ConsumerGroupState(group: "billing", topics: ["orders", "payments"]), ConsumerGroupState(group: "web", topics: ["clicks"])])
        let plan = try Splitter.plan(snap, SplitRequest(grouping: .consumers, limits: SplitLimits(clusterWrite: 25 * Self.mb, headroom: 0)))
        #expect(plan.groups.map(\.name) == ["billing", "logs", "web"])
        #expect(plan.groups.first?.topics == ["orders", "payments"])
        #expect(plan.targets.first { $0.topics.contains("orders") }?.topics.contains("payments") == true)
        // Without consumer groups in the snapshot, grouping by them is refused with the way to get them.
        let bare = Self.snapshot(snap.topics)
        let error = try #require(throws: InvalidInput.self) {
            try Splitter.plan(bare, SplitRequest(grouping: .consumers, limits: SplitLimits(clusterWrite: 25 * Self.mb)))
        }
        #expect(error.message.contains("kscale snapshot --sample"))
    }

    @Test func aSnapshotWithoutTrafficIsRefused() throws {
        let snap = ClusterSnapshot(brokers: [Broker(id: 1)], topics: [TopicState(name: "a", partitions: [PartitionState(partition: 0, replicas: [1])])])
        let error = try #require(throws: InvalidInput.self) { try Splitter.plan(snap, SplitRequest(limits: SplitLimits(clusterWrite: Self.mb))) }
        #expect(error.message.contains("kscale snapshot --sample"))
    }

    @Test func writeReadPacksConsumerGroupsIntoReadClustersAndCountsTheMirroring() throws {
        let snap = Self.snapshot([
            Self.topic("orders", write: 20 * Self.mb, read: 120 * Self.mb), Self.topic("clicks", write: 30 * Self.mb, read: 90 * Self.mb),
            Self.topic("audit", write: 5 * Self.mb, read: 0),
        ], groups: [
            ConsumerGroupState(group: "billing", topics: ["orders"]), ConsumerGroupState(group: "fraud", topics: ["orders"]),
            ConsumerGroupState(group: "ads", topics: ["clicks"]), ConsumerGroupState(group: "lake", topics: ["orders", "clicks"]),
        ])
        let plan = try Splitter.plan(snap, SplitRequest(strategy: .writeRead, limits: SplitLimits(clusterWrite: 200 * Self.mb, clusterRead: 100 * Self.mb, headroom: 0)))
        let write = try #require(plan.targets.first)
        #expect(write.role == .write && write.topics == ["audit", "clicks", "orders"] && write.load.write == 55 * Self.mb)
        let reads = plan.targets.dropFirst()
        #expect(reads.allSatisfy { $0.role == .read && $0.mirrorFrom == "write" && $0.mirrorPermanent })
        // Read 210 MB/s over 100 MB/s read clusters: at least 3.
        #expect(plan.lowerBound.read == 3 && plan.clusters == reads.count && reads.count >= 3)
        for r in reads { #expect(r.load.read <= 100 * Self.mb && r.load.write <= 200 * Self.mb) }
        #expect(Set(reads.flatMap(\.consumerGroups)) == ["ads", "billing", "fraud", "lake"])
        // The replication is each read cluster's mirrored writes, and the write cluster reads it.
        #expect(plan.replication == reads.reduce(0) { $0 + $1.load.write } && write.load.read == plan.replication && plan.replicationPermanent)
        #expect(plan.warnings.contains { $0.contains("stay on the write cluster") })
    }

    @Test func writeReadRefusesAWriteClusterAboveItsLimit() throws {
        let snap = Self.snapshot([Self.topic("a", write: 150 * Self.mb, read: 10 * Self.mb)], groups: [ConsumerGroupState(group: "g", topics: ["a"])])
        let error = try #require(throws: Refusal.self) {
            try Splitter.plan(snap, SplitRequest(strategy: .writeRead, limits: SplitLimits(clusterWrite: 100 * Self.mb)))
        }
        #expect(error.message.contains("write cluster") && error.message.contains("by-owner"))
    }

    @Test func theGroupsFileParsesBlockAndFlowListsAndRefusesNonsense() throws {
        let groups = try SplitGroupsFile.parse("""
        # owners
        payments:
          - payments.orders   # the big one
          - "payments.refunds"
        search: [search.queries, search.clicks]
        """, file: "groups.yaml")
        #expect(groups == ["payments": ["payments.orders", "payments.refunds"], "search": ["search.queries", "search.clicks"]])
        for bad in ["- orphan", "a:\n  - x\na:\n  - y", "a: x", "a:", "  b: [x]"] {
            #expect(throws: InvalidInput.self, "\(bad)") { try SplitGroupsFile.parse(bad, file: "g.yaml") }
        }
        let snap = Self.snapshot([Self.topic("x", write: Self.mb, read: Self.mb), Self.topic("y", write: Self.mb, read: Self.mb)])
        let limits = SplitLimits(clusterWrite: 10 * Self.mb)
        #expect(throws: InvalidInput.self) { try Splitter.plan(snap, SplitRequest(grouping: .explicit(["g": ["x", "missing"]]), limits: limits)) }
        #expect(throws: InvalidInput.self) { try Splitter.plan(snap, SplitRequest(grouping: .explicit(["g": ["x"], "h": ["x"]]), limits: limits)) }
        let plan = try Splitter.plan(snap, SplitRequest(grouping: .explicit(["g": ["x"]]), limits: limits))
        #expect(plan.groups.map(\.name) == ["g", "y"])
    }

    @Test func theSamePlanEveryTime() throws {
        let snap = Self.snapshot((0..<40).map { Self.topic("t\($0 % 9).n\($0)", write: Int64($0 + 1) * Self.mb, read: Int64(40 - $0) * Self.mb) })
        let request = SplitRequest(limits: SplitLimits(clusterWrite: 150 * Self.mb, clusterRead: 150 * Self.mb, headroom: 0.1))
        #expect(try Splitter.plan(snap, request).encoded() == Splitter.plan(snap, request).encoded())
    }

    @Test func mirrorMakerNamesAreExactAndPlaceholdersAreNamedAfterTheAlias() {
        #expect(MirrorMakerProperties.exactName("payments.eu-1") == #"payments\\.eu-1"#)
        #expect(MirrorMakerProperties.placeholder("split-2") == "SPLIT_2_BOOTSTRAP_SERVERS")
    }
}
