import KafkaAdmin
import KScaleCore
@testable import KScaleExec

/// Stands in for the executor in orchestration tests of the flows (the cluster is KafkaSim's
/// engine): submits the plan, runs an optional hook while the moves are in flight (a topic
/// appears, a broker fails), lets the copies finish, and fails like a stalled run when a move
/// cannot finish. The flows through the real executor are LifecycleExecutorFlowTests.
struct LifecycleFakeRunner: LifecycleRunning {
    let cluster: EngineCluster
    var duringRun: @Sendable (EngineCluster, Int) async throws -> Void = { _, _ in }
    let runs = RunCounter()

    actor RunCounter {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    func run(_ plan: LifecyclePlan, label: String) async throws {
        let n = await runs.next()
        var targets: [TopicPartition: [BrokerID]?] = [:]
        for p in plan.plan.partitions { targets[p.topicPartition] = p.replicas }
        // As the executor submits: in chunks under KRaft's record cap.
        let errors = try await cluster.alterReassignmentsInChunks(targets)
        if let (tp, e) = errors.first { throw ExecutionError("reassignment of \(tp) rejected: \(e)") }
        try await duringRun(cluster, n)
        await cluster.completeMoves()
        let left = try await cluster.inFlightCount()
        if left > 0 { throw ExecutionError("\(left) partitions stalled: a target broker is offline") }
    }
}
