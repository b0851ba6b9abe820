import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTestSupport
import KScaleTime
import Testing
@testable import KScaleExec

/// A rehearsal's event stream (issue 16): every partition is reported started once, and the
/// run's byte total stays what the plan copies from the first progress event to the last.
@Suite(.offThePool) struct RehearsalEventTests {
    /// `brokers` old brokers over three racks and `added` empty ones, `partitions` partitions of
    /// RF 3 spread round the old brokers, sizes between 2 and 20 MB: a scale-out in small.
    static func cluster(brokers: Int, added: Int, partitions: Int) -> ClusterSnapshot {
        var random = SplitMix64(seed: 7)
        let all = (1...(brokers + added)).map { Broker(id: BrokerID($0), rack: "rack\($0 % 3)") }
        let topics = (0..<10).map { t in
            TopicState(name: "topic-\(t)", partitions: (0..<(partitions / 10)).map { p in
                let first = (t * 7 + p) % brokers
                let replicas = (0..<3).map { BrokerID((first + $0 * (brokers / 3)) % brokers + 1) }
                return PartitionState(partition: Int32(p), replicas: replicas, size: Int64(2_000_000 + random.next() % 18_000_000))
            }, configs: ["min.insync.replicas": "2"])
        }
        return ClusterSnapshot(brokers: all, topics: topics)
    }

    struct Seen {
        var started: [TopicPartition: Int] = [:]
        var totals: [Int64] = []
        var runBytes: Int64?
    }

    static func rehearse(_ snapshot: ClusterSnapshot, added: [BrokerID], options: RunOptions) async throws -> (Rehearsal.Report, Seen, ReassignmentPlan) {
        let plan = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: added))).plan
        let seen = Locked(Seen())
        let report = try await Rehearsal.run(plan, snapshot: snapshot, cluster: { snapshot, clock in try SimAdmin(snapshot: snapshot, clock: clock) },
                                             options: options, emit: { event in
            seen.update { s in
                switch event {
                case let .partitionStarted(tp, _, _, _): s.started[tp, default: 0] += 1
                case let .progress(report): s.totals.append(report.bytesTotal)
                case let .started(_, _, bytes, _, _): s.runBytes = bytes
                default: break
                }
            }
        })
        return (report, seen.value, plan)
    }

    @Test func everyPartitionStartsOnceAndTheTotalStaysFixed() async throws {
        let snapshot = Self.cluster(brokers: 12, added: 3, partitions: 600)
        let (report, seen, _) = try await Self.rehearse(snapshot, added: [13, 14, 15], options: RunOptions(throttle: 50_000_000))
        #expect(report.finished)
        #expect(report.failed.isEmpty)
        let twice = seen.started.filter { $0.value != 1 }
        #expect(twice.isEmpty, "started more than once: \(twice.sorted { $0.key < $1.key }.prefix(5))")
        #expect(seen.started.count == report.partitions)
        #expect(report.startedEvents == report.partitions)
        #expect(Set(seen.totals).count == 1, "bytes_total moved during the run: \(Set(seen.totals).sorted())")
        #expect(seen.totals.first == report.bytes)
        #expect(seen.runBytes == report.bytes)
    }
}

/// A value shared with an event sink called from the run's tasks.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Value
    init(_ value: Value) { current = value }
    func update(_ body: (inout Value) -> Void) { lock.withLock { body(&current) } }
    var value: Value { lock.withLock { current } }
}
