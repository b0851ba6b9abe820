import Foundation
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTime
@testable import KScaleExec

/// A simulated cluster reached through the real admin client, as the CLI reaches one. With
/// `manual`, the cluster and the executor share one auto-advancing `ManualClock`: each poll
/// interval the executor sleeps moves simulated time by exactly that much, so a run of hours
/// takes a second.
struct SimHarness {
    let sim: SimCluster
    let admin: KafkaAdminClient
    let clock: ManualClock?

    /// Six brokers over three racks holding three topics, and brokers 7-9 registered and empty.
    static func snapshot(scale: Int64 = 1) -> ClusterSnapshot {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "rack\(($0 - 1) % 3)") }
        func topic(_ name: String, _ partitions: Int, rf: Int, size: Int64) -> TopicState {
            var parts: [PartitionState] = []
            for p in 0..<partitions {
                // Replica k of partition p on broker (p + k) mod 6 + 1: consecutive brokers are on distinct racks.
                var replicas: [BrokerID] = []
                for k in 0..<rf { replicas.append(BrokerID((p + k) % 6 + 1)) }
                parts.append(PartitionState(partition: Int32(p), replicas: replicas, size: size * scale))
            }
            return TopicState(name: name, partitions: parts)
        }
        return ClusterSnapshot(brokers: brokers, topics: [
            topic("orders", 12, rf: 3, size: 200_000_000),
            topic("payments", 6, rf: 3, size: 500_000_000),
            topic("clicks", 8, rf: 2, size: 100_000_000),
        ])
    }

    static func start(snapshot: ClusterSnapshot = snapshot(), manual: Bool = true, timeScale: Double = 1,
                      ingest: Int64 = 0, profile: KafkaProfile = .newest, metadataLag: MetadataLag = .none) async throws -> SimHarness {
        let clock = manual ? ManualClock(autoAdvance: true) : nil
        var options = SimOptions(timeScale: timeScale, brokerNetworkBytesPerSec: 125_000_000, ingestBytesPerSecPerPartition: ingest,
                                 clock: clock, profile: profile)
        options.metadataLag = metadataLag
        let sim = try await SimCluster.start(snapshot: snapshot, options: options)
        let admin = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        return SimHarness(sim: sim, admin: admin, clock: clock)
    }

    func stop() async {
        await admin.close()
        await sim.shutdown()
    }

    var execClock: any KScaleClock { clock ?? SystemClock() }

    /// The planner's scale-out onto brokers 7-9 from what the cluster holds now.
    func scaleOutPlan() async throws -> ReassignmentPlan {
        let state = await sim.state()
        return try Planner.plan(state.snapshot, PlanRequest(kind: .scaleOut(add: [7, 8, 9]))).plan
    }

    /// Every replication throttle config left on the cluster, read back through the admin client.
    func throttlesLeft() async throws -> [String] {
        var out: [String] = []
        let brokers = try await admin.describeCluster().brokers.map(\.id).sorted()
        let bc = try await admin.describeConfigs(brokers.map { ConfigResource.broker($0) })
        for b in brokers {
            for e in bc[.broker(b)] ?? [] where ThrottleKeys.rates.contains(e.name) && e.source == .dynamicBroker {
                out.append("broker \(b) \(e.name)=\(e.value ?? "")")
            }
        }
        let topics = try await admin.describeTopics(nil).map(\.name).sorted()
        let tc = try await admin.describeConfigs(topics.map { ConfigResource.topic($0) })
        for t in topics {
            for e in tc[.topic(t)] ?? [] where ThrottleKeys.replicas.contains(e.name) && !e.isDefault && !(e.value ?? "").isEmpty {
                out.append("topic \(t) \(e.name)=\(e.value ?? "")")
            }
        }
        return out.sorted()
    }

    /// Partitions not at their target, with what they have, and partitions that lost a replica.
    func offTarget(_ plan: ReassignmentPlan, original: ClusterSnapshot) async -> [String] {
        let state = await sim.state()
        var out: [String] = []
        for line in plan.partitions {
            let p = state.partition(line.topicPartition)
            if p?.replicas != line.replicas { out.append("\(line.topicPartition) has \(p?.replicas ?? []) not \(line.replicas)") }
        }
        for (tp, before) in original.allPartitions {
            guard let now = state.partition(tp) else { out.append("\(tp) vanished"); continue }
            if now.replicas.count != before.replicas.count { out.append("\(tp) has \(now.replicas.count) replicas, had \(before.replicas.count)") }
            if let isr = now.isr, Set(isr) != Set(now.replicas) { out.append("\(tp) ISR \(isr) is short of \(now.replicas)") }
        }
        if !state.moves.isEmpty { out.append("\(state.moves.count) moves still in flight") }
        return out
    }

    func run(_ plan: ReassignmentPlan, options: RunOptions, dir: String, emit: @escaping EventSink = { _ in }) async throws -> ExecutionSummary {
        let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/journal.jsonl"), clock: execClock, emit: emit)
        let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional, ours: exec.submitted)
        return try await exec.execute(inspection, options: options, bootstrap: sim.bootstrapServers, commandConfig: nil)
    }
}

/// A clock that dies after a number of sleeps: the process killed in the middle of a run.
struct DyingClock: KScaleClock {
    let inner: any KScaleClock
    let counter: Counter
    let limit: Int
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; n += 1; return n }
    }
    func now() -> Double { inner.now() }
    func sleep(seconds: Double) async throws {
        if counter.next() >= limit { throw CancellationError() }
        try await inner.sleep(seconds: seconds)
    }
}
