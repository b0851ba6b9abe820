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

    public var adding: [BrokerID] { to.filter(isAdded) }
    public var removing: [BrokerID] { from.filter { !to.contains($0) } }
    /// Brokers whose per-broker budget this move uses: those it sends from or copies to.
    public var budgetBrokers: Set<BrokerID> { Set(adding).union(removing) }
    /// Bytes this move copies over the network (the new replicas counted without building `adding`).
    public var copyBytes: Int64 { bytes * Int64(to.count(where: isAdded)) }
    /// Whether `broker`, one of `to`, gets a new replica (the one rule of `adding` and `copyBytes`).
    private func isAdded(_ broker: BrokerID) -> Bool { !from.contains(broker) }
    /// The broker the copies come from: the leader when known and staying, else the first source.
    public var sender: BrokerID? { leader.flatMap { from.contains($0) ? $0 : nil } ?? from.first }
}

extension Move {
    /// The moves of `plan` from the placement in `snapshot` (partitions already at target move
    /// nothing and are left out).
    public static func moves(of plan: ReassignmentPlan, from snapshot: ClusterSnapshot) -> [Move] {
        let current = snapshot.partitionFinder
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
        let partitions = snapshot.partitionFinder
        return map { move in
            var move = move
            if let rate = partitions[move.tp]?.bytesInPerSec { move.produceRate = Swift.max(0, rate) }
            return move
        }
    }
}

/// Chooses which pending moves start now. Pure, so the pacing rules are tested without a cluster.
///
/// With a throttle (`pacing`), a move starts when every broker it copies through has room: the
/// bytes still to copy of the moves in flight on it, in the direction the move would use (into
/// each broker that receives a replica, out of the broker that sends it), would finish within
/// `BytePacing.horizon` at the throttle, or it copies below the throttle (its measured rate over
/// the last poll): then one more copy a poll, from a broker with room, raises its rate. So a broker keeps enough bytes in flight that its throttle never idles between two
/// polls whatever the partitions' sizes, and no more. The counts `maxPerBroker` (every move a
/// broker sends or receives) and `maxTotal` (every move) are upper limits when given; without a
/// throttle, when there are no bytes to pace by, they default to `defaultMaxPerBroker` and
/// `defaultMaxTotal`.
///
/// A move blocked by one busy broker does not hold back the ones behind it, so the budget stays
/// busy rather than waiting for the slowest of a batch. Moves of a later disk-peak stage
/// (`Move.stage`) wait until every move of the earlier stages has ended.
public struct MoveScheduler: Sendable {
    /// Byte pacing: each broker's throttle and how far ahead it is kept busy.
    public struct BytePacing: Sendable, Equatable {
        /// Bytes per second per broker, each direction (Kafka's leader and follower rates).
        public var throttle: Int64
        /// Seconds of copying at the throttle kept in flight on each broker.
        public var horizon: Double

        public init(throttle: Int64, horizon: Double) {
            self.throttle = throttle
            self.horizon = horizon
        }

        /// The horizon of a run polling every `pollInterval` seconds: a move that ends is only
        /// seen at the next poll, and its successor starts then, so a broker needs bytes for
        /// several polls in flight (the sizes read are a poll old) and never less than 10 s.
        public init(throttle: Int64, pollInterval: Double) {
            self.init(throttle: throttle, horizon: max(Self.pollsAhead * pollInterval, Self.minimumHorizon))
        }

        public static let pollsAhead = 4.0
        public static let minimumHorizon = 10.0
        /// "Below the throttle": under this share of it.
        public static let busyShare = 0.97

        /// Bytes a broker keeps in flight in each direction: throttle x horizon.
        public var budget: Double { Double(throttle) * horizon }
    }

    /// What the run last saw of the moves in flight: bytes each receiving broker holds of each
    /// partition (absent: none copied yet), and each broker's copy rates over the last poll.
    public struct Reading: Sendable, Equatable {
        public var held: [TopicPartition: [BrokerID: Int64]]
        public var rateIn: [BrokerID: Double]
        public var rateOut: [BrokerID: Double]

