import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// The run record on the cluster: the compacted topic `__kscale_runs` (created on first use; one
/// partition, replication factor min(3, brokers)) where each run writes its claim before its first
/// change and its end after its last, so every kscale on any host sees who drives what. Kafka's
/// own tools keep their state the same way (Kafka Connect's config, offset and status topics).
///
/// Serialising claims (the cluster-wide lease): the topic has one partition, so its leader puts
/// every claim in one order. A run appends its claim, reads the log up to past it, and drives
/// only when no running claim before its own holds any of its brokers or partitions
/// (`RunOverlap.conflicts`); otherwise it writes `refused` over its claim and stops, naming the
/// owner. Two runs started at the same moment both append; the earlier offset drives, the later
/// sees it and refuses. A run that dies keeps its claim (`running`) until it is resumed or
/// cancelled, so its throttles stay owned. docs/executor.md, "The run record", says why this and
/// not a transactional id or a consumer group.
///
/// The library API for every reader (execute, resume, cancel, throttle audit and clear, the
/// autoscaler): `records()`, `running()`, `inFlight()`, `conflicts(brokers:partitions:excludingRunsIn:)`, `claim(_:)`, `end(_:state:)`.
public struct RunRegistry: Sendable {
    public static let topicName = PlanRequest.runRecordTopic
    public static let partition = TopicPartition(topicName, 0)
    /// Replicas of the record topic, at most: Kafka Connect's default for its internal topics.
    public static let maxReplicationFactor = 3

    public let admin: any ClusterAdmin

    public init(admin: any ClusterAdmin) { self.admin = admin }

    /// This machine's name, as records carry it.
    public static var hostName: String {
        if let host = ProcessInfo.processInfo.environment["KSCALE_HOST"], !host.isEmpty { return host }
        return ProcessInfo.processInfo.hostName
    }

    /// Every run record in log order; none when the topic does not exist yet.
    public func records() async throws -> [RunRecordEntry] {
        guard let all = try await admin.readAllRecords(Self.partition) else { return [] }
        return all.compactMap { record in
            record.value.flatMap(RunRecord.decode).map { RunRecordEntry(offset: record.offset, record: $0) }
        }
    }

    /// The claims running now (each claim's latest record).
    public func running() async throws -> [RunRecord] {
        RunOverlap.latest(try await records()).map(\.record).filter { $0.state == .running }
    }

    /// The runs in flight on the cluster, every host's, with when each started (`RunOverlap.inFlight`).
    public func inFlight() async throws -> [RunInFlight] {
        RunOverlap.inFlight(try await records())
    }

    /// The running claims on the cluster holding any of `brokers` or `partitions`, except this
    /// host's runs in `ownDirs` (`RunOverlap.conflicts(brokers:partitions:host:excludingRunsIn:records:)`):
    /// for a command that is about to act on them and has no claim of its own yet. The earliest first.
    public func conflicts(brokers: Set<BrokerID>, partitions: Set<TopicPartition> = [], excludingRunsIn ownDirs: Set<String>) async throws -> [RunConflict] {
        RunOverlap.conflicts(brokers: brokers, partitions: partitions, host: Self.hostName, excludingRunsIn: ownDirs, records: try await records())
    }

