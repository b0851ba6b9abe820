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
    /// max over brokers of (bytes in / throttle, bytes out / throttle): no schedule can beat it.
    public var lowerBoundSeconds: Double

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
                    for r in m.adding { flows.append(Flow(move: idx, receiver: r, sender: m.sender, left: Double(m.bytes))) }
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
                flows = flows.compactMap { f in remap[f.move].map { Flow(move: $0, receiver: f.receiver, sender: f.sender, left: f.left) } }
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
            let speeds = flows.map { f -> Double in
                let i = rate / Double(inCount[f.receiver] ?? 1)
                let o = f.sender.map { rate / Double(outCount[$0] ?? 1) } ?? rate
                return min(i, o)
            }
            var dt = poll ?? Double.infinity
            for (k, f) in flows.enumerated() { dt = min(dt, f.left / speeds[k]) }
            now += dt
            for k in flows.indices { flows[k].left -= speeds[k] * dt }
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
        return RunEstimate(waves: waves, seconds: now, bytes: bytes, lowerBoundSeconds: bound)
    }

    /// max over brokers of (bytes copied into it, bytes sent from it) divided by the throttle
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

    public init(moves: [Move]) {
        var flows: [BrokerID: BrokerBytes] = [:]
        func update(_ broker: BrokerID, _ change: (inout BrokerBytes) -> Void) {
            var entry = flows[broker] ?? BrokerBytes(broker: broker, bytesIn: 0, bytesOut: 0, bytesLeaving: 0, copies: false)
            change(&entry)
            flows[broker] = entry
        }
        for move in moves {
            for broker in move.adding { update(broker) { $0.bytesIn += move.bytes; $0.copies = true } }
            if let sender = move.sender { update(sender) { $0.bytesOut += move.copyBytes; $0.copies = true } }
            for broker in move.removing { update(broker) { $0.bytesLeaving += move.bytes } }
        }
        brokers = flows.values.sorted { $0.broker < $1.broker }
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
    public func seconds(throttle: Int64?) -> Double {
        guard let throttle, throttle > 0 else { return 0 }
        return Double(limiting?.bytes ?? 0) / Double(throttle)
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