        public init(held: [TopicPartition: [BrokerID: Int64]] = [:], rateIn: [BrokerID: Double] = [:], rateOut: [BrokerID: Double] = [:]) {
            self.held = held
            self.rateIn = rateIn
            self.rateOut = rateOut
        }
    }

    /// Caps given by the operator (`--max-in-flight-per-broker`, `--max-in-flight`); nil: none.
    public var maxPerBroker: Int?
    public var maxTotal: Int?
    public var pacing: BytePacing?

    /// The caps of a run without a throttle (nothing to pace bytes by).
    public static let defaultMaxPerBroker = 5
    public static let defaultMaxTotal = 100

    /// With byte pacing, the moves through the brokers with the most bytes left go first
    /// (`boundFirst`): a run ends when its busiest broker has copied its last byte (the bound is
    /// that broker's bytes over the throttle), so that broker's copies must never wait behind
    /// others'. Among moves whose busiest end has as much left, `pending`'s order holds.
    public var boundFirst: Bool

    public init(maxPerBroker: Int?, maxTotal: Int?, pacing: BytePacing? = nil, boundFirst: Bool = false) {
        self.maxPerBroker = maxPerBroker
        self.maxTotal = maxTotal
        self.pacing = pacing
        self.boundFirst = boundFirst
    }

    /// The scheduler of a run with `options` at `throttle` (the run's current rate): byte pacing
    /// with the options' caps as upper limits, or the caps alone without a throttle. The default
    /// order (largest first) starts the bound's brokers' moves first; smallest-first (early
    /// progress) and risk-first keep their own order.
    public init(options: RunOptions, throttle: Int64?) {
        self.init(maxPerBroker: options.maxMovesPerBroker, maxTotal: options.maxMoves,
                  pacing: throttle.map { BytePacing(throttle: $0, pollInterval: options.pollInterval) },
                  boundFirst: options.order == .largestFirst)
    }

    /// `pending` with the moves whose busiest end (a receiver's bytes still to come in, or the
    /// sender's still to go out, in flight included) has the most left first; a stable reorder.
    static func boundFirst(_ pending: [Move], queuedIn: [BrokerID: Double], queuedOut: [BrokerID: Double]) -> [Move] {
        var leftIn = queuedIn, leftOut = queuedOut
        for move in pending { add(move, held: [:], into: &leftIn, out: &leftOut) }
        let busiestEnd = pending.map { move -> Double in
            let receiving = move.adding.map { leftIn[$0] ?? 0 }.max() ?? 0
            let sending = move.adding.isEmpty ? 0 : move.sender.map { leftOut[$0] ?? 0 } ?? 0
            return max(receiving, sending)
        }
        return pending.indices.sorted { busiestEnd[$0] != busiestEnd[$1] ? busiestEnd[$0] > busiestEnd[$1] : $0 < $1 }.map { pending[$0] }
    }

    /// The count caps in force: the given ones, or without byte pacing the defaults.
    public var perBrokerCap: Int? { maxPerBroker ?? (pacing == nil ? Self.defaultMaxPerBroker : nil) }
    public var totalCap: Int? { maxTotal ?? (pacing == nil ? Self.defaultMaxTotal : nil) }

