import Foundation
import KScaleTestSupport
@testable import KScaleCore

/// Random but valid clusters: rack-spread replicas (when racks), heavy-tailed sizes, some empty brokers.
enum RandomCluster {
    static func make(seed: UInt64, brokers: Int, racks: Int, topics: Int, maxPartitions: Int, rf: Int,
                     emptyBrokers: Int = 0) -> ClusterSnapshot {
        var rng = SplitMix64(seed: seed)
        let all = (0..<brokers).map { i in Broker(id: BrokerID(i + 1), rack: racks > 0 ? "r\(i % racks)" : nil) }
        let used = Array(all.prefix(brokers - emptyBrokers))
        var out: [TopicState] = []
        for t in 0..<topics {
            let n = Int.random(in: 1...maxPartitions, using: &rng)
            let scale = Int64.random(in: 1...1000, using: &rng) * Int64.random(in: 1...1000, using: &rng)
            var parts: [PartitionState] = []
            for p in 0..<n {
                var chosen: [Broker] = []
                var candidates = used.shuffled(using: &rng)
                while chosen.count < rf, !candidates.isEmpty {
                    // Prefer a rack not used yet, as Kafka's rack-aware creation does.
                    let i = candidates.firstIndex { c in !chosen.contains { $0.rack == c.rack && c.rack != nil } } ?? 0
                    chosen.append(candidates.remove(at: i))
                }
                let size = scale * Int64.random(in: 1...4, using: &rng)
                parts.append(PartitionState(partition: Int32(p), replicas: chosen.map(\.id), size: size))
            }
            out.append(TopicState(name: "topic-\(t)", partitions: parts))
        }
        return ClusterSnapshot(brokers: all, topics: out)
    }
}

/// What every plan must satisfy, checked independently of the planner's own bookkeeping.
struct PlanCheck {
    var after: [TopicPartition: [BrokerID]] = [:]
    var before: [TopicPartition: [BrokerID]] = [:]
    var size: [TopicPartition: Int64] = [:]

    init(_ snapshot: ClusterSnapshot, _ plan: ReassignmentPlan) {
        for (tp, p) in snapshot.allPartitions {
            before[tp] = p.replicas
            size[tp] = p.size ?? 0
        }
        after = before
        for line in plan.partitions { after[line.topicPartition] = line.replicas }
    }

    var replicasMoved: Int {
        after.reduce(0) { acc, kv in acc + kv.value.filter { !(before[kv.key] ?? []).contains($0) }.count }
    }

    var bytesMoved: Int64 {
        after.reduce(Int64(0)) { acc, kv in acc + Int64(kv.value.filter { !(before[kv.key] ?? []).contains($0) }.count) * (size[kv.key] ?? 0) }
    }

    func counts(_ assignment: [TopicPartition: [BrokerID]]) -> [BrokerID: Int] {
        var c: [BrokerID: Int] = [:]
        for reps in assignment.values { for b in reps { c[b, default: 0] += 1 } }
        return c
    }

    func leaders() -> [BrokerID: Int] {
        var c: [BrokerID: Int] = [:]
        for reps in after.values { if let l = reps.first { c[l, default: 0] += 1 } }
        return c
    }

    /// Partitions whose replicas share a rack although enough racks exist.
    func rackViolations(_ snapshot: ClusterSnapshot, targets: Set<BrokerID>) -> Int {
        let rack = Dictionary(uniqueKeysWithValues: snapshot.brokers.map { ($0.id, $0.rack ?? "") })
        let racks = Set(targets.map { rack[$0] ?? "" }).count
        return after.values.filter { reps in Set(reps.map { rack[$0] ?? "" }).count < min(reps.count, racks) }.count
    }
}
