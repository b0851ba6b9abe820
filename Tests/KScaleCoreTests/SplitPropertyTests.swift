import Foundation
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// The packing's two promises on random groups (`KSCALE_TEST_SEED` replays a run): every cluster
/// within every limit, and a cluster count at most one above the lower bound, equal to it when the
/// groups are small beside the limits; and the same on the generated cluster with traffic.
@Suite(.offThePool) struct SplitPropertyTests {
    static let megabyte: Int64 = 1_000_000
    static let limits = SplitLimits(clusterWrite: 200 * megabyte, clusterRead: 400 * megabyte, clusterPartitions: 2000, headroom: 0.2)

    /// A snapshot of `count` single-topic groups whose write, read and partitions are each drawn up to
    /// `largestShare` of what a cluster may use.
    static func randomSnapshot(count: Int, largestShare: Double, using random: inout SplitMix64) throws -> ClusterSnapshot {
        let usable = try limits.usable()
        let maxWrite = Int64(Double(usable.write ?? 0) * largestShare), maxRead = Int64(Double(usable.read ?? 0) * largestShare)
        let maxPartitions = max(1, Int(Double(usable.partitions ?? 0) * largestShare))
        let topics = (0..<count).map { i -> TopicState in
            let partitions = Int.random(in: 1...maxPartitions, using: &random)
            let write = Int64.random(in: 0...maxWrite, using: &random), read = Int64.random(in: 0...maxRead, using: &random)
            return TopicState(name: String(format: "g%04d.t", i), partitions: (0..<partitions).map { p in
                // The first partition carries the remainder, so the topic's rates are exactly those drawn.
                let share = { (total: Int64) in total / Int64(partitions) + (p == 0 ? total % Int64(partitions) : 0) }
                return PartitionState(partition: Int32(p), replicas: [1], size: 1, bytesInPerSec: share(write), bytesOutPerSec: share(read))
            })
        }
        return ClusterSnapshot(brokers: [Broker(id: 1)], topics: topics)
    }

