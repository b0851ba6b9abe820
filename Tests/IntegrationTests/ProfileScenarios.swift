import Foundation
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport
import Testing

/// The two scenarios issue 12 names for every profile ("kscale against every profile"): the
/// throttled replica lists as a client we did not write reads them, and a scale-in over KRaft's
/// 10,000-records-per-request cap.
extension ExecutionScenarios {
    /// A throttled scale-out onto the spares. While its moves are in flight, kafka-python reads
    /// the topic's `leader/follower.replication.throttled.replicas`: each holds `partition:broker`
    /// items and no empty one (on ZooKeeper 2.6-3.3 an APPEND onto the unset list stores ",0:1",
    /// which the brokers cannot parse, so nothing would be throttled; on 2.4-2.5 it is refused).
    /// After the run, neither key is set at all and no throttle is left.
    static func throttledScaleOutReadByKafkaPython(_ t: any ScenarioCluster) async throws {
        let (plan, runner, _) = try await slowScaleOut(t)
        let moving = Set(plan.plan.partitions.filter { line in
            line.replicas.contains { Scenario.spares.contains($0) }
        }.map(\.topicPartition))
        try #require(!moving.isEmpty)
        let task = Task { try await runner.run(plan, label: "throttled scale-out") }
        let ended = RunEnded()
        let watcher = Task { _ = await task.result; ended.set() }
        // A reading counts when a move was in flight before and after it (its throttles were set
        // throughout): one between two batches of moves, after a batch's throttles are removed and
        // before the next one's are set, is taken again, a bounded number of times.
        var during: [String: String] = [:]
        var throughout: Set<TopicPartition> = []
        do {
            for _ in 0..<Self.readingAttempts where throughout.isEmpty && !ended.value {
                let reading = try KafkaPython.PendingConfigs(t.bootstrap, topic: "orders")
                try await waitUntil("a move of the scale-out to be in flight on \(t.name)") {
                    try await !t.admin.listReassignments(nil).isEmpty || ended.value
                }
                let before = Set(try await t.admin.listReassignments(nil).keys)
                during = try await reading.read()
                throughout = before.intersection(try await t.admin.listReassignments(nil).keys)
            }
        } catch {
            task.cancel()
            try? await waitUntil("the cancelled run to stop on \(t.name)", timeout: .seconds(30)) { ended.value }
            throw ExecutionError("\(error) (the run \(ended.value ? "stopped" : "did not stop when cancelled"))")
        }
        let stillMoving = !throughout.isEmpty
        if !stillMoving { Issue.record("\(t.name): no kafka-python reading fell while a move was in flight (\(Self.readingAttempts) tries)") }
        for key in ThrottleKeys.replicas {
            let value = during[key] ?? ""
            let items = value.isEmpty ? [] : KafkaPython.items(value)
            #expect(!items.contains(""), "\(t.name): \(key)=\(value)")
            #expect(items.allSatisfy(Self.isThrottledReplica), "\(t.name): \(key)=\(value)")
            // The throttles it read were set, on partitions the run moves.
            if stillMoving {
                #expect(!items.isEmpty, "\(t.name): \(key) not set while moves are in flight")
                let partitions = Set(items.compactMap { Int32($0.split(separator: ":").first ?? "") })
                #expect(partitions.isSubset(of: Set(moving.map(\.partition))), "\(t.name): \(key)=\(value)")
                #expect(Set(throughout.map(\.partition)).isSubset(of: partitions), "\(t.name): \(key)=\(value) misses a move in flight throughout the reading: \(throughout)")
            }
        }
        do {
            try await waitUntil("the throttled scale-out to finish on \(t.name)", timeout: .seconds(120), pause: .sleep(.milliseconds(50))) { ended.value }
        } catch {
            let moving = (try? await t.admin.listReassignments(nil).count) ?? -1
            task.cancel()
            try? await waitUntil("the cancelled run to stop on \(t.name)", timeout: .seconds(30)) { ended.value }
            throw ExecutionError("\(error); \(moving) reassignments still in flight")
        }
        _ = await watcher.result
        try await task.value
        #expect(try await VerifyReport.check(plan: plan.plan, admin: t.admin).complete, "\(t.name)")
        #expect(try await LifecycleScenarios.throttlesLeft(t).isEmpty, "\(t.name)")
        let after = try await KafkaPython.topicConfigs(t.bootstrap, topic: "orders")
        for key in ThrottleKeys.replicas { #expect(after[key] == nil, "\(t.name): \(key)=\(after[key] ?? "") left after the run") }
    }

    /// Readings of the throttled lists taken before one falls wholly inside a move.
    static let readingAttempts = 5

    /// `partition:broker`, as Kafka's `ConfigHandler.parseThrottledPartitions` accepts an item.
    static func isThrottledReplica(_ item: String) -> Bool {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 2 && parts.allSatisfy { Int($0) != nil }
    }

    static let bigPartitions = 12_000

    /// 12,000 partitions of 1 KB, each led by broker 4 (rack-a) and followed by one of brokers 2,
    /// 3, 5, 6 (racks b and c), so every replica set is rack-aware already.
    static var big: TopicState {
        let followers: [BrokerID] = [2, 3, 5, 6]
        return TopicState(name: "big", partitions: (0..<bigPartitions).map {
            PartitionState(partition: Int32($0), replicas: [4, followers[$0 % followers.count]], size: 1_000)
        })
    }

    /// Scale-in of broker 4, which leads 12,000 partitions: its leadership move-off (reorders and
    /// the preferred election), the moves and the election after are each more than KRaft's
    /// 10,000 records (`QuorumController.MAX_RECORDS_PER_USER_OP`, refused whole with
    /// POLICY_VIOLATION from 3.5). The scale-in finishes SAFE TO STOP, with every request kscale
    /// sent under the cap and none refused.
    static func scaleInOverTheRecordCap(_ t: any ScenarioCluster) async throws {
        let sizes = RequestSizeLog(base: t.admin)
        let gate = DryRunAdmin(sizes, execute: true)
        let warnings = WarningLines()
        var f = LifecycleScenarios.flows(t, gate: gate, run: RunOptions(throttle: 50_000_000, maxMovesPerBroker: bigPartitions,
                                                                         maxMoves: bigPartitions, pollInterval: 1))
        f.emit = { if $0.step == "warning" { warnings.add($0.message) } }
        let report = try await f.scaleIn(removing: [4])
        #expect(report.failure == nil, "\(t.name): \(report.failure ?? "")")
        #expect(report.verdicts?.map(\.isSafe) == [true], "\(t.name): \(report.verdicts ?? [])")
        #expect(report.exitCode == 0, "\(t.name)")
        #expect(warnings.all.isEmpty, "\(t.name): \(warnings.all.prefix(3))")
        #expect(try await LifecycleScenarios.replicas(on: 4, t) == 0, "\(t.name)")
        let refused = await gate.mutations.filter { $0.refusal != nil }
        #expect(refused.isEmpty, "\(t.name): \(refused.prefix(3).map(\.line))")
        let requests = sizes.all
        let over = requests.filter { ($0.items ?? Int.max) > RequestChunks.maxItems }
        #expect(over.isEmpty, "\(t.name): \(over.prefix(3))")
        // The move-off and the drain each went out in several requests: more than the cap in all.
        let reassigned = requests.filter { $0.api == .alterPartitionReassignments }.reduce(0) { $0 + ($1.items ?? 0) }
        let elected = requests.filter { $0.api == .electLeaders }.reduce(0) { $0 + ($1.items ?? 0) }
        #expect(reassigned >= bigPartitions && elected >= bigPartitions, "\(t.name): \(reassigned) reassigned, \(elected) elected")
        #expect(try await LifecycleScenarios.throttlesLeft(t).isEmpty, "\(t.name)")
    }
}

/// Set once a run's task has ended.
final class RunEnded: @unchecked Sendable {
    private let lock = NSLock()
    private var ended = false
    func set() { lock.withLock { ended = true } }
    var value: Bool { lock.withLock { ended } }
}

/// Lines a flow emitted, in order (its emit hook is synchronous).
final class WarningLines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func add(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
}

/// The admin underneath the gate, recording how many items (partitions, config operations) each
/// mutating request carried: what KRaft's controller counts against its cap.
final class RequestSizeLog: ClusterAdmin, @unchecked Sendable {
    struct Request: Sendable, CustomStringConvertible {
        var api: AdminMutation.API
        /// nil: an election naming no partition, which elects every partition not on its
        /// preferred leader (as many records as the cluster has partitions).
        var items: Int?
        var description: String { "\(api) of \(items.map(String.init) ?? "every partition")" }
    }

