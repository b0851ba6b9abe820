import Foundation
import Testing
@testable import KScaleCore
import KScaleTestSupport

/// The hard limits of ordinary plans (`HardLimits`, `--max-disk`/`--max-network`) and the disk peak
/// during a plan (`DiskPeak`), on hand-built snapshots and random clusters with rates.
@Suite(.offThePool) struct PlannerLimitsTests {
    /// Three brokers with 1000-byte disks and one with 500: balancing bytes evenly would put ~560
    /// on each, 112% of the small disk.
    static func smallDisk() -> ClusterSnapshot {
        let brokers = [Broker(id: 1, diskTotalBytes: 1000), Broker(id: 2, diskTotalBytes: 1000),
                       Broker(id: 3, diskTotalBytes: 1000), Broker(id: 4, diskTotalBytes: 500)]
        let partitions = (0..<28).map { (number: Int) -> PartitionState in
            let holder = BrokerID(1 + number % 3)
            return PartitionState(partition: Int32(number), replicas: [holder], size: 80, leader: holder)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)])
    }

    @Test func aRebalanceLeavesNoBrokerAboveMaxDisk() throws {
        let snapshot = Self.smallDisk()
        for limit in [0.85, 0.7] {
            let result = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil), limits: LoadLimits(disk: limit)))
            let after = snapshot.applying(result.plan).brokerUsage(leaders: .preferred)
            for usage in after {
                #expect(usage.breaches(LoadLimits(disk: limit)).isEmpty, "limit \(limit): \(usage)")
            }
            // The small broker still takes some: the plan balances under the limit, it does not just refuse it.
            #expect(after.first { $0.broker == 4 }.map { $0.diskBytes > 0 } == true)
        }
    }

    @Test func anInfeasibleLimitIsRefusedNamingTheBrokerTheDimensionAndTheNumbers() {
        // Room enough in all (3000 of disk, 2550 at 85%), but a 900-byte replica fits no broker.
        let brokers = (1...3).map { Broker(id: $0, diskTotalBytes: 1000) }
        let small = (1...6).map { (number: Int) -> PartitionState in
            let holder = BrokerID(1 + number % 3)
            return PartitionState(partition: Int32(number), replicas: [holder], size: 50, leader: holder)
        }
        let partitions = [PartitionState(partition: 0, replicas: [1], size: 900, leader: 1)] + small
        let snapshot = ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)])
        do {
            _ = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil)))
            Issue.record("a plan that cannot bring broker 1 under 85% of its disk was not refused")
        } catch let refusal as Refusal {
            #expect(refusal.message.hasPrefix("cannot bring broker 1 under 85% disk: broker 1's disk at "), "\(refusal.message)")
            #expect(refusal.message.contains("above the 85% limit"), "\(refusal.message)")
            #expect(refusal.message.contains("--max-disk 85%"), "\(refusal.message)")
        } catch { Issue.record("unexpected \(error)") }
    }

    /// A total above what every target broker allows together is refused before any phase runs:
    /// no placement changes a cluster's total bytes.
    @Test func aTotalNoPlacementCanHoldIsRefusedWithBothSums() {
        let snapshot = Self.smallDisk()
        // 2240 bytes on 3500 of disk: 64%; at most 50% each (1750 in all) cannot hold it.
        #expect(throws: Refusal("no plan can bring every broker under the 50% disk limit: the replicas hold 2.24 KB in all, and the 4 target "
                                + "brokers allow 1.75 KB together (hard limits: --max-disk 50%, --max-network 80%; raise them or add brokers)")) {
            try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil), limits: LoadLimits(disk: 0.5)))
        }
        // A scale-out onto a broker without a known disk may still fit: not judged on totals.
        #expect(throws: Never.self) {
            try HardLimits.checkTotals(try LayoutBuilder.build(snapshot, PlanRequest(kind: .scaleOut(add: [5]))), snapshot: snapshot,
                                       PlanRequest(kind: .scaleOut(add: [5]), limits: LoadLimits(disk: 0.5)))
        }
    }

    @Test func aScaleOutKeepsNetworkUnderMaxNetwork() throws {
        // Broker 1 leads every partition: 8 x (100 x 1 follower + 150) = 2000 out of 2500 (80%);
        // after the scale-out onto broker 3 no broker may be above 50% of its 2500 out.
        let brokers = (1...3).map { Broker(id: BrokerID($0), networkInCapacity: 2000, networkOutCapacity: 2500) }
        let partitions = (0..<8).map { PartitionState(partition: Int32($0), replicas: [1, 2], size: 10, leader: 1, bytesInPerSec: 100, bytesOutPerSec: 150) }
        let snapshot = ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)])
        let limits = LoadLimits(networkIn: 0.5, networkOut: 0.5)
        let result = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [3]), limits: limits))
        for usage in result.summary.load?.after ?? [] {
            #expect(usage.breaches(limits).isEmpty, "\(usage)")
        }
        #expect(result.summary.load?.after.count == 3)
    }

    @Test func withinABudgetTheLimitIsMetByReTargetingPlannedMoves() throws {
        let snapshot = Self.smallDisk()
        let result = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil), maxMoves: 9))
        #expect(result.summary.replicasMoved <= 9)
        let after = snapshot.applying(result.plan).brokerUsage(leaders: .preferred)
        #expect(after.allSatisfy { $0.breaches(LoadLimits()).isEmpty }, "\(after.map(\.diskBytes))")
    }

    // MARK: the disk peak

    /// Broker 1 holds 900 of 1000 and gives a 300-byte replica to broker 2, while broker 3 sends
    /// it 100: taking the 100 first would peak at 1000, above 95%.
    static func tightReceiver() -> (ClusterSnapshot, ReassignmentPlan) {
        let brokers = [Broker(id: 1, diskTotalBytes: 1000), Broker(id: 2, diskTotalBytes: 1000), Broker(id: 3, diskTotalBytes: 1000)]
        let topic = TopicState(name: "t", partitions: [
            PartitionState(partition: 0, replicas: [3], size: 100, leader: 3),
            PartitionState(partition: 1, replicas: [1], size: 300, leader: 1),
            PartitionState(partition: 2, replicas: [1], size: 600, leader: 1),
        ])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1]),
                                                 PartitionAssignment(topic: "t", partition: 1, replicas: [2])])
        return (ClusterSnapshot(brokers: brokers, topics: [topic]), plan)
    }

    @Test func aReceiverNearItsDiskWaitsForWhatItGivesAway() throws {
        let (snapshot, plan) = Self.tightReceiver()
        let peak = try DiskPeak(snapshot: snapshot, plan: plan)
        #expect(peak.stages == [[TopicPartition("t", 1)], [TopicPartition("t", 0)]])
        #expect(peak.ordered(plan).partitions.map(\.partition) == [1, 0])
        #expect(peak.peaks.first { $0.broker == 1 }?.diskBytes == 900)
        #expect(peak.peaks.first { $0.broker == 2 }?.diskBytes == 300)
        // Room enough for both at once: one stage, the plan's own order.
        let roomy = try DiskPeak(snapshot: snapshot, plan: ReassignmentPlan(partitions: [plan.partitions[1]]))
        #expect(roomy.stages.count == 1)
    }

    @Test func anExchangeBetweenTwoFullBrokersIsRefusedNamingTheBroker() {
        let brokers = [Broker(id: 1, diskTotalBytes: 1000), Broker(id: 2, diskTotalBytes: 1000)]
        let topic = TopicState(name: "t", partitions: [
            PartitionState(partition: 0, replicas: [1], size: 100, leader: 1), PartitionState(partition: 1, replicas: [1], size: 800, leader: 1),
            PartitionState(partition: 2, replicas: [2], size: 100, leader: 2), PartitionState(partition: 3, replicas: [2], size: 800, leader: 2),
        ])
        let snapshot = ClusterSnapshot(brokers: brokers, topics: [topic])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [2]),
                                                 PartitionAssignment(topic: "t", partition: 2, replicas: [1])])
        do {
            _ = try DiskPeak(snapshot: snapshot, plan: plan)
            Issue.record("an exchange that peaks both brokers at 100% was not refused")
        } catch let refusal as Refusal {
            #expect(refusal.message.contains("broker 2's disk at 100% (1.00 KB of 1.00 KB), above the 95% limit"), "\(refusal.message)")
            #expect(refusal.message.contains("move less onto broker 2"), "\(refusal.message)")
        } catch { Issue.record("unexpected \(error)") }
    }

    // MARK: random clusters with rates

    /// A random cluster with rates, disks and network capacities; `headroom` scales the capacities.
    static func randomCluster(seed: UInt64, headroom: Double) -> (ClusterSnapshot, [BrokerID]) {
        var random = SplitMix64(seed: seed)
        let brokerCount = 4 + Int(random.next() % 5)
        var partitions: [PartitionState] = []
        var totalBytes: Int64 = 0, totalIn: Int64 = 0
        for number in 0..<(24 + Int(random.next() % 40)) {
            // Skewed: the low brokers hold most.
            let first = BrokerID(1 + Int(random.next() % UInt64(max(1, brokerCount / 2))))
            var second = BrokerID(1 + Int(random.next() % UInt64(brokerCount)))
            if second == first { second = first % BrokerID(brokerCount) + 1 }
            let size = Int64(100 + random.next() % 2000)
            let rate = Int64(random.next() % 1000)
            totalBytes += 2 * size
            totalIn += 2 * rate
            partitions.append(PartitionState(partition: Int32(number), replicas: [first, second], size: size, leader: first,
                                             bytesInPerSec: rate, bytesOutPerSec: Int64(random.next() % 1500)))
        }
        let racks = ["a", "b"]
        let disk = Int64(Double(totalBytes) / Double(brokerCount) * headroom)
        let network = Int64(Double(totalIn) / Double(brokerCount) * headroom)
        let added = [BrokerID(brokerCount + 1), BrokerID(brokerCount + 2)]
        let brokers = (1...(brokerCount + 2)).map { id in
            Broker(id: BrokerID(id), rack: racks[id % 2], diskTotalBytes: disk * (id % 3 == 0 ? 2 : 1),
                   networkInCapacity: network * 2, networkOutCapacity: network * 6)
        }
        return (ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)]), added)
    }

    /// Plans never leave a target broker over a limit, keep every receiver under the disk peak in
    /// stage order, and are refused naming a broker when they cannot; roomy clusters always plan.
    @Test func limitsAreNeverBrokenOnRandomClustersWithRates() throws {
        var planned = 0
        for seed in UInt64(1)...24 {
            let roomy = seed % 2 == 0
            let (snapshot, added) = Self.randomCluster(seed: seed, headroom: roomy ? 3 : 1.05)
            let limits = LoadLimits()
            for kind in [PlanKind.rebalance(brokers: nil), .scaleOut(add: added), .scaleIn(remove: [1], rebalance: false)] {
                do {
                    let result = try Planner.plan(snapshot, PlanRequest(kind: kind, rackAware: false, limits: limits))
                    planned += 1
                    let removed: Set<BrokerID> = { if case .scaleIn(let remove, _) = kind { return Set(remove) } else { return [] } }()
                    for usage in snapshot.applying(result.plan).brokerUsage(leaders: .preferred) where !removed.contains(usage.broker) {
                        #expect(usage.breaches(limits).isEmpty, "seed \(seed) \(kind.name): \(usage.breaches(limits).map(\.description))")
                    }
                    try Self.expectPeakKept(snapshot, result.plan, context: "seed \(seed) \(kind.name)")
                } catch let refusal as Refusal {
                    #expect(!roomy, "seed \(seed) \(kind.name): a cluster at a third of its capacity was refused: \(refusal.message)")
                    #expect(refusal.message.contains("broker "), "\(refusal.message)")
                }
            }
        }
        #expect(planned >= 36, "every roomy cluster plans, and some tight ones: \(planned) of 72")
    }

    /// Replays `plan` in its stages (every move of a stage in flight at once) and checks that no
    /// broker with a disk that receives in a stage holds more than 95% of it during that stage.
    static func expectPeakKept(_ snapshot: ClusterSnapshot, _ plan: ReassignmentPlan, context: String) throws {
        let peak = try DiskPeak(snapshot: snapshot, plan: plan)
        var held = Dictionary(uniqueKeysWithValues: snapshot.brokerUsage(leaders: .current).map { ($0.broker, $0.diskBytes) })
        let disks = Dictionary(uniqueKeysWithValues: snapshot.brokers.compactMap { broker in broker.diskTotalBytes.map { (broker.id, $0) } })
        let current = Dictionary(uniqueKeysWithValues: snapshot.allPartitions.map { ($0.0, $0.1) })
        let target = Dictionary(uniqueKeysWithValues: plan.partitions.map { ($0.topicPartition, $0.replicas) })
        for stage in peak.stages {
            var during = held
            for tp in stage {
                guard let now = current[tp], let next = target[tp] else { continue }
                for broker in next where !now.replicas.contains(broker) { during[broker, default: 0] += now.size ?? 0 }
            }
            // A broker that receives in the stage stays under the peak (one that only gives may
            // start above it: the plan can only bring it down).
            for (broker, disk) in disks where during[broker] != held[broker] {
                #expect(Double(during[broker] ?? 0) <= Double(disk) * LoadLimits.peakDisk, "\(context): broker \(broker) peaks at \(during[broker] ?? 0) of \(disk)")
            }
            for tp in stage {
                guard let now = current[tp], let next = target[tp] else { continue }
                for broker in next where !now.replicas.contains(broker) { held[broker, default: 0] += now.size ?? 0 }
                for broker in now.replicas where !next.contains(broker) { held[broker, default: 0] -= now.size ?? 0 }
            }
        }
    }
}