    static func checkLimits(_ plan: SplitPlan, _ context: String) {
        for t in plan.targets { #expect(plan.usable.admits(t.load), "\(t.name) \(t.load.text) over \(plan.usable) [\(context)]") }
        let placed = plan.targets.flatMap(\.topics)
        #expect(placed.count == Set(placed).count, "a topic on two targets [\(context)]")
    }

    @Test func randomGroupsFitTheirClustersWithinOneOfTheBound() throws {
        let seed = try TestSeed.fromEnvironment()
        var random = seed.generator()
        for round in 0..<150 {
            let count = Int.random(in: 1...120, using: &random)
            let snap = try Self.randomSnapshot(count: count, largestShare: 0.15, using: &random)
            let plan = try Splitter.plan(snap, SplitRequest(limits: Self.limits))
            let context = "round \(round), \(count) groups, \(seed)"
            Self.checkLimits(plan, context)
            #expect(plan.clusters >= plan.lowerBound.clusters, "\(context)")
            #expect(plan.clusters <= plan.lowerBound.clusters + 1, "\(plan.clusters) clusters, bound \(plan.lowerBound.clusters) [\(context)]")
            #expect(plan.targets.flatMap(\.topics).count == count, "\(context)")
        }
    }

    /// Small groups (at most 2% of each limit) leave no cluster short: the count is the bound, whenever
    /// the bound's clusters have at least one largest group's room to spare in each resource (without
    /// it, reaching the bound takes a perfect packing: 100.0% of every cluster's partitions, say).
    @Test func smallGroupsUseExactlyTheBound() throws {
        let seed = try TestSeed.fromEnvironment()
        var random = seed.generator()
        let largestShare = 0.02
        var counted = 0
        let rounds = 60
        for round in 0..<rounds {
            let count = Int.random(in: 50...600, using: &random)
            let snap = try Self.randomSnapshot(count: count, largestShare: largestShare, using: &random)
            let plan = try Splitter.plan(snap, SplitRequest(limits: Self.limits))
            let context = "round \(round), \(count) groups, \(seed)"
            Self.checkLimits(plan, context)
            let total = plan.groups.reduce(SplitLoad.zero) { $0 + $1.load }
            let clusters = Double(plan.lowerBound.clusters)
            func spare(_ demand: Int64, _ usable: Int?) -> Bool {
                guard let usable else { return true }
                return clusters * Double(usable) - Double(demand) >= largestShare * Double(usable)
            }
            guard spare(total.write, plan.usable.write.map { Int($0) }), spare(total.read, plan.usable.read.map { Int($0) }),
                  spare(Int64(total.partitions), plan.usable.partitions) else { continue }
            counted += 1
            #expect(plan.clusters == plan.lowerBound.clusters, "\(plan.clusters) clusters, bound \(plan.lowerBound.clusters) [\(context)]")
        }
        #expect(counted >= rounds / 2, "only \(counted) of \(rounds) rounds had room to spare [\(seed)]")
    }

    /// The generated cluster with traffic (Fixtures/snapshots/split-traffic.json, from gen_cluster.py
    /// --rate-median) under a range of quotas.
    @Test func theGeneratedClusterWithTrafficFitsWithinOneOfTheBound() throws {
        let snap = try KScaleFiles.readSnapshot(Repository.url("Fixtures/snapshots/split-traffic.json").path)
        for write in stride(from: 30, through: 120, by: 15) {
            for grouping in [SplitRequest.Grouping.prefix(delimiter: "."), .consumers, .prefix(delimiter: "-")] {
                let limits = SplitLimits(clusterWrite: Int64(write) * Self.megabyte, clusterRead: Int64(write) * 2 * Self.megabyte,
                                         clusterPartitions: 400, partitionWrite: Self.megabyte, partitionRead: 2 * Self.megabyte, headroom: 0.2)
                let context = "write \(write) MB/s, \(grouping)"
                let plan: SplitPlan
                do { plan = try Splitter.plan(snap, SplitRequest(grouping: grouping, limits: limits)) } catch let refusal as Refusal {
                    // Only a group that cannot fit one cluster may refuse the split.
                    #expect(refusal.message.contains("does not fit one cluster"), "\(refusal.message) [\(context)]")
                    continue
                }
                Self.checkLimits(plan, context)
                #expect(plan.clusters <= plan.lowerBound.clusters + 1, "\(plan.clusters) vs bound \(plan.lowerBound.clusters) [\(context)]")
            }
        }
    }

    /// write-read where every topic has one reader (no topic mirrored to two read clusters): the read
    /// clusters are a packing of the consumer groups like by-owner's, so their count is at most one
    /// above the lower bound (the mirrored topics' write and partitions count in each read cluster).
    @Test func writeReadWithDisjointReadersIsWithinOneOfTheBound() throws {
        let seed = try TestSeed.fromEnvironment()
        var random = seed.generator()
        let topicsPerGroup = 1...4
        for round in 0..<60 {
            let topics = Int.random(in: 4...120, using: &random)
            var snap = try Self.randomSnapshot(count: topics, largestShare: 0.04, using: &random)
            // Producers write a quarter of what consumers read, so the write cluster (which also
            // serves the mirroring reads) is never the limit: the read clusters are what is packed.
            snap.topics = snap.topics.map { topic in
                var topic = topic
                topic.partitions = topic.partitions.map { partition in
                    var partition = partition
                    partition.bytesInPerSec = partition.bytesInPerSec.map { $0 / 4 }
                    return partition
                }
                return topic
            }
            var names = snap.topics.map(\.name)[...]
            var groups: [ConsumerGroupState] = []
            while !names.isEmpty {
                let take = min(names.count, Int.random(in: topicsPerGroup, using: &random))
                groups.append(ConsumerGroupState(group: "cg\(groups.count)", topics: Array(names.prefix(take))))
                names = names.dropFirst(take)
            }
            snap.consumerGroups = groups
            let limits = SplitLimits(clusterWrite: 4000 * Self.megabyte, clusterRead: 400 * Self.megabyte, clusterPartitions: 20_000, headroom: 0.2)
            let context = "round \(round), \(topics) topics, \(groups.count) groups, \(seed)"
            let plan = try Splitter.plan(snap, SplitRequest(strategy: .writeRead, limits: limits))
            for t in plan.targets { #expect(plan.usable.admits(t.load), "\(t.name) \(t.load.text) [\(context)]") }
            #expect(plan.clusters >= plan.lowerBound.clusters, "\(context)")
            #expect(plan.clusters <= plan.lowerBound.clusters + 1, "\(plan.clusters) read clusters, bound \(plan.lowerBound.clusters) [\(context)]")
            let placed = plan.targets.dropFirst().flatMap(\.consumerGroups)
            #expect(placed.sorted() == groups.map(\.group).sorted(), "every consumer group on exactly one read cluster [\(context)]")
        }
    }

    /// write-read on random consumer groups: every read cluster within every limit, every group placed once.
    @Test func writeReadClustersStayWithinTheLimits() throws {
        let seed = try TestSeed.fromEnvironment()
        var random = seed.generator()
        for round in 0..<40 {
            let topics = Int.random(in: 5...80, using: &random)
            var snap = try Self.randomSnapshot(count: topics, largestShare: 0.03, using: &random)
            let names = snap.topics.map(\.name)
            snap.consumerGroups = (0..<Int.random(in: 1...40, using: &random)).map { g in
                ConsumerGroupState(group: "cg\(g)", topics: (0..<Int.random(in: 1...4, using: &random)).compactMap { _ in names.randomElement(using: &random) })
            }
            let limits = SplitLimits(clusterWrite: 2000 * Self.megabyte, clusterRead: 100 * Self.megabyte, clusterPartitions: 5000, headroom: 0.2)
            let context = "round \(round), \(seed)"
            let plan: SplitPlan
            do { plan = try Splitter.plan(snap, SplitRequest(strategy: .writeRead, limits: limits)) } catch let refusal as Refusal {
                #expect(refusal.message.contains("do not fit one read cluster") || refusal.message.contains("write cluster"), "\(refusal.message) [\(context)]")
                continue
            }
            for t in plan.targets { #expect(plan.usable.admits(t.load), "\(t.name) \(t.load.text) [\(context)]") }
            let placed = plan.targets.dropFirst().flatMap(\.consumerGroups)
            #expect(placed.count == Set(placed).count, "a consumer group on two read clusters [\(context)]")
            #expect(plan.clusters >= plan.lowerBound.clusters, "\(context)")
        }
    }
}
