import KScaleCore

/// A fluid model of a throttled run, for the dry run's batches and duration and for the benchmark's
/// bound. Each broker's throttle is shared by the copies it sends (leader rate) and receives
/// (follower rate), as Kafka's quota does; copies start as the scheduler would start them.
public struct RunEstimate: Sendable {
    /// Start time of each move in seconds from the beginning, grouped into waves of simultaneous starts.
    public struct Wave: Sendable {
        public var start: Double
        public var moves: [Move]
    }
    public var waves: [Wave]
    public var seconds: Double
    public var bytes: Int64
    /// max over brokers of the seconds its copies in, or out, take at the throttle alone (each
    /// `Move.copySeconds(at:)`: a busy partition's copy takes longer than its size / throttle):
    /// no schedule can beat it.
    public var lowerBoundSeconds: Double
    /// Moves whose new replicas never catch up at this throttle: the partition is written as fast
    /// as the throttle copies, or faster (`produceRate >= throttle`), or (in the simulation) every
    /// copy still running is left a share of the throttle below its produce rate. Left out of
    /// `seconds`; the throttle must rise above their produce rate for them to end.
    public var neverCatchUp: [TopicPartition] = []

    /// Simulates the run. `throttle` nil means unthrottled: durations are then unknown (0).
    public static func simulate(moves: [Move], throttle: Int64?, scheduler: MoveScheduler, order: MoveOrder) -> RunEstimate {
        let bytes = moves.reduce(0) { $0 + $1.copyBytes }
        let bound = lowerBound(moves: moves, throttle: throttle)
        var pending = MoveScheduler.sorted(moves, by: order)
        guard let rate = throttle.map(Double.init), rate > 0 else {
            // Without a throttle only the order of starts is known; show the first wave.
            let first = scheduler.next(pending: pending, inFlight: [])
            return RunEstimate(waves: first.isEmpty ? [] : [Wave(start: 0, moves: first)], seconds: 0, bytes: bytes, lowerBoundSeconds: 0)
        }
        // A move written at the throttle or faster never catches up, whatever the schedule: it
        // is reported and left out, so it holds no budget the others could use.
        let hopeless = pending.filter { Double($0.produceRate) >= rate && $0.copyBytes > 0 }
        var neverCatchUp = hopeless.map(\.tp)
        if !hopeless.isEmpty {
            let left = Set(neverCatchUp)
            pending.removeAll { left.contains($0.tp) }
        }
        // `left` counts the replica's bytes at the start; a copy gains on it at its share of the
        // throttle less the partition's produce rate (what is written meanwhile must be copied too).
        struct Flow { var move: Int; var receiver: BrokerID; var sender: BrokerID?; var left: Double }
        var active: [Move] = []
        var flows: [Flow] = []
        var waves: [Wave] = []
        var now = 0.0
        var guardSteps = 0
        // With byte pacing the scheduler is asked at each poll, as the executor asks it, with what
        // each receiver holds and each broker's rates over the step before.
        let poll = scheduler.pacing.map { $0.horizon / MoveScheduler.BytePacing.pollsAhead }
        var reading = MoveScheduler.Reading()
        while true {
            let starting = scheduler.next(pending: pending, inFlight: active, reading: reading)
            if !starting.isEmpty {
                let started = Set(starting.map(\.tp))
                pending.removeAll { started.contains($0.tp) }
                waves.append(Wave(start: now, moves: starting))
                for m in starting {
                    active.append(m)
                    let idx = active.count - 1
                    for r in m.adding {
                        flows.append(Flow(move: idx, receiver: r, sender: m.sender, left: Double(m.bytes)))
                    }
                }
            }
            // Moves with nothing to copy finish at once.
            let busy = Set(flows.map(\.move))
            let finishedNow = active.indices.filter { !busy.contains($0) }
            if !finishedNow.isEmpty {
                let keep = active.indices.filter { busy.contains($0) }
                var remap: [Int: Int] = [:]
                for (n, o) in keep.enumerated() { remap[o] = n }
                active = keep.map { active[$0] }
                flows = flows.compactMap { f in
                    remap[f.move].map { Flow(move: $0, receiver: f.receiver, sender: f.sender, left: f.left) }
                }
                continue
            }
            if flows.isEmpty && pending.isEmpty { break }
            guardSteps += 1
            if flows.isEmpty || guardSteps > 1_000_000 { break }
            var inCount: [BrokerID: Int] = [:], outCount: [BrokerID: Int] = [:]
            for f in flows {
                inCount[f.receiver, default: 0] += 1
                if let s = f.sender { outCount[s, default: 0] += 1 }
            }
            // Each copy's net speed: its share of the throttle less what producers add meanwhile.
            let speeds = flows.map { f -> Double in
                let i = rate / Double(inCount[f.receiver] ?? 1)
                let o = f.sender.map { rate / Double(outCount[$0] ?? 1) } ?? rate
                return active[f.move].catchUpSpeed(at: min(i, o))
            }
            var untilAnEnd = Double.infinity
            for (k, f) in flows.enumerated() where speeds[k] > 0 { untilAnEnd = min(untilAnEnd, f.left / speeds[k]) }
            guard untilAnEnd.isFinite else {
                // Every copy still running is held below its produce rate by the others: none ends.
                neverCatchUp += active.map(\.tp) + pending.map(\.tp)
                break
            }
            let dt = min(poll ?? Double.infinity, untilAnEnd)
            now += dt
            for k in flows.indices where speeds[k] > 0 { flows[k].left -= speeds[k] * dt }
            if poll != nil {
                reading = MoveScheduler.Reading()
                for (k, f) in flows.enumerated() {
                    let m = active[f.move]
                    reading.held[m.tp, default: [:]][f.receiver] = Int64(Double(m.bytes) - max(0, f.left))
                    reading.rateIn[f.receiver, default: 0] += speeds[k]
                    if let s = f.sender { reading.rateOut[s, default: 0] += speeds[k] }
                }
            }
            flows.removeAll { $0.left <= 1e-6 }
        }
        var estimate = RunEstimate(waves: waves, seconds: now, bytes: bytes, lowerBoundSeconds: bound)
        estimate.neverCatchUp = neverCatchUp.sorted()
        return estimate
    }

