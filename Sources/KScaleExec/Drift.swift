import KafkaAdmin
import KScaleCore

/// What `execute` does about partitions that moved between planning and execution.
public enum DriftCheck: Sendable, Equatable {
    /// Refuse the plan, nothing changed, naming the partitions that drifted: the default of
    /// `kscale execute`, whose plan file may be days old.
    case refuse
    /// `--allow-drift`: name them and run the plan over them.
    case allow
    /// Not judged: the plan was made from the reading the caller has just taken (the lifecycle
    /// flows, the demo) or is a rollback of a run's own journal (`cancel --rollback`).
    case skip
}

/// A partition of the plan that is no longer where the plan found it.
public struct DriftedPartition: Sendable, Hashable, CustomStringConvertible {
    public var partition: TopicPartition
    /// Its replicas, in order, when the plan was made.
    public var recorded: [BrokerID]
    /// Its replicas now (before any move in flight); nil when the partition no longer exists.
    public var now: [BrokerID]?

    public init(partition: TopicPartition, recorded: [BrokerID], now: [BrokerID]?) {
        self.partition = partition
        self.recorded = recorded
        self.now = now
    }

    public var description: String {
        "\(partition): planned from \(recorded), \(now.map { "now \($0)" } ?? "no longer exists")"
    }
}

/// The plan you reviewed is the plan that runs: each line of a kscale plan records its
/// partition's replicas when the plan was made (`PartitionAssignment.originalReplicas`), and this
/// judges them against the one reading (`ClusterObservation`). Pure.
public struct PlanDrift: Sendable, Hashable {
    /// Partitions that moved since the plan was made, in partition order.
    public var drifted: [DriftedPartition]
    /// Partitions of the plan whose line records nothing to judge (a plan from Kafka's
    /// `--generate` or an older kscale): their drift could not be checked.
    public var unrecorded: [TopicPartition]

    public init(drifted: [DriftedPartition] = [], unrecorded: [TopicPartition] = []) {
        self.drifted = drifted
        self.unrecorded = unrecorded
    }

    /// A partition drifted when its replicas now (in order; a partition being moved counts with
    /// the replicas it had before the move, KIP-455) differ from the ones recorded, and it is
    /// neither at the plan's target nor moving to it; a planned partition that no longer exists
    /// drifted too. Partitions `ours` lists (this run's journal submitted them: it moved them
    /// itself) are not judged.
    public static func judge(_ plan: ReassignmentPlan, against view: ClusterObservation, ours: Set<TopicPartition> = []) -> PlanDrift {
        var judged = PlanDrift()
        for line in plan.partitions.sorted(by: { $0.topicPartition < $1.topicPartition }) {
            let tp = line.topicPartition
            guard !ours.contains(tp) else { continue }
            guard let recorded = line.originalReplicas else { judged.unrecorded.append(tp); continue }
            guard let described = view.partition(tp) else {
                judged.drifted.append(DriftedPartition(partition: tp, recorded: recorded, now: nil))
                continue
            }
            // At the target (in order), or moving to it (Preflight's in-flight rule: the same replica set).
            if let moving = view.inFlightTarget(tp) {
                if Set(moving) == Set(line.replicas) { continue }
            } else if described.replicas == line.replicas {
                continue
            }
            let now = view.originalReplicas(tp) ?? described.replicas
            if now != recorded { judged.drifted.append(DriftedPartition(partition: tp, recorded: recorded, now: now)) }
        }
        return judged
    }

    /// The refusal of a plan that drifted (exit 2, nothing changed), naming each partition.
    public var refusal: Refusal? {
        guard !drifted.isEmpty else { return nil }
        return Refusal("refusing the plan, nothing was changed: \(drifted.count) of its partitions moved since the plan was made "
                       + "(\(Self.listed(drifted))); the plan you reviewed is not the one that would run. Make a new plan "
                       + "from a fresh snapshot, or pass --allow-drift to run this one over them")
    }

    /// What to tell the operator of a plan that runs: the drift let through, and the partitions
    /// that could not be checked.
    public var notes: [String] {
        var notes: [String] = []
        if !drifted.isEmpty {
            notes.append("--allow-drift: running the plan over \(drifted.count) partitions that moved since it was made: \(Self.listed(drifted))")
        }
        if !unrecorded.isEmpty {
            notes.append("drift not checked for \(unrecorded.count) partitions: the plan does not record their replicas when it was made "
                         + "(a plan from kafka-reassign-partitions.sh --generate or an older kscale); they run against the cluster as it is now")
        }
        return notes
    }

    /// At most `shownInMessages` of them, then how many more.
    static func listed(_ drifted: [DriftedPartition]) -> String {
        let shown = drifted.prefix(shownInMessages).map(\.description).joined(separator: "; ")
        return drifted.count > shownInMessages ? "\(shown); and \(drifted.count - shownInMessages) more" : shown
    }

    /// How many drifted partitions a message names before it counts the rest.
    static let shownInMessages = 10
}