    /// `pending` in priority order; returns the moves to start, in that order.
    public func next(pending: [Move], inFlight: [Move], reading: Reading = Reading()) -> [Move] {
        let perBroker = perBrokerCap, total = totalCap
        var load: [BrokerID: Int] = [:]
        for m in inFlight { for b in m.budgetBrokers { load[b, default: 0] += 1 } }
        var queuedIn: [BrokerID: Double] = [:], queuedOut: [BrokerID: Double] = [:]
        if pacing != nil {
            for m in inFlight { Self.add(m, held: reading.held[m.tp] ?? [:], into: &queuedIn, out: &queuedOut) }
        }
        var count = inFlight.count
        var out: [Move] = []
        // Brokers that took a move this poll for copying below the throttle, per direction.
        var raisedIn: Set<BrokerID> = [], raisedOut: Set<BrokerID> = []
        let openStage = (pending.lazy.map(\.stage) + inFlight.lazy.map(\.stage)).min() ?? 0
        let candidates = boundFirst && pacing != nil
            ? Self.boundFirst(pending.filter { $0.stage <= openStage }, queuedIn: queuedIn, queuedOut: queuedOut) : pending
        for m in candidates where m.stage <= openStage {
            if let total, count >= total { break }
            let brokers = m.budgetBrokers
            if let perBroker, brokers.contains(where: { load[$0, default: 0] >= perBroker }) { continue }
            if let pacing {
                // Each broker end of the copy: room by bytes, or below the throttle (once a poll).
                var ends: [(Room, BrokerID, Bool)] = m.adding.map { (Self.room(queuedIn[$0] ?? 0, rate: reading.rateIn[$0], pacing), $0, true) }
                if let s = m.sender, !m.adding.isEmpty { ends.append((Self.room(queuedOut[s] ?? 0, rate: reading.rateOut[s], pacing), s, false)) }
                guard ends.allSatisfy({ end in
                    switch end.0 {
                    case .bytes: true
                    case .belowThrottle: !(end.2 ? raisedIn : raisedOut).contains(end.1)
                    case .full: false
                    }
                }) else { continue }
                for end in ends where end.0 == .belowThrottle {
                    if end.2 { raisedIn.insert(end.1) } else { raisedOut.insert(end.1) }
                }
                Self.add(m, held: [:], into: &queuedIn, out: &queuedOut)
            }
            for b in brokers { load[b, default: 0] += 1 }
            count += 1
            out.append(m)
        }
        return out
    }

    /// Why a broker has room for another move in one direction, if it has.
    enum Room: Equatable {
        /// Its bytes in flight end within the horizon.
        case bytes
        /// It copied below the throttle over the last poll (the other ends hold it back): one
        /// more move a poll, from a broker with room, raises its rate.
        case belowThrottle
        case full
    }

    /// The room of a broker with `queued` bytes still to copy in one direction, copying at `rate`
    /// over the last poll (nil: not measured yet).
    static func room(_ queued: Double, rate: Double?, _ pacing: BytePacing) -> Room {
        if queued < pacing.budget { return .bytes }
        if let rate, rate < Double(pacing.throttle) * BytePacing.busyShare { return .belowThrottle }
        return .full
    }

    /// Adds what `m` still copies (its size less what each receiver `held`) to its receivers'
    /// and its sender's queues.
    private static func add(_ m: Move, held: [BrokerID: Int64], into: inout [BrokerID: Double], out: inout [BrokerID: Double]) {
        var sent = 0.0
        for b in m.adding {
            let left = Double(max(0, m.bytes - (held[b] ?? 0)))
            into[b, default: 0] += left
            sent += left
        }
        if let s = m.sender, !m.adding.isEmpty { out[s, default: 0] += sent }
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
    /// Positions are sorted, not the moves, and each move's copy bytes are counted once.
    public static func sorted(_ moves: [Move], by order: MoveOrder) -> [Move] {
        let copyBytes = moves.map(\.copyBytes)
        return moves.indices.sorted { a, b in
            if moves[a].stage != moves[b].stage { return moves[a].stage < moves[b].stage }
            switch order {
            case .smallestFirst:
                if copyBytes[a] != copyBytes[b] { return copyBytes[a] < copyBytes[b] }
            case .largestFirst:
                if copyBytes[a] != copyBytes[b] { return copyBytes[a] > copyBytes[b] }
            case .riskFirst:
                if moves[a].atRisk != moves[b].atRisk { return moves[a].atRisk }
                if copyBytes[a] != copyBytes[b] { return copyBytes[a] > copyBytes[b] }
            }
            return moves[a].tp < moves[b].tp
        }.map { moves[$0] }
    }
}