    /// max over brokers of the seconds of the copies into it, or sent from it, at the throttle
    /// (`TransferBound`, the one computation).
    public static func lowerBound(moves: [Move], throttle: Int64?) -> Double {
        TransferBound(moves: moves).seconds(throttle: throttle)
    }
}

/// What a set of moves copies through each broker, and the bound no schedule beats: max over
/// brokers of (bytes copied into it, bytes it sends as the copies' source) / throttle. Kafka
/// throttles a copy twice, at the follower's ingress (follower rate) and at the leader's egress
/// (leader rate), so a broker taking in or sending out B bytes under throttle T needs B / T
/// seconds however the moves are paced. The one place this is computed: the dry run's estimate,
/// a scale operation's transfer estimate, the demo's benchmark and `kscale rehearse`.
public struct TransferBound: Sendable, Hashable {
    public struct BrokerBytes: Sendable, Hashable {
        public var broker: BrokerID
        /// Bytes of the new replicas it receives.
        public var bytesIn: Int64
        /// Bytes it sends as the source of new replicas (the leader, when it stays).
        public var bytesOut: Int64
        /// Bytes of the replicas that leave it (freed, not sent: no throttle is spent on them).
        public var bytesLeaving: Int64
        /// It receives or sends a copy (of any size, 0 included).
        public var copies: Bool

        /// The larger of what it takes in and what it sends.
        public var busiest: Int64 { max(bytesIn, bytesOut) }
    }

    /// Which of a broker's two throttled flows sets its time.
    public enum Direction: String, Sendable, Hashable, Codable {
        case into = "in", out
    }

    /// Every broker that receives, sends or loses a replica, by id.
    public var brokers: [BrokerBytes]
    /// Per broker, the copies it receives and sends (one per new replica), for the bound's seconds.
    private var copiesIn: [BrokerID: [Move]]
    private var copiesOut: [BrokerID: [Move]]

    public init(moves: [Move]) {
        var flows: [BrokerID: BrokerBytes] = [:]
        func update(_ broker: BrokerID, _ change: (inout BrokerBytes) -> Void) {
            var entry = flows[broker] ?? BrokerBytes(broker: broker, bytesIn: 0, bytesOut: 0, bytesLeaving: 0, copies: false)
            change(&entry)
            flows[broker] = entry
        }
        var into: [BrokerID: [Move]] = [:], out: [BrokerID: [Move]] = [:]
        for move in moves {
            for broker in move.adding {
                update(broker) { $0.bytesIn += move.bytes; $0.copies = true }
                into[broker, default: []].append(move)
            }
            if let sender = move.sender {
                update(sender) { $0.bytesOut += move.copyBytes; $0.copies = true }
                out[sender, default: []].append(contentsOf: Array(repeating: move, count: move.adding.count))
            }
            for broker in move.removing { update(broker) { $0.bytesLeaving += move.bytes } }
        }
        brokers = flows.values.sorted { $0.broker < $1.broker }
        copiesIn = into
        copiesOut = out
    }

