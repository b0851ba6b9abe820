import KScaleCore

/// Turns successive polls into a rate and stall reports. A partition stalls when the bytes it still
/// has to copy (leader size minus each new replica's size) stop reaching a new low for the timeout:
/// with producers writing, a copy that merely keeps pace with ingest is as stuck as one that stopped.
struct ProgressTracker {
    struct Sample {
        var gap: Int64
        var leaderSize: Int64
        var offline: [BrokerID]
        var notInISR: [BrokerID]
    }
    private struct Watch {
        var best: Int64
        var since: Double
        var reported: Bool
        var firstLeaderSize: Int64
        var firstSeen: Double
        var lastGap: Int64
    }

    private var history: [(Double, Int64)] = []
    private var watches: [TopicPartition: Watch] = [:]
    /// Window for the rate, in the run's clock seconds.
    var window = 60.0

    /// Bytes per second over the window; nil until two samples exist.
    var rate: Double? {
        guard let first = history.first, let last = history.last, last.0 > first.0 else { return nil }
        return Double(last.1 - first.1) / (last.0 - first.0)
    }

    mutating func update(now: Double, copied: Int64, partitions: [TopicPartition: Sample], timeout: Double, throttle: Int64?) -> (new: [Stall], all: [Stall]) {
        history.append((now, copied))
        while let first = history.first, now - first.0 > window, history.count > 2 { history.removeFirst() }
        var new: [Stall] = []
        var all: [Stall] = []
        for tp in watches.keys where partitions[tp] == nil { watches[tp] = nil }
        for (tp, s) in partitions.sorted(by: { $0.key < $1.key }) {
            var w = watches[tp] ?? Watch(best: s.gap, since: now, reported: false, firstLeaderSize: s.leaderSize, firstSeen: now, lastGap: s.gap)
            if s.gap < w.best {
                w.best = s.gap
                w.since = now
                w.reported = false
            }
            let idle = now - w.since
            if idle >= timeout {
                let stall = Stall(partition: tp, reason: Self.cause(s, watch: w, now: now, throttle: throttle), seconds: idle)
                all.append(stall)
                if !w.reported {
                    new.append(stall)
                    w.reported = true
                }
            }
            w.lastGap = s.gap
            watches[tp] = w
        }
        return (new, all)
    }

    private static func cause(_ s: Sample, watch w: Watch, now: Double, throttle: Int64?) -> String {
        if let b = s.offline.first { return "target broker \(b) is offline" }
        if s.gap == 0, let b = s.notInISR.first { return "broker \(b) has copied the data but is not joining the ISR" }
        let elapsed = now - w.firstSeen
        let ingest = elapsed > 0 ? Double(s.leaderSize - w.firstLeaderSize) / elapsed : 0
        if ingest > 0, s.gap >= w.best {
            let t = throttle.map { ByteUnits.formatRate($0) } ?? "the replication rate"
            return "throttle \(t) is below the partition's ingest rate (about \(ByteUnits.formatRate(Int64(ingest))))"
        }
        if let b = s.notInISR.first { return "no bytes copied to broker \(b); check its logs and the leader's" }
        return "no progress"
    }
}
