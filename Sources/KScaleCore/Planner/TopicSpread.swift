/// How evenly each topic's replicas sit on the brokers of each balance group (goal 4), kept up to
/// date as the mover moves replicas, and what one more or one fewer replica costs.
///
/// A topic's fair share on a broker of group `g` is `total / members` rounded down (`lo`) or up
/// (`hi`), where `total` is what the group holds of the topic after the plan: one replica per
/// partition when racks hold fixed shares, every replica otherwise. The imbalance is the sum over
/// topics and brokers of the squared distance outside `lo...hi`, so one broker holding 8 too
/// many weighs more than eight holding one too many; the costs below are changes in that sum.
/// The mover uses them only to choose between moves it would make anyway, so topic spread never
/// costs a move or a byte of balance that the higher goals need.
struct TopicSpread {
    /// Partition -> dense topic index (partitions come grouped by topic name).
    let topicOf: [Int32]
    /// Replicas of the topic its group holds after the plan; -1 for excluded topics (ignored).
    let total: [Int32]
    /// `count[t * brokers + b]`: replicas of topic `t` on broker `b` now.
    private(set) var count: [Int32]
    let brokers: Int
    private let groupOf: [Int]
    private let groupSize: [Int32]
    private let isTarget: [Bool]

    init(_ L: Layout, group: [Int], groups: [[Int]], rackShares: Bool) {
        var topicOf = [Int32](repeating: 0, count: L.partitionCount)
        var total: [Int32] = []
        var t: Int32 = -1
        var last: String?
        for p in 0..<L.partitionCount {
            if L.names[p].topic != last {
                last = L.names[p].topic
                t += 1
                total.append(L.movable[p] ? 0 : -1)
            }
            topicOf[p] = t
            if L.movable[p] { total[Int(t)] += rackShares ? 1 : Int32(L.rf(p)) }
        }
        let n = L.brokerCount
        var count = [Int32](repeating: 0, count: total.count * n)
        for s in L.replicas.indices {
            count[Int(topicOf[Int(L.slotPartition[s])]) * n + Int(L.replicas[s])] += 1
        }
        self.topicOf = topicOf
        self.total = total
        self.count = count
        self.brokers = n
        self.groupOf = group
        self.groupSize = groups.map { Int32($0.count) }
        self.isTarget = L.isTarget
    }

    var topicCount: Int { total.count }

    @inline(__always) func topic(ofPartition p: Int) -> Int { Int(topicOf[p]) }

    /// Fair share bounds of topic `t` on a broker of group `g`.
    @inline(__always) func bounds(_ t: Int, group g: Int) -> (lo: Int32, hi: Int32) {
        let m = groupSize[g]
        return (total[t] / m, (total[t] + m - 1) / m)
    }

    @inline(__always) func onBroker(_ t: Int, _ b: Int) -> Int32 { count[t * brokers + b] }

    /// Squared distance of `c` outside `lo...hi`.
    @inline(__always) static func off(_ c: Int32, _ lo: Int32, _ hi: Int32) -> Int {
        let d = Int(c > hi ? c - hi : (c < lo ? lo - c : 0))
        return d * d
    }

    /// Cost of one replica of `t` leaving `b` when `b` holds `c` of them.
    @inline(__always) func leaveCost(_ t: Int, _ b: Int, holding c: Int32) -> Int {
        guard isTarget[b], total[t] >= 0 else { return 0 }
        let (lo, hi) = bounds(t, group: groupOf[b])
        return Self.off(c - 1, lo, hi) - Self.off(c, lo, hi)
    }

    /// Cost of one replica of `t` arriving on `d` when `d` holds `c` of them.
    @inline(__always) func arriveCost(_ t: Int, _ d: Int, holding c: Int32) -> Int {
        guard isTarget[d], total[t] >= 0 else { return 0 }
        let (lo, hi) = bounds(t, group: groupOf[d])
        return Self.off(c + 1, lo, hi) - Self.off(c, lo, hi)
    }

    /// Cost of moving one replica of `t` from `from` to `to`.
    @inline(__always) func moveCost(_ t: Int, from: Int, to: Int) -> Int {
        if from == to { return 0 }
        return leaveCost(t, from, holding: onBroker(t, from)) + arriveCost(t, to, holding: onBroker(t, to))
    }

    mutating func move(_ t: Int, from: Int, to: Int) {
        count[t * brokers + from] -= 1
        count[t * brokers + to] += 1
    }

    /// Cost of two moves made one after the other (an exchange), counts left as they were.
    mutating func pairCost(_ t1: Int, _ f1: Int, _ d1: Int, _ t2: Int, _ f2: Int, _ d2: Int) -> Int {
        let first = moveCost(t1, from: f1, to: d1)
        move(t1, from: f1, to: d1)
        let second = moveCost(t2, from: f2, to: d2)
        move(t1, from: d1, to: f1)
        return first + second
    }
}
