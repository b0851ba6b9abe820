import KafkaAdmin
import KScaleCore

/// A plan checked against the live cluster: the moves still to make, the ones already done, and
/// the rollback. Building it changes nothing, which is what the dry run prints.
public struct Inspection: Sendable {
    public var plan: ReassignmentPlan
    /// The current assignment of the plan's partitions (for `cancel --rollback`).
    public var rollback: ReassignmentPlan
    /// Partitions not yet at target, with their sizes; includes ones in flight.
    public var moves: [Move]
    public var atTarget: [TopicPartition]
    /// In flight already with the plan's target (this run's, or an earlier identical submission).
    public var inFlight: [TopicPartition]
    /// The reading the plan was checked against (metadata, log dirs and the topics' configs).
    public var view: ClusterObservation
    /// Partitions whose replica count the plan changes (listed in the dry run; refused unless
    /// `--allow-rf-change`).
    public var replicationFactorChanges: [ReplicationFactorChange] = []
    /// The plan's drift since it was made, when judged (`DriftCheck`): with `--allow-drift`, the
    /// partitions that moved and run anyway; and the ones the plan records nothing for.
    public var drift: PlanDrift?
    /// What the reading could not see (a broker's log dirs, the topics' configs), to print: a move
    /// whose size is unknown is copied all the same, but its progress and ETA are not.
    public var warnings: [String]
}