    /// The broker whose bytes set the bound, and which flow: the most bytes in or out (the lower
    /// id on a tie); nil when nothing is copied.
    public var limiting: (broker: BrokerID, direction: Direction, bytes: Int64)? {
        var best: (broker: BrokerID, direction: Direction, bytes: Int64)?
        for entry in brokers where entry.busiest > 0 && entry.busiest > (best?.bytes ?? 0) {
            best = (entry.broker, entry.bytesIn >= entry.bytesOut ? .into : .out, entry.busiest)
        }
        return best
    }

    /// The bound in seconds at `throttle` bytes per second per broker; 0 unthrottled (unknown).
    /// A broker's copies in (or out) share its throttle, and each copy must move its bytes plus
    /// what is produced while it runs, so the broker needs at least the sum of their
    /// `Move.copySeconds(at: throttle)`. Without produce rates this is its bytes / throttle. A copy
    /// that never catches up (`RunEstimate.neverCatchUp`) is left out.
    public func seconds(throttle: Int64?) -> Double {
        guard let throttle, throttle > 0 else { return 0 }
        let rate = Double(throttle)
        func total(_ copies: [Move]) -> Double {
            copies.reduce(0) { sum, move in
                let seconds = move.copySeconds(at: rate)
                return seconds.isFinite ? sum + seconds : sum
            }
        }
        return max(copiesIn.values.map(total).max() ?? 0, copiesOut.values.map(total).max() ?? 0)
    }

    /// The same bound with "out of a broker" read as the replicas leaving it instead of what it
    /// sends: the demo's second reading. Not a bound on a run (a leaving replica costs no
    /// throttle); it shows how far a plan's sources are from its senders.
    public func leavingSeconds(throttle: Int64?) -> Double {
        guard let throttle, throttle > 0 else { return 0 }
        let worst = brokers.map { max($0.bytesIn, $0.bytesLeaving) }.max() ?? 0
        return Double(worst) / Double(throttle)
    }
}

extension Move {
    /// Seconds one new replica takes to catch up when copied at `rate` bytes per second: the
    /// copy gains on the leader at the rate less the produce rate (what is written meanwhile must
    /// be copied too), so it ends after bytes / (rate - produceRate); infinite when the partition
    /// is written at `rate` or faster and the copy never catches up. The one formula of a copy's
    /// time: the dry run's simulation and `TransferBound` both use it.
    public func copySeconds(at rate: Double) -> Double {
        guard bytes > 0 else { return 0 }
        let gain = catchUpSpeed(at: rate)
        return gain > 0 ? Double(bytes) / gain : .infinity
    }

    /// How fast a copy at `rate` bytes per second gains on the leader: the rate less the produce rate.
    public func catchUpSpeed(at rate: Double) -> Double { rate - Double(produceRate) }
}

/// What a plan copies per broker, and how long it takes at a run's throttle and pacing: what a
/// scale operation's dry run shows before anything moves.
public struct TransferEstimate: Sendable, Hashable, Codable {
    public struct BrokerTraffic: Sendable, Hashable, Codable {
        public var broker: BrokerID
        /// Bytes of the new replicas it receives.
        public var bytesIn: Int64
        /// Bytes it sends as the source of new replicas (the leader, when it stays).
        public var bytesOut: Int64

        enum CodingKeys: String, CodingKey {
            case broker, bytesIn = "bytes_in", bytesOut = "bytes_out"
        }
    }

    /// Nil: unthrottled (durations unknown).
    public var throttle: Int64?
    /// The run simulated with its pacing, and the bound no schedule beats.
    public var seconds: Double
    public var lowerBoundSeconds: Double
    public var brokers: [BrokerTraffic]

    public init(moves: [Move], throttle: Int64?, scheduler: MoveScheduler, order: MoveOrder) {
        let run = RunEstimate.simulate(moves: moves, throttle: throttle, scheduler: scheduler, order: order)
        self.throttle = throttle
        seconds = run.seconds
        lowerBoundSeconds = run.lowerBoundSeconds
        brokers = TransferBound(moves: moves).brokers.filter(\.copies).map {
            BrokerTraffic(broker: $0.broker, bytesIn: $0.bytesIn, bytesOut: $0.bytesOut)
        }
    }

    enum CodingKeys: String, CodingKey {
        case throttle, seconds, lowerBoundSeconds = "lower_bound_seconds", brokers
    }
}