    let base: any ClusterAdmin
    private let lock = NSLock()
    private var requests: [Request] = []

    init(base: any ClusterAdmin) { self.base = base }

    var all: [Request] { lock.withLock { requests } }
    private func record(_ api: AdminMutation.API, _ items: Int?) { lock.withLock { requests.append(Request(api: api, items: items)) } }

    func describeCluster() async throws -> ClusterDescription { try await base.describeCluster() }
    func describeTopics(_ names: [String]?) async throws -> [TopicDescription] { try await base.describeTopics(names) }
    func logDirs(brokers: [BrokerID]?) async throws -> [BrokerLogDirs] { try await base.logDirs(brokers: brokers) }
    func listReassignments(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: OngoingReassignment] {
        try await base.listReassignments(partitions)
    }
    func describeConfigs(_ resources: [ConfigResource]) async throws -> [ConfigResource: [ConfigEntry]] { try await base.describeConfigs(resources) }
    func listConsumerGroups() async throws -> [String] { try await base.listConsumerGroups() }
    func consumerLag(group: String) async throws -> [TopicPartition: ConsumerLag] { try await base.consumerLag(group: group) }
    func describeQuorum() async throws -> QuorumDescription? { try await base.describeQuorum() }
    func finalizedFeatures() async throws -> [String: Int16] { try await base.finalizedFeatures() }
    func listOffsets(_ partitions: [TopicPartition], _ spec: OffsetSpec) async throws -> OffsetAnswers { try await base.listOffsets(partitions, spec) }
    func committedOffsets(group: String) async throws -> [TopicPartition: Int64] { try await base.committedOffsets(group: group) }

