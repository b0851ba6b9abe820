import KScaleCore

/// The KRaft metadata quorum as DescribeQuorum reports it (KIP-595): the voters of
/// `__cluster_metadata`, the leader among them, and the brokers that follow the log as observers.
public struct SimQuorum: Sendable, Equatable {
    /// The active controller's node id.
    public var leader: BrokerID
    public var leaderEpoch: Int32
    public var highWatermark: Int64
    /// Controller node ids (in combined mode, broker ids).
    public var voters: [BrokerID]
    /// Live brokers that are not voters.
    public var observers: [BrokerID]
    /// Voters that are stopped (combined-mode brokers that were stopped): their log end offset is unknown.
    public var stoppedVoters: Set<BrokerID>
}

extension ClusterModel {
    /// Dedicated controllers (`process.roles=controller`): three nodes, numbered from
    /// `SimDefaults.firstDedicatedControllerID` or above every broker id when brokers use that range.
    var dedicatedControllerIDs: [BrokerID] {
        let first = max(SimDefaults.firstDedicatedControllerID, (brokerOrder.max() ?? 0) + 1)
        return (0..<Int32(SimDefaults.dedicatedControllerCount)).map { first + $0 }
    }

    /// Brokers that are also voters (combined mode): the first `KafkaProfile.combinedVoterCount`
    /// in snapshot order. Empty otherwise.
    public var combinedVoters: [BrokerID] {
        settings.profile.combined ? Array(brokerOrder.prefix(KafkaProfile.combinedVoterCount)) : []
    }

    /// The quorum as its leader reports it; nil in ZooKeeper mode, which has none. Dedicated
    /// controllers are never stopped here and the first leads; in combined mode the controller
    /// broker leads while it is a voter, else the first live voter does (a voter stopped stays a
    /// voter: membership changes only through AddRaftVoter/RemoveRaftVoter, KIP-853).
    public var quorum: SimQuorum? {
        guard settings.profile.mode == .kraft else { return nil }
        let metadataOffset = Int64(topicCounter)
        if settings.profile.combined {
            let voters = combinedVoters
            let live = voters.filter { isAlive($0) }
            let leader = live.contains(controller) ? controller : (live.first ?? -1)
            let observers = brokerOrder.filter { !voters.contains($0) && isAlive($0) }
            return SimQuorum(leader: leader, leaderEpoch: 1, highWatermark: metadataOffset, voters: voters, observers: observers,
                             stoppedVoters: Set(voters.filter { !isAlive($0) }))
        }
        let voters = dedicatedControllerIDs
        return SimQuorum(leader: voters[0], leaderEpoch: 1, highWatermark: metadataOffset, voters: voters,
                         observers: brokerOrder.filter { isAlive($0) }, stoppedVoters: [])
    }

    /// The controller id a broker names in Metadata and DescribeCluster. ZooKeeper: the controller.
    /// KRaft: a random live broker (`KafkaApis` answers `metadataCache.getRandomAliveBrokerId`,
    /// since any broker forwards controller requests, KIP-590), drawn from a seeded sequence so
    /// a test sees the same answers every run.
    public mutating func reportedController() -> BrokerID {
        guard settings.profile.reportsRandomController else { return controller }
        let live = brokerOrder.filter { isAlive($0) }.sorted()
        guard !live.isEmpty else { return -1 }
        controllerDraws += 1
        return live[Int(Self.mix(SimDefaults.controllerDrawSeed &+ controllerDraws) % UInt64(live.count))]
    }

    /// SplitMix64's output function: one well-spread value per draw number.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
