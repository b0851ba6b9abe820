/// The snapshot in dense, flat arrays: broker and partition indices instead of ids and names, so
/// the planner's hot loops touch contiguous memory and never hash a string.
///
/// A "slot" is one replica position of one partition; `replicas[slot]` is the broker index that
/// holds it now and `original[slot]` the one that held it in the snapshot.
struct Layout {
    /// Broker index -> id, ascending, so indices order brokers the way operators read them.
    var brokerIDs: [BrokerID]
    var rackNames: [String?]
    /// Dense rack index per broker (all 0 when the plan ignores racks).
    var rack: [Int]
    var isTarget: [Bool]
    /// False for brokers that keep what they hold but take no new replica (`PlanRequest.keepOff`).
    var acceptsNew: [Bool]
    /// Distinct racks among the target brokers: what a partition's spread is judged against.
    var targetRackCount: Int

    /// Partition index -> (topic, partition), in topic-name then partition order.
    var names: [TopicPartition]
    /// First slot of each partition; `start[p + 1] - start[p]` is its replication factor.
    var start: [Int]
    var slotPartition: [Int32]
    var replicas: [Int32]
    var original: [Int32]
    var size: [Int64]
    /// False for partitions of excluded topics: they stay exactly as they are.
    var movable: [Bool]

    var brokerCount: Int { brokerIDs.count }
    var partitionCount: Int { names.count }

    func rf(_ p: Int) -> Int { start[p + 1] - start[p] }

    /// How far a replica set is from the rack rule: replicas of a partition on distinct racks
    /// when RF is at most the racks, otherwise spread as evenly as the racks allow. 0 = fine.
    /// `replacing` (a slot of `p`) is read as holding broker `with` instead.
    func rackViolation(_ p: Int, replacing: Int = -1, with broker: Int32 = -1) -> Int {
        let lo = start[p], hi = start[p + 1]
        let n = hi - lo
        let racks = targetRackCount
        if racks <= 1 { return 0 }
        let need = min(n, racks)
        let maxPer = (n + racks - 1) / racks
        var distinct = 0
        var excess = 0
        for i in lo..<hi {
            let ri = rack[Int(i == replacing ? broker : replicas[i])]
            var same = 0
            var firstOfRack = true
            for j in lo..<hi {
                let rj = rack[Int(j == replacing ? broker : replicas[j])]
                if rj == ri {
                    same += 1
                    if j < i { firstOfRack = false }
                }
            }
            if firstOfRack {
                distinct += 1
                excess += max(0, same - maxPer)
            }
        }
        return max(0, need - distinct) + excess
    }

    /// Whether `p` already has a replica on `broker` (other than in slot `except`).
    func holds(_ p: Int, _ broker: Int32, except: Int = -1) -> Bool {
        for i in start[p]..<start[p + 1] where i != except && replicas[i] == broker { return true }
        return false
    }

    /// Whether slot `slot` may move to `broker`: no duplicate, a target broker that takes new
    /// replicas (or the slot's own broker in the snapshot), and the rack spread no worse than
    /// `allowedViolation`.
    func canMove(slot: Int, to broker: Int32, allowedViolation: Int = 0) -> Bool {
        guard isTarget[Int(broker)], acceptsNew[Int(broker)] || original[slot] == broker else { return false }
        let p = Int(slotPartition[slot])
        if holds(p, broker, except: slot) { return false }
        return rackViolation(p, replacing: slot, with: broker) <= allowedViolation
    }
}