public enum Preflight {
    /// Refuses, with nothing changed, a plan naming unknown topics, partitions or brokers, a target
    /// broker that is offline, or a reassignment in flight that this run did not start (unless
    /// `additional`). `ours` lists the partitions the run's journal says it submitted.
    ///
    /// A plan that changes a partition's replica count is refused unless
    /// `allowReplicationFactorChange`: a partition going from RF 3 to 2 silently loses a copy.
    ///
    /// A partition already moving to the plan's target that this run's journal did not submit
    /// (another kscale process with another state dir, another host, another tool) is refused
    /// unless `adopt`: two runs driving one plan would each throttle it and restore the other's
    /// rates. `owners` names the local runs known to have submitted partitions, for the message.
    ///
    /// A plan whose partitions moved since it was made (`PlanDrift`) is refused, naming them, when
    /// `drift` is `.refuse` (before the other checks: a partition that no longer exists is named
    /// as drift); `.allow` lists them in the inspection and goes on.
    public static func inspect(plan: ReassignmentPlan, admin: any ClusterAdmin, additional: Bool,
                               ours: Set<TopicPartition> = [], allowReplicationFactorChange: Bool = false,
                               adopt: Bool = false, owners: [TopicPartition: String] = [:], drift: DriftCheck = .skip,
                               everSubmitted: Set<TopicPartition> = []) async throws -> Inspection {
        guard !plan.partitions.isEmpty else { throw InvalidInput("the plan has no partitions to move") }
        let view = try await ClusterObservation.read(from: admin, parts: [.logDirs, .topicConfigs], topics: nil)
        // Partitions this run ever submitted are its own moves, never drift (`everSubmitted`).
        let judgedDrift = drift == .skip ? nil : PlanDrift.judge(plan, against: view, ours: ours.union(everSubmitted))
        if drift == .refuse, let refusal = judgedDrift?.refusal { throw refusal }
        var problems: [String] = []
        for line in plan.partitions {
            let tp = line.topicPartition
            guard view.topicNames.contains(tp.topic) else { problems.append("unknown topic \(tp.topic)"); continue }
            guard view.partition(tp) != nil else { problems.append("unknown partition \(tp)"); continue }
            for b in line.replicas {
                if !view.knownBrokers.contains(b) {
                    problems.append("partition \(tp) names broker \(b), which is unknown or offline (not in the cluster metadata)")
                } else if !view.aliveBrokers.contains(b) {
                    problems.append("partition \(tp) targets broker \(b), which is offline")
                }
            }
        }
        if !problems.isEmpty {
            let unique = Array(Set(problems)).sorted()
            let shown = unique.prefix(10).joined(separator: "; ")
            throw Refusal("refusing the plan, nothing was changed: \(shown)\(unique.count > 10 ? "; and \(unique.count - 10) more" : "")")
        }
        let targets = Dictionary(uniqueKeysWithValues: plan.partitions.map { ($0.topicPartition, $0.replicas) })
        var foreign: [String] = []
        var inFlight: [TopicPartition] = []
        var unowned: [TopicPartition] = []
        for (tp, _) in view.reassignments.sorted(by: { $0.key < $1.key }) {
            let target = view.inFlightTarget(tp) ?? []
            if let want = targets[tp] {
                if Set(want) == Set(target) {
                    if ours.contains(tp) || adopt { inFlight.append(tp) } else { unowned.append(tp) }
                    continue
                }
                foreign.append("\(tp) is being moved to \(target) but the plan wants \(want)")
            } else if !additional && !ours.contains(tp) {
                foreign.append("\(tp) is being moved to \(target) by someone else")
            }
        }
        if !unowned.isEmpty {
            let byOwner = Set(unowned.compactMap { owners[$0] }).sorted()
            let who = byOwner.isEmpty ? "not by this run's journal (another kscale run elsewhere, or another tool)" : "by \(byOwner.joined(separator: ", "))"
            throw Refusal("refusing: \(unowned.count) partitions of the plan are already moving to its targets \(who): \(unowned.prefix(10).map(\.description).joined(separator: ", "))\(unowned.count > 10 ? ", ..." : ""); continue that run with `kscale resume`, or pass --adopt to drive them as this run's")
        }
        if !foreign.isEmpty {
            let shown = foreign.prefix(10).joined(separator: "; ")
            throw Refusal("refusing: reassignments not started by this run are in flight (\(shown)\(foreign.count > 10 ? "; and \(foreign.count - 10) more" : "")); wait for them, cancel them, or pass --additional to run alongside ones on other partitions")
        }

        let sizes = view.partitionSizes
        var warnings = view.warnings
        let unsized = plan.partitions.map(\.topicPartition).filter { sizes[$0] == nil }
        if !unsized.isEmpty {
            warnings.append("\(unsized.count) partitions of the plan have no known size (no log dirs read for them): their bytes count as 0 in progress and the ETA")
        }
        var moves: [Move] = []
        var atTarget: [TopicPartition] = []
        var rollback: [PartitionAssignment] = []
        for line in plan.partitions {
            let tp = line.topicPartition
            guard let p = view.partition(tp) else { continue }
            let from = view.originalReplicas(tp) ?? p.replicas
            rollback.append(PartitionAssignment(topic: tp.topic, partition: tp.partition, replicas: from))
            if view.reassignments[tp] == nil && p.replicas == line.replicas { atTarget.append(tp); continue }
            // At risk: already short of replicas, or one more lost replica takes it below min ISR
            // (unknown min ISR counts as at risk).
            let risky: Bool
            switch view.minInSyncReplicas(of: tp.topic) {
            case .known(let min): risky = view.isUnderReplicated(tp) || p.isr.count <= min
            case .unknown: risky = true
            }
            moves.append(Move(tp: tp, from: from, to: line.replicas, bytes: sizes[tp] ?? 0, leader: p.leader, atRisk: risky))
        }
        // The disk peak (`DiskPeak`): judged on this reading, so a plan whose receivers no longer
        // have room is refused here, before anything changes; its stages pace the moves.
        let reading = view.snapshot()
        if reading.brokers.contains(where: { $0.diskTotalBytes != nil }) {
            let peak = try DiskPeak(snapshot: reading, plan: plan)
            var stageOf: [TopicPartition: Int] = [:]
            for (index, stage) in peak.stages.enumerated() { for tp in stage { stageOf[tp] = index } }
            for index in moves.indices { moves[index].stage = stageOf[moves[index].tp] ?? 0 }
        }
        // Against the partition's replication factor (its in-flight target's while it moves), not
        // the move's `from`: a target resubmitted over a move in flight starts from the merged
        // replica list (KIP-455), which is longer than the partition ever meant to be.
        let rfChanges = moves.compactMap { move in
            let factor = view.replicationFactor(of: move.tp)
            return factor == move.to.count ? nil : ReplicationFactorChange(partition: move.tp, from: factor, to: move.to.count)
        }
        if !rfChanges.isEmpty && !allowReplicationFactorChange {
            let shown = rfChanges.prefix(10).map(\.description).joined(separator: ", ")
            throw Refusal("refusing the plan, nothing was changed: it changes the replication factor of \(rfChanges.count) partitions (\(shown)\(rfChanges.count > 10 ? ", ..." : "")); pass --allow-rf-change if that is meant")
        }
        var inspection = Inspection(plan: plan, rollback: ReassignmentPlan(partitions: rollback), moves: moves, atTarget: atTarget,
                                    inFlight: inFlight, view: view, warnings: warnings)
        inspection.replicationFactorChanges = rfChanges
        inspection.drift = judgedDrift
        return inspection
    }
}

/// A partition whose number of replicas a plan changes.
public struct ReplicationFactorChange: Sendable, Hashable, CustomStringConvertible {
    public var partition: TopicPartition
    public var from: Int
    public var to: Int
    public var description: String { "\(partition): RF \(from) -> \(to)" }
}
