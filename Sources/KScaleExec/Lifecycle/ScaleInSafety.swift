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
        case quorumVoter = "quorum-voter"
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
    /// - Quorum: a KRaft voter (a broker with `process.roles=broker,controller`) is not retired by
    ///   draining its data; removing it needs a controller membership change first (`quorumVoters`).
    public static func refusals(removing: Set<BrokerID>, in o: ClusterObservation) -> [ScaleInRefusal] {
        var out: [ScaleInRefusal] = []
        if let quorum = quorumRefusal(removing: removing, in: o) { out.append(quorum) }
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

    /// What it takes to remove a KRaft voter, as the refusal and the verdict say it (KIP-853).
    static let voterRemoval = "removing a voter needs a controller membership change first (KIP-853: add a controller "
        + "elsewhere with kafka-metadata-quorum add-controller, then kafka-metadata-quorum remove-controller; a static "
        + "quorum changes controller.quorum.voters on every node), or the metadata quorum loses a vote"

    /// Brokers being removed that are KRaft quorum voters, or whose membership is unknown because
    /// DescribeQuorum could not be read.
    static func quorumRefusal(removing: Set<BrokerID>, in o: ClusterObservation) -> ScaleInRefusal? {
        var voters: [BrokerID] = [], unknown: [BrokerID] = [], reason = ""
        for b in removing.sorted() {
            switch o.quorumRole(of: b) {
            case .notVoter: continue
            case .voter: voters.append(b)
            case .unknown(let why):
                unknown.append(b)
                reason = why
            }
        }
        if !voters.isEmpty {
            return ScaleInRefusal(kind: .quorumVoter, message: "brokers \(ids(voters)) are KRaft quorum voters (process.roles=broker,controller): \(voterRemoval)")
        }
        if !unknown.isEmpty {
            return ScaleInRefusal(kind: .quorumVoter, message: "the metadata quorum could not be read (\(reason)), so whether brokers \(ids(unknown)) are KRaft voters is unknown")
        }
        return nil
    }
}

/// Whether a broker can be stopped without losing data or availability.
public struct BrokerVerdict: Sendable, Hashable, Codable, CustomStringConvertible {
    public var broker: BrokerID
    /// Partitions with a replica on the broker, by metadata or by its own log dirs.
    public var replicas: [String]
    public var leaders: [String]
    /// The ZooKeeper controller (a KRaft broker's "controller" id is a random live broker, so on
    /// KRaft this is never set).
    public var isController: Bool
    /// A KRaft quorum voter (combined mode): stopping it costs the quorum a vote.
    public var isQuorumVoter: Bool
    /// Why the broker's quorum membership is unknown (DescribeQuorum failed on a KRaft cluster).
    public var quorumUnknown: String?
    /// Judged on a KRaft cluster: the quorum, not the controller id, decides.
    public var kraft: Bool
    public var isSafe: Bool { replicas.isEmpty && leaders.isEmpty && !isController && !isQuorumVoter && quorumUnknown == nil }

    enum CodingKeys: String, CodingKey {
        case broker, replicas, leaders, isController = "is_controller", isQuorumVoter = "is_quorum_voter",
             quorumUnknown = "quorum_unknown", kraft, safe
    }

    public init(broker: BrokerID, replicas: [String], leaders: [String], isController: Bool, isQuorumVoter: Bool = false,
                quorumUnknown: String? = nil, kraft: Bool = false) {
        self.broker = broker
        self.replicas = replicas
        self.leaders = leaders
        self.isController = isController
        self.isQuorumVoter = isQuorumVoter
        self.quorumUnknown = quorumUnknown
        self.kraft = kraft
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        broker = try c.decode(BrokerID.self, forKey: .broker)
        replicas = try c.decode([String].self, forKey: .replicas)
        leaders = try c.decode([String].self, forKey: .leaders)
        isController = try c.decode(Bool.self, forKey: .isController)
        isQuorumVoter = try c.decodeIfPresent(Bool.self, forKey: .isQuorumVoter) ?? false
        quorumUnknown = try c.decodeIfPresent(String.self, forKey: .quorumUnknown)
        kraft = try c.decodeIfPresent(Bool.self, forKey: .kraft) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(broker, forKey: .broker)
        try c.encode(replicas, forKey: .replicas)
        try c.encode(leaders, forKey: .leaders)
        try c.encode(isController, forKey: .isController)
        try c.encode(isQuorumVoter, forKey: .isQuorumVoter)
        try c.encodeIfPresent(quorumUnknown, forKey: .quorumUnknown)
        try c.encode(kraft, forKey: .kraft)
        try c.encode(isSafe, forKey: .safe)
    }

    /// `broker 4: SAFE TO STOP (0 replicas, 0 leaders, not the controller)` (on KRaft: "not a
    /// quorum voter") or `broker 4: NOT SAFE (2 replicas: orders-3, orders-7)`.
    public var description: String {
        if isSafe { return "broker \(broker): SAFE TO STOP (0 replicas, 0 leaders, \(kraft ? "not a quorum voter" : "not the controller"))" }
        var reasons: [String] = []
        if !replicas.isEmpty { reasons.append("\(replicas.count) replica\(replicas.count == 1 ? "" : "s"): \(listed(replicas))") }
        if !leaders.isEmpty { reasons.append("\(leaders.count) leader\(leaders.count == 1 ? "" : "s"): \(listed(leaders))") }
        if isController { reasons.append("it is the controller") }
        if isQuorumVoter { reasons.append("it is a KRaft quorum voter: \(ScaleInSafety.voterRemoval)") }
        if let quorumUnknown { reasons.append("the metadata quorum could not be read (\(quorumUnknown)): it may be a voter") }
        return "broker \(broker): NOT SAFE (\(reasons.joined(separator: "; ")))"
    }

    /// A broker is judged by everything that still points at it: replica lists (including the
    /// target and removing sides of a move in flight), leadership, the replicas its own log dirs
    /// still hold, the controller role (ZooKeeper mode only: a KRaft broker's controller id is a
    /// random live broker) and a KRaft quorum vote. Any one of them makes it unsafe.
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
        var voter = false, unknown: String?
        switch o.quorumRole(of: broker) {
        case .notVoter: break
        case .voter: voter = true
        case .unknown(let reason): unknown = reason
        }
        return BrokerVerdict(broker: broker, replicas: replicas.sorted().map(\.description), leaders: leaders.map(\.description),
                             isController: o.controllerIDIsMeaningful && o.cluster.controllerID == broker,
                             isQuorumVoter: voter, quorumUnknown: unknown, kraft: o.isKRaft == true)
    }

    /// Exit status for a set of verdicts: 0 only when every broker is safe to stop.
    public static func exitCode(_ verdicts: [BrokerVerdict]) -> Int32 { verdicts.allSatisfy(\.isSafe) ? 0 : 1 }
}
