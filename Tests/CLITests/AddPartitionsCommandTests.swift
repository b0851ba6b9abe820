import Foundation
import KScaleTestSupport
import Testing
import KScaleCore
import KafkaSim

/// `kscale add-partitions` end to end: the binary against a KafkaSim cluster in this process.
@Suite(.serialized) struct AddPartitionsCommandTests {
    /// Six brokers in three racks; `orders` (RF 3) sits on brokers 1-3, `other` loads 1 and 2, and
    /// `changelog` is compacted.
    static func snapshot() -> ClusterSnapshot {
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3]) }
        let orders = TopicState(name: "orders", partitions: (0..<3).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((p + $0) % 3 + 1) }, size: 100)
        }, configs: ["cleanup.policy": "delete"])
        let other = TopicState(name: "other", partitions: (0..<6).map { PartitionState(partition: Int32($0), replicas: [1, 2], size: 100) })
        let changelog = TopicState(name: "changelog", partitions: [PartitionState(partition: 0, replicas: [4, 5, 6], size: 100)],
                                   configs: ["cleanup.policy": "compact"])
        return ClusterSnapshot(brokers: brokers, topics: [orders, other, changelog])
    }

    func withSim(_ body: (SimCluster) async throws -> Void) async throws {
        try await withSimCluster(Self.snapshot(), body)
    }

    func partitions(_ sim: SimCluster, _ topic: String) async -> [PartitionState] {
        await sim.state().topics.first { $0.name == topic }?.partitions.sorted { $0.partition < $1.partition } ?? []
    }

    func run(_ sim: SimCluster, _ args: [String]) async throws -> ProcessResult {
        try await KScaleBinary.run(["add-partitions", "--bootstrap-server", sim.bootstrapServers] + args)
    }

    @Test func dryRunValidatesAndChangesNothing() async throws {
        try await withSim { sim in
            let r = try await run(sim, ["--topic", "orders", "--to", "6", "--accept-key-remap"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("orders: 3 -> 6 partitions"))
            #expect(r.stdout.contains("orders-5: "))
            #expect(r.stdout.contains("warning: adding partitions changes which partition each key maps to"))
            #expect(r.stdout.contains("dry run"))
            #expect(await partitions(sim, "orders").count == 3)
        }
    }

    @Test func executeAddsBalancedPartitionsOnTheEmptiestBrokers() async throws {
        try await withSim { sim in
            let r = try await run(sim, ["--topic", "orders", "--to", "6", "--accept-key-remap", "--execute", "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let parts = await partitions(sim, "orders")
            #expect(parts.count == 6)
            let added = parts.filter { $0.partition >= 3 }
            let state = await sim.state()
            let rackOf = Dictionary(uniqueKeysWithValues: state.brokers.map { ($0.id, $0.rack ?? "") })
            let j = try KScaleBinary.json(r)
            let plan = try #require(j["plan"] as? [String: Any])
            #expect(plan["rack_aware"] as? Bool == true)
            for p in added {
                #expect(Set(p.replicas).count == 3)
                #expect(!p.replicas.contains(1) && !p.replicas.contains(2), "new replicas went to the two heaviest brokers")
                if plan["rack_aware"] as? Bool == true {
                    #expect(Set(p.replicas.compactMap { rackOf[$0] }).count == 3, "partition \(p.partition) repeats a rack")
                }
            }
            // Balanced: the brokers that took replicas end within one replica of each other.
            var total: [BrokerID: Int] = [:]
            for t in state.topics { for p in t.partitions { for b in p.replicas { total[b, default: 0] += 1 } } }
            let light = [3, 4, 5, 6].map { total[BrokerID($0)] ?? 0 }
            #expect((light.max() ?? 0) - (light.min() ?? 0) <= 1, "\(total)")
            #expect(Set(added.map { $0.replicas[0] }).count == added.count, "leaders of new partitions repeat")
            #expect(j["executed"] as? Bool == true)
        }
    }

    @Test func decreaseAndSameCountAreRefused() async throws {
        try await withSim { sim in
            for to in ["2", "3"] {
                let r = try await run(sim, ["--topic", "orders", "--to", to, "--accept-key-remap", "--execute"])
                #expect(r.status == 2)
                #expect(r.stderr.hasPrefix("error: "))
            }
            #expect(await partitions(sim, "orders").count == 3)
        }
    }

    @Test func compactedTopicsAndUnacceptedRemapsAreRefused() async throws {
        try await withSim { sim in
            let compacted = try await run(sim, ["--topic", "changelog", "--to", "4", "--accept-key-remap", "--execute"])
            #expect(compacted.status == 2)
            #expect(compacted.stderr.contains("compacted"))
            let unaccepted = try await run(sim, ["--topic", "orders", "--to", "6", "--execute"])
            #expect(unaccepted.status == 2)
            #expect(unaccepted.stderr.contains("--accept-key-remap"))
            #expect(await partitions(sim, "changelog").count == 1)
            #expect(await partitions(sim, "orders").count == 3)
        }
    }

    @Test func sizingDecidesTheCount() async throws {
        try await withSim { sim in
            let r = try await run(sim, ["--topic", "orders", "--target-throughput", "45MB/s", "--per-partition-throughput", "10MB/s",
                                  "--accept-key-remap", "--execute"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(await partitions(sim, "orders").count == 5)
        }
    }
}