    /// Writes `mine` as a running claim and keeps it only when no earlier running claim overlaps:
    /// the refusal (`Refusal`, naming the owner's host and run id) is thrown after `refused` is
    /// written over the claim. In a dry run nothing is written: the refusal is judged against
    /// every running claim. Returns the claim as written (its claim offset set).
    ///
    /// With `adopt` (`execute --adopt`), a conflicting claim of the same plan (another state dir's
    /// run, its process gone or not) is taken over: written `adopted`, its moves and throttles this
    /// run's from then on, and the operator's rates it recorded carried over (`knownRates`).
    @discardableResult
    public func claim(_ mine: RunRecord, dryRun: Bool, adopt: Bool = false) async throws -> RunRecord {
        func blocking(_ conflicts: [RunConflict]) -> RunConflict? {
            conflicts.first { !(adopt && $0.owner.planDigest == mine.planDigest) }
        }
        if dryRun {
            if let conflict = blocking(RunOverlap.conflicts(mine, myClaimOffset: nil, records: try await records())) {
                throw Refusal(conflict.message)
            }
            return mine
        }
        try await ensureTopic()
        var claim = mine
        claim.state = .running
        claim.claimOffset = RunOverlap.continuedClaimOffset(of: claim, records: try await records())
        let offset = try await append(claim)
        let all = try await records()
        claim.claimOffset = claim.claimOffset ?? offset
        let conflicts = RunOverlap.conflicts(claim, myClaimOffset: claim.claimOffset, records: all)
        if let conflict = blocking(conflicts) {
            var refused = claim
            refused.state = .refused
            _ = try await append(refused)
            throw Refusal(conflict.message)
        }
        for adopted in conflicts { try await end(adopted.owner, state: .adopted, at: mine.at) }
        return claim
    }

    /// Records that a running claim now sets `rate` (an `--auto-throttle` retune), before the
    /// brokers get it: the claim's latest record is what other runs read.
    public func retuned(_ claim: RunRecord, rate: Int64, at time: Double) async throws {
        var updated = claim
        updated.state = .running
        updated.rate = rate
        updated.at = time
        _ = try await append(updated)
    }

    /// Records the end of a claimed run.
    public func end(_ claim: RunRecord, state: RunRecord.State, at time: Double) async throws {
        var ended = claim
        ended.state = state
        ended.at = time
        _ = try await append(ended)
    }

    /// Ends the claim of the run journaled in `stateDir` on this host, when the record holds it
    /// running (verify, cancel and throttle clear end runs outside the executor).
    public func endClaim(runID: String, stateDir: String, state: RunRecord.State, at time: Double) async throws {
        let key = RunRecord.claimKey(runID: runID, host: Self.hostName, stateDir: stateDir)
        guard let entry = RunOverlap.latest(try await records()).last(where: { $0.record.claim == key }), entry.record.state == .running else { return }
        var claim = entry.record
        claim.claimOffset = entry.claimOffset
        try await end(claim, state: state, at: time)
    }

    private func append(_ record: RunRecord) async throws -> Int64 {
        try await admin.appendRecords([LogRecord(key: Array(record.claim.utf8), value: try record.encoded())], to: Self.partition)
    }

    /// Creates the topic when missing: compacted, one partition, min(3, brokers) replicas.
    private func ensureTopic() async throws {
        guard try await admin.readRecords(Self.partition, from: nil, maxBytes: 1) == nil else { return }
        let brokers = try await admin.describeCluster().brokers.filter { !$0.fenced }.count
        let replicas = Int16(max(1, min(Self.maxReplicationFactor, brokers)))
        _ = try await admin.createToolTopic(ToolTopic(name: Self.topicName, partitions: 1, replicationFactor: replicas,
                                                      configs: ["cleanup.policy": "compact"]))
    }
}

/// The runs in flight on the cluster as `kscale status` shows them, every host's, read from the
/// run record; when the record could not be read, why (the status of the local run still shows).
public struct ClusterRuns: Sendable {
    public var runs: [RunInFlight]
    /// What could not be read, as a warning line.
    public var unseen: String?

    public init(runs: [RunInFlight], unseen: String? = nil) {
        self.runs = runs
        self.unseen = unseen
    }

    public static func read(from admin: any ClusterAdmin) async throws -> ClusterRuns {
        do {
            return ClusterRuns(runs: try await RunRegistry(admin: admin).inFlight())
        } catch let error as CancellationError {
            throw error
        } catch {
            return ClusterRuns(runs: [], unseen: "could not read the run record \(RunRegistry.topicName) (\(error)): runs of other hosts are not shown")
        }
    }

    /// Whether `run` is the one journaled in `dir` on this host.
    public static func isLocal(_ run: RunInFlight, dir: String) -> Bool {
        run.record.host == RunRegistry.hostName && RunDirectory.normalized(run.record.stateDir) == RunDirectory.normalized(dir)
    }
}
