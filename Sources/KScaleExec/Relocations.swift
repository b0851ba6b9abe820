import KScaleCore

/// Replicas a plan takes from one broker to another, counted per broker pair: what a reviewer
/// reads as "12 replicas (40 GB) go from broker 3 to broker 7".
///
/// Within one move the brokers that lose a replica are paired with the brokers that gain one in
/// the order they appear in the current and the target replica lists. A move that grows the
/// replication factor adds replicas with no source broker (`from` nil); one that shrinks it drops
/// replicas with no destination (`to` nil).
public struct ReplicaRelocation: Sendable, Hashable, Codable {
    /// The broker that gives up the replica; nil for a replica the plan adds.
    public var from: BrokerID?
    /// The broker that gets the replica; nil for a replica the plan drops.
    public var to: BrokerID?
    public var replicas: Int
    /// Bytes of those replicas (one replica's size each).
    public var bytes: Int64

    public init(from: BrokerID?, to: BrokerID?, replicas: Int, bytes: Int64) {
        self.from = from
        self.to = to
        self.replicas = replicas
        self.bytes = bytes
    }

    /// The relocations of `moves`, one per broker pair, ordered by source then destination
    /// broker (added replicas first, dropped ones last).
    public static func of(_ moves: [Move]) -> [ReplicaRelocation] {
        struct Pair: Hashable { var from: BrokerID?; var to: BrokerID? }
        var counts: [Pair: (replicas: Int, bytes: Int64)] = [:]
        for move in moves {
            let losing = move.removing, gaining = move.adding
            for slot in 0..<max(losing.count, gaining.count) {
                let pair = Pair(from: slot < losing.count ? losing[slot] : nil, to: slot < gaining.count ? gaining[slot] : nil)
                let sofar = counts[pair] ?? (0, 0)
                counts[pair] = (sofar.replicas + 1, sofar.bytes + move.bytes)
            }
        }
        // nil sorts before every broker as a source and after every broker as a destination.
        let sourceKey = { (pair: Pair) -> Int64 in pair.from.map(Int64.init) ?? Int64.min }
        let destinationKey = { (pair: Pair) -> Int64 in pair.to.map(Int64.init) ?? Int64.max }
        return counts.keys.sorted {
            sourceKey($0) != sourceKey($1) ? sourceKey($0) < sourceKey($1) : destinationKey($0) < destinationKey($1)
        }.map { pair in
            let count = counts[pair] ?? (0, 0)
            return ReplicaRelocation(from: pair.from, to: pair.to, replicas: count.replicas, bytes: count.bytes)
        }
    }
}
