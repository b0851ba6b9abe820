import KScaleCore

/// One partition's move: where its replicas are and where they go.
public struct Move: Sendable, Hashable {
    public var tp: TopicPartition
    public var from: [BrokerID]
    public var to: [BrokerID]
    /// Bytes of one replica (0 when unknown).
    public var bytes: Int64
    /// The leader when planned: the broker that sends the copies.
    public var leader: BrokerID?
    /// Under-replicated or at min ISR when planned (for `--order risk-first`).
    public var atRisk: Bool
    /// The plan's disk-peak stage (`DiskPeak`, 0-based): a move starts only once every move of an
    /// earlier stage has ended, so no receiving broker passes 95% of its disk while it still holds
    /// what it gives away.
    public var stage: Int
    /// What producers write to the partition, bytes per second (`bytes_in_per_sec`; 0 when
    /// unknown): a new replica copies its size plus what is written while it copies
    /// (`copySeconds(at:)`).
    public var produceRate: Int64

    public init(tp: TopicPartition, from: [BrokerID], to: [BrokerID], bytes: Int64, leader: BrokerID? = nil, atRisk: Bool = false,
                stage: Int = 0, produceRate: Int64 = 0) {
        self.stage = stage
        self.produceRate = max(0, produceRate)
        self.tp = tp
        self.from = from
        self.to = to
        self.bytes = bytes
        self.leader = leader
        self.atRisk = atRisk
    }

    public var adding: [BrokerID] { to.filter { !from.contains($0) } }
    public var removing: [BrokerID] { from.filter { !to.contains($0) } }
    /// Brokers whose per-broker budget this move uses: those it sends from or copies to.
    public var budgetBrokers: Set<BrokerID> { Set(adding).union(removing) }
    /// Bytes this move copies over the network.
    public var copyBytes: Int64 { bytes * Int64(adding.count) }
    /// The broker the copies come from: the leader when known and staying, else the first source.
    public var sender: BrokerID? { leader.flatMap { from.contains($0) ? $0 : nil } ?? from.first }
}

extension Move {
    /// The moves of `plan` from the placement in `snapshot` (partitions already at target move
    /// nothing and are left out).
    public static func moves(of plan: ReassignmentPlan, from snapshot: ClusterSnapshot) -> [Move] {
        var current: [TopicPartition: PartitionState] = [:]
        for (tp, partition) in snapshot.allPartitions { current[tp] = partition }
        return plan.partitions.compactMap { line in
            guard let now = current[line.topicPartition], now.replicas != line.replicas else { return nil }
            return Move(tp: line.topicPartition, from: now.replicas, to: line.replicas, bytes: now.size ?? 0, leader: now.leader,
                        produceRate: now.bytesInPerSec ?? 0)
        }
    }
}

extension Array where Element == Move {
    /// The moves with each partition's produce rate (`bytes_in_per_sec`) from `snapshot`, a
    /// sampled snapshot (`kscale snapshot --sample`), where it has one: the execute dry run's
    /// estimate then counts what producers write while a replica copies (`Move.copySeconds(at:)`).
    public func withProduceRates(from snapshot: ClusterSnapshot) -> [Move] {
        var rates: [TopicPartition: Int64] = [:]
        for (tp, partition) in snapshot.allPartitions { if let rate = partition.bytesInPerSec { rates[tp] = rate } }
        return map { move in
            var move = move
            if let rate = rates[move.tp] { move.produceRate = Swift.max(0, rate) }
            return move
        }
    }
}

/// Chooses which pending moves start now. Pure, so the pacing rules are tested without a cluster.
///
/// A broker counts every move it sends or receives against `maxPerBroker`; the cluster counts every
/// move against `maxTotal`. A move blocked by one busy broker does not hold back the ones behind
/// it, so the budget stays busy rather than waiting for the slowest of a batch. Moves of a later
/// disk-peak stage (`Move.stage`) wait until every move of the earlier stages has ended.
public struct MoveScheduler: Sendable {
    public var maxPerBroker: Int
    public var maxTotal: Int

    public init(maxPerBroker: Int, maxTotal: Int) {
        self.maxPerBroker = maxPerBroker
        self.maxTotal = maxTotal
    }

    /// `pending` in priority order; returns the moves to start, in that order.
    public func next(pending: [Move], inFlight: [Move]) -> [Move] {
        var load: [BrokerID: Int] = [:]
        for m in inFlight { for b in m.budgetBrokers { load[b, default: 0] += 1 } }
        var total = inFlight.count
        var out: [Move] = []
        let openStage = (pending.lazy.map(\.stage) + inFlight.lazy.map(\.stage)).min() ?? 0
        for m in pending where m.stage <= openStage {
            if total >= maxTotal { break }
            let brokers = m.budgetBrokers
            if brokers.contains(where: { load[$0, default: 0] >= maxPerBroker }) { continue }
            for b in brokers { load[b, default: 0] += 1 }
            total += 1
            out.append(m)
        }
        return out
    }

    /// Why `move` cannot start now, or nil when it can. Kafka copies a new replica from the
    /// partition's leader, so a move needs every broker of its target alive (the ones it copies to,
    /// and the ones it keeps, which must be in sync for the move to complete) and a live leader; a
    /// dead broker the move takes the partition off does not block it. That is how a failed
    /// broker is drained.
    public static func waitReason(_ move: Move, alive: Set<BrokerID>, leader: BrokerID?) -> String? {
        let deadTargets = move.to.filter { !alive.contains($0) }
        if !deadTargets.isEmpty {
            return "target broker\(deadTargets.count > 1 ? "s" : "") \(deadTargets.map(String.init).joined(separator: ", ")) \(deadTargets.count > 1 ? "are" : "is") offline"
        }
        guard let leader, alive.contains(leader) else {
            let dead = move.from.filter { !alive.contains($0) }
            return "no live leader to copy from" + (dead.isEmpty ? "" : " (broker\(dead.count > 1 ? "s" : "") \(dead.map(String.init).joined(separator: ", ")) offline)")
        }
        return nil
    }

    /// Sorts moves by stage, then the run's order; ties break on the partition so runs are reproducible.
    public static func sorted(_ moves: [Move], by order: MoveOrder) -> [Move] {
        moves.sorted { a, b in
            if a.stage != b.stage { return a.stage < b.stage }
            switch order {
            case .smallestFirst:
                if a.copyBytes != b.copyBytes { return a.copyBytes < b.copyBytes }
            case .largestFirst:
                if a.copyBytes != b.copyBytes { return a.copyBytes > b.copyBytes }
            case .riskFirst:
                if a.atRisk != b.atRisk { return a.atRisk }
                if a.copyBytes != b.copyBytes { return a.copyBytes > b.copyBytes }
            }
            return a.tp < b.tp
        }
    }
}
