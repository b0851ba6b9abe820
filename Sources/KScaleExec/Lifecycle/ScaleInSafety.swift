import KScaleCore
import KafkaAdmin

/// Why a scale-in must not start. Each reason names the brokers, racks or partitions at fault so
/// the operator knows what to change (remove fewer brokers, add a broker to the rack, free disk).
public struct ScaleInRefusal: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, Codable {
        case unknownBroker = "unknown-broker"
        case replicationFactor = "replication-factor"
        case rack
        case disk
    }
    public var kind: Kind
    public var message: String
    public var description: String { message }
}

/// The rules that refuse a scale-in before anything moves. Pure: they judge an observation.
public enum ScaleInSafety {
    /// Every reason to refuse removing `removing` from the observed cluster; empty means go.
    ///
    /// - RF: the brokers left must be at least the largest replication factor.
    /// - Racks: a partition whose replicas span k racks today needs min(RF, racks) racks after;
    ///   removing every broker of a rack can make that impossible.
    /// - Disk: the bytes leaving the removed brokers must fit in the usable bytes of the brokers
    ///   left (only judged when every remaining broker reports its capacity).
    public static func refusals(removing: Set<BrokerID>, in o: ClusterObservation) -> [ScaleInRefusal] {
        var out: [ScaleInRefusal] = []
        let known = o.registeredBrokers.union(o.offlineBrokers)
        let unknown = removing.subtracting(known).sorted()
        if !unknown.isEmpty {
            out.append(ScaleInRefusal(kind: .unknownBroker,
                                      message: "brokers \(ids(unknown)) are not in the cluster (known: \(ids(known.sorted())))"))
        }
        let remaining = o.cluster.brokers.filter { !removing.contains($0.id) && !$0.fenced }
        let partitions = o.partitions

        // Replication factor.
        let tooBig = partitions.filter { $0.1.replicas.count > remaining.count }
        if !tooBig.isEmpty {
            let rf = tooBig.map { $0.1.replicas.count }.max() ?? 0
            out.append(ScaleInRefusal(kind: .replicationFactor,
                                      message: "only \(remaining.count) brokers would remain, but \(tooBig.count) partitions have replication factor up to \(rf): \(listed(tooBig.map(\.0)))"))
        }

        // Racks: only when the cluster is rack-aware.
        let allRacks = Set(o.cluster.brokers.compactMap(\.rack))
        if !allRacks.isEmpty {
            let racksLeft = Set(remaining.compactMap(\.rack))
            let emptied = allRacks.subtracting(racksLeft).sorted()
            if !emptied.isEmpty {
                let needing = partitions.filter { _, p in
                    let spanned = Set(p.replicas.compactMap { o.rack(of: $0) }).count
                    return min(p.replicas.count, spanned) > racksLeft.count
                }
                if !needing.isEmpty {
                    out.append(ScaleInRefusal(kind: .rack,
                                              message: "removing brokers \(ids(removing.sorted())) empties rack \(emptied.joined(separator: ", ")); \(needing.count) partitions need \(racksLeft.count + 1) or more racks and only \(racksLeft.count) would remain: \(listed(needing.map(\.0)))"))
                }
            }
        }

        // Disk room.
        let sizes = o.partitionSizes
        var toMove: Int64 = 0
        for (tp, p) in partitions {
            toMove += Int64(p.replicas.filter { removing.contains($0) }.count) * (sizes[tp] ?? 0)
        }
        let capacities = remaining.map { o.diskCapacity(of: $0.id) }
        if toMove > 0, !capacities.isEmpty, capacities.allSatisfy({ $0 != nil }) {
            let usable = capacities.compactMap { $0?.usable }.reduce(0, +)
            if toMove > usable {
                out.append(ScaleInRefusal(kind: .disk,
                                          message: "\(ByteUnits.format(toMove)) must move off brokers \(ids(removing.sorted())), but the \(remaining.count) remaining brokers have only \(ByteUnits.format(usable)) usable"))
            }
        }
        return out
    }

    static func ids(_ list: [BrokerID]) -> String { list.map(String.init).joined(separator: ", ") }
}

/// Whether a broker can be stopped without losing data or availability.
public struct BrokerVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    public var broker: BrokerID
    /// Partitions with a replica on the broker, by metadata or by its own log dirs.
    public var replicas: [String]
    public var leaders: [String]
    public var isController: Bool
    public var isSafe: Bool { replicas.isEmpty && leaders.isEmpty && !isController }

    enum CodingKeys: String, CodingKey { case broker, replicas, leaders, isController = "is_controller", safe }

    public init(broker: BrokerID, replicas: [String], leaders: [String], isController: Bool) {
        self.broker = broker
        self.replicas = replicas
        self.leaders = leaders
        self.isController = isController
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        broker = try c.decode(BrokerID.self, forKey: .broker)
        replicas = try c.decode([String].self, forKey: .replicas)
        leaders = try c.decode([String].self, forKey: .leaders)
        isController = try c.decode(Bool.self, forKey: .isController)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(broker, forKey: .broker)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(leaders, forKey: .leaders)
        try c.encode(isController, forKey: .isController)
        try c.encode(isSafe, forKey: .safe)
    }

    /// `broker 4: SAFE TO STOP (0 replicas, 0 leaders, not the controller)` or
    /// `broker 4: NOT SAFE (2 replicas: orders-3, orders-7)`.
    public var description: String {
        if isSafe { return "broker \(broker): SAFE TO STOP (0 replicas, 0 leaders, not the controller)" }
        var reasons: [String] = []
        if !replicas.isEmpty { reasons.append("\(replicas.count) replica\(replicas.count == 1 ? "" : "s"): \(listed(replicas))") }
        if !leaders.isEmpty { reasons.append("\(leaders.count) leader\(leaders.count == 1 ? "" : "s"): \(listed(leaders))") }
        if isController { reasons.append("it is the controller") }
        return "broker \(broker): NOT SAFE (\(reasons.joined(separator: "; ")))"
    }

    /// A broker is judged by everything that still points at it: replica lists (including the
    /// target and removing sides of a move in flight), leadership, the replicas its own log dirs
    /// still hold, and the controller role. Any one of them makes it unsafe.
    public static func judge(_ broker: BrokerID, in o: ClusterObservation) -> BrokerVerdict {
        var replicas = Set<TopicPartition>()
        var leaders: [TopicPartition] = []
        for (tp, p) in o.partitions {
            if p.replicas.contains(broker) { replicas.insert(tp) }
            if p.leader == broker { leaders.append(tp) }
        }
        for (tp, r) in o.reassignments where r.replicas.contains(broker) || r.adding.contains(broker) {
            replicas.insert(tp)
        }
        for b in o.logDirs where b.broker == broker {
            for d in b.dirs { for r in d.replicas { replicas.insert(r.topicPartition) } }
        }
        return BrokerVerdict(broker: broker, replicas: replicas.sorted().map(\.description), leaders: leaders.map(\.description),
                             isController: o.cluster.controllerID == broker)
    }

    /// Exit status for a set of verdicts: 0 only when every broker is safe to stop.
    public static func exitCode(_ verdicts: [BrokerVerdict]) -> Int32 { verdicts.allSatisfy(\.isSafe) ? 0 : 1 }
}
