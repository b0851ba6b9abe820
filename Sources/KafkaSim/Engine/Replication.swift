import KScaleCore

/// Replica catch-up on simulated time.
///
/// Between two events every rate is constant, so progress is integrated exactly: find the earliest
/// moment a lagging replica catches up, move every copy forward to it, let that replica join the
/// ISR (which may complete a reassignment and change who shares a throttle), and repeat.
extension ClusterModel {
    /// One replica copying from its leader during the current step.
    struct Fetch {
        var tp: TopicPartition
        var follower: BrokerID
        var leader: BrokerID
        var leaderThrottled: Bool
        var followerThrottled: Bool
        var rate: Double = 0
    }

    /// The rate each lagging replica copies at right now: the smaller of the leader's egress share
    /// and the follower's ingress share of the broker network (of what client traffic leaves of
    /// a broker's snapshot network capacity, `Engine/Traffic.swift`), and, where the replica is listed in
    /// the topic's throttled replicas and the broker has a throttled rate, that broker's rate split
    /// evenly among all the throttled replicas it is serving.
    func activeFetches() -> [Fetch] {
        var fetches: [Fetch] = []
        for tp in lagging.sorted() {
            guard let topic = topics[tp.topic], let p = topic.partitions[safe: Int(tp.partition)],
                  let leader = p.leader, isAlive(leader) else { continue }
            for follower in p.replicas where p.laggingBytes[follower] != nil && isAlive(follower) {
                fetches.append(Fetch(tp: tp, follower: follower, leader: leader,
                                     leaderThrottled: topic.leaderThrottled.contains(partition: tp.partition, broker: leader),
                                     followerThrottled: topic.followerThrottled.contains(partition: tp.partition, broker: follower)))
            }
        }
        var egress: [BrokerID: Int] = [:], ingress: [BrokerID: Int] = [:]
        var throttledOut: [BrokerID: Int] = [:], throttledIn: [BrokerID: Int] = [:]
        for f in fetches {
            egress[f.leader, default: 0] += 1
            ingress[f.follower, default: 0] += 1
            if f.leaderThrottled { throttledOut[f.leader, default: 0] += 1 }
            if f.followerThrottled { throttledIn[f.follower, default: 0] += 1 }
        }
        let net = settings.brokerNetworkBytesPerSec
        // With network capacities in the snapshot, copies share what client traffic leaves.
        let load = sharesNetwork && !fetches.isEmpty ? clientNetworkLoad() : [:]
        for i in fetches.indices {
            let f = fetches[i]
            let out = sharesNetwork ? copyCapacity(f.leader, inbound: false, load: load) : net
            let into = sharesNetwork ? copyCapacity(f.follower, inbound: true, load: load) : net
            var rate = min(out / Double(egress[f.leader, default: 1]), into / Double(ingress[f.follower, default: 1]))
            if f.leaderThrottled, let limit = throttleRate("leader.replication.throttled.rate", broker: f.leader) {
                rate = min(rate, limit / Double(throttledOut[f.leader, default: 1]))
            }
            if f.followerThrottled, let limit = throttleRate("follower.replication.throttled.rate", broker: f.follower) {
                rate = min(rate, limit / Double(throttledIn[f.follower, default: 1]))
            }
            fetches[i].rate = rate
        }
        return fetches
    }

    /// A broker's effective throttle: its own dynamic value, else the cluster-wide default; nil
    /// when unset (Kafka's Long.MAX_VALUE default means no throttle).
    func throttleRate(_ key: String, broker: BrokerID) -> Double? {
        guard let text = brokers[broker]?.configs[key] ?? clusterDefaults[key], let v = Int64(text),
              v < Int64.max else { return nil }
        return Double(v)
    }

    /// Moves simulated time forward to `t`, copying bytes and applying every catch-up on the way.
    public mutating func advance(to t: Double) {
        // Bounded so a pathological float sequence can never spin forever; each pass either
        // reaches `t` or lets at least one replica catch up.
        var passes = 0
        while time < t, passes < 1_000_000 {
            passes += 1
            let fetches = activeFetches()
            if fetches.isEmpty {
                time = t
                break
            }
            var step = t - time
            for f in fetches {
                guard let p = partition(f.tp), let have = p.laggingBytes[f.follower] else { continue }
                let gap = p.size(at: time) - have
                let closing = f.rate - p.ingestRate
                if gap <= 0 { step = 0; break }
                if closing > 0 { step = min(step, gap / closing) }
            }
            let end = time + step
            for f in fetches {
                withPartition(f.tp) { p in
                    guard let have = p.laggingBytes[f.follower] else { return }
                    p.laggingBytes[f.follower] = min(have + f.rate * step, p.size(at: end))
                }
            }
            time = end
            var caughtUp: [(TopicPartition, BrokerID)] = []
            for f in fetches {
                guard let p = partition(f.tp), let have = p.laggingBytes[f.follower] else { continue }
                // Within a byte (or a billionth of the log) counts as caught up, absorbing float error.
                if p.size(at: time) - have <= max(1, p.size(at: time) * 1e-9) { caughtUp.append((f.tp, f.follower)) }
            }
            for (tp, broker) in caughtUp { joinISR(tp, broker) }
        }
        if time < t { time = t }
        deleteQueuedTopics()
    }

    /// A caught-up replica enters the ISR; a partition with no leader takes it as leader; a
    /// reassignment whose targets are now all in sync completes.
    mutating func joinISR(_ tp: TopicPartition, _ broker: BrokerID) {
        withPartition(tp) { p in
            p.laggingBytes[broker] = nil
            if !p.isr.contains(broker) { p.isr.append(broker) }
            p.partitionEpoch += 1
        }
        refreshLagging(tp)
        completeReassignmentIfDone(tp)
    }
}
