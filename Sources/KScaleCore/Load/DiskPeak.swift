/// The disk peak during a plan (docs/planner.md, "The disk peak during a plan"). Kafka copies a
/// new replica onto its broker before it deletes the old one, so a broker receiving replicas
/// still holds every replica it is giving away until that move ends: its peak is what it holds
/// plus what is coming in, and that must stay under `LoadLimits.peakDisk` (95%) of its disk.
///
/// The plan is ordered in stages: the moves of a stage may run at once and in any order, and a
/// stage starts once the one before it has ended. Stage 1 takes, in plan order, every move whose
/// receivers stay under the peak with what they hold now plus the stage's earlier moves coming
/// in; a move that does not fit waits for the next stage, which starts from what the brokers hold
/// after the stage before (its bytes arrived on their receivers and left their senders). Most
/// plans are one stage. When a stage can take no move, no order keeps the peak and the plan is
/// refused, naming the broker and the numbers. Judged through `BrokerUsage.breach`, the one
/// judgement of a limit; brokers without `disk_total_bytes` are not judged.
public struct DiskPeak: Sendable, Hashable {
    /// The plan's partitions in stages, each stage in plan order.
    public var stages: [[TopicPartition]]
    /// Per broker with a known disk, the most it holds at once during the plan, in broker order.
    public var peaks: [BrokerUsage]

    /// The limits the peak is judged against: only disk, at `LoadLimits.peakDisk`.
    static let peakLimits = LoadLimits(disk: LoadLimits.peakDisk, networkIn: 1, networkOut: 1)

    /// The stages of `plan` from the placement in `snapshot`; throws a refusal naming the broker
    /// when no order keeps every receiver under the peak.
    public init(snapshot: ClusterSnapshot, plan: ReassignmentPlan) throws {
        struct Change {
            var tp: TopicPartition
            var adding: [BrokerID]
            var removing: [BrokerID]
            var bytes: Int64
        }
        var usage: [BrokerID: BrokerUsage] = [:]
        for broker in snapshot.brokerUsage(leaders: .current) where broker.diskCapacity != nil { usage[broker.broker] = broker }
        let current = snapshot.partitionFinder
        var pending: [Change] = []
        var untouched: [TopicPartition] = []
        for line in plan.partitions {
            guard !usage.isEmpty, let now = current[line.topicPartition] else { untouched.append(line.topicPartition); continue }
            pending.append(Change(tp: line.topicPartition, adding: line.replicas.filter { !now.replicas.contains($0) },
                                  removing: now.replicas.filter { !line.replicas.contains($0) }, bytes: now.size ?? 0))
        }
        var peaks = usage
        var stages: [[TopicPartition]] = []
        while !pending.isEmpty {
            var incoming: [BrokerID: Int64] = [:]
            var stage: [Change] = []
            var waiting: [Change] = []
            var blocked: LimitBreach?
            for change in pending {
                let breach = change.adding.lazy.compactMap { broker in
                    usage[broker]?.breach(.disk, Self.peakLimits, adding: incoming[broker, default: 0] + change.bytes)
                }.first
                if let breach {
                    blocked = blocked ?? breach
                    waiting.append(change)
                    continue
                }
                stage.append(change)
                for broker in change.adding { incoming[broker, default: 0] += change.bytes }
            }
            if stage.isEmpty, let blocked {
                throw Refusal("no order of the plan keeps every broker under \(Percentage.formatted(LoadLimits.peakDisk * 100))% of its disk "
                              + "while moves run (a receiving broker holds what it gives away until those moves end): "
                              + "after \(stages.count) stage\(stages.count == 1 ? "" : "s"), \(blocked.description) "
                              + "when its next move copies in; move less onto broker \(blocked.broker), or free its disk first")
            }
            for (broker, bytes) in incoming where usage[broker] != nil {
                usage[broker]?.diskBytes += bytes
                if let held = usage[broker]?.diskBytes, held > peaks[broker]?.diskBytes ?? 0 { peaks[broker]?.diskBytes = held }
            }
            for change in stage {
                for broker in change.removing where usage[broker] != nil { usage[broker]?.diskBytes -= change.bytes }
            }
            stages.append(stage.map(\.tp))
            pending = waiting
        }
        if !untouched.isEmpty {
            if stages.isEmpty { stages.append(untouched) } else { stages[0] += untouched }
        }
        self.stages = stages
        self.peaks = peaks.keys.sorted().compactMap { peaks[$0] }
    }

    /// `plan` with its partitions in stage order (the same partitions and replicas).
    public func ordered(_ plan: ReassignmentPlan) -> ReassignmentPlan {
        guard stages.count > 1 else { return plan }
        var stageOf: [TopicPartition: Int] = [:]
        for (index, stage) in stages.enumerated() { for tp in stage { stageOf[tp] = index } }
        var result = plan
        result.partitions = plan.partitions.enumerated().sorted { first, second in
            let (a, b) = (stageOf[first.element.topicPartition] ?? 0, stageOf[second.element.topicPartition] ?? 0)
            return a != b ? a < b : first.offset < second.offset
        }.map(\.element)
        return result
    }
}