    func alterReassignments(_ targets: [TopicPartition: [BrokerID]?]) async throws -> [TopicPartition: KafkaAPIError] {
        record(.alterPartitionReassignments, targets.count)
        return try await base.alterReassignments(targets)
    }
    func incrementalAlterConfigs(_ changes: [ConfigResource: [ConfigChange]], validateOnly: Bool) async throws -> [ConfigResource: KafkaAPIError] {
        record(.incrementalAlterConfigs, changes.values.reduce(0) { $0 + $1.count })
        return try await base.incrementalAlterConfigs(changes, validateOnly: validateOnly)
    }
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?, validateOnly: Bool) async throws {
        record(.createPartitions, assignments?.count ?? 1)
        try await base.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }
    func electPreferredLeaders(_ partitions: [TopicPartition]?) async throws -> [TopicPartition: KafkaAPIError] {
        record(.electLeaders, partitions?.count)
        return try await base.electPreferredLeaders(partitions)
    }
    func createToolTopic(_ topic: ToolTopic) async throws -> Bool { try await base.createToolTopic(topic) }
    func appendRecords(_ records: [LogRecord], to tp: TopicPartition) async throws -> Int64 { try await base.appendRecords(records, to: tp) }
    func readRecords(_ tp: TopicPartition, from offset: Int64?, maxBytes: Int32) async throws -> RecordRead? {
        try await base.readRecords(tp, from: offset, maxBytes: maxBytes)
    }
}
