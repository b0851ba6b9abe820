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
        while true {
            let starting = scheduler.next(pending: pending, inFlight: active)
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
            var dt = Double.infinity
            for (k, f) in flows.enumerated() { dt = min(dt, f.left / speeds[k]) }
            now += dt
            for k in flows.indices { flows[k].left -= speeds[k] * dt }
            flows.removeAll { $0.left <= 1e-6 }
        }
        return RunEstimate(waves: waves, seconds: now, bytes: bytes, lowerBoundSeconds: bound)
    }

    /// max over brokers of (bytes copied into it, bytes sent from it) divided by the throttle.
    public static func lowerBound(moves: [Move], throttle: Int64?) -> Double {
        guard let t = throttle, t > 0 else { return 0 }
        var inB: [BrokerID: Int64] = [:], outB: [BrokerID: Int64] = [:]
        for m in moves {
            for r in m.adding { inB[r, default: 0] += m.bytes }
            if let s = m.sender { outB[s, default: 0] += m.copyBytes }
        }
        let worst = max(inB.values.max() ?? 0, outB.values.max() ?? 0)
        return Double(worst) / Double(t)
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
        var bytesIn: [BrokerID: Int64] = [:], bytesOut: [BrokerID: Int64] = [:]
        for move in moves {
            for broker in move.adding { bytesIn[broker, default: 0] += move.bytes }
            if let sender = move.sender { bytesOut[sender, default: 0] += move.copyBytes }
        }
        self.throttle = throttle
        seconds = run.seconds
        lowerBoundSeconds = run.lowerBoundSeconds
        brokers = Set(bytesIn.keys).union(bytesOut.keys).sorted().map {
            BrokerTraffic(broker: $0, bytesIn: bytesIn[$0] ?? 0, bytesOut: bytesOut[$0] ?? 0)
        }
    }

    enum CodingKeys: String, CodingKey {
        case throttle, seconds, lowerBoundSeconds = "lower_bound_seconds", brokers
    }
}
