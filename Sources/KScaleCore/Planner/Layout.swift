/// The snapshot in dense, flat arrays: broker and partition indices instead of ids and names, so
/// the planner's hot loops touch contiguous memory and never hash a string.
///
/// A "slot" is one replica position of one partition; `replicas[slot]` is the broker that holds
/// it now and `original[slot]` the one that held it in the snapshot.
struct Layout {
    /// Broker index -> id, ascending, so indices order brokers the way operators read them.
    var brokerIDs: PerBroker<BrokerID>
    var rackNames: PerBroker<String?>
    /// Dense rack number per broker (all 0 when the plan ignores racks).
    var rack: PerBroker<Int>
    /// `disk_total_bytes` per broker, nil when unknown: bytes are balanced as shares of it when
    /// brokers' disks differ (`diskShareOffsets`).
    var disk: PerBroker<Int64?>
    var isTarget: PerBroker<Bool>
    /// False for brokers that keep what they hold but take no new replica (`PlanRequest.keepOff`).
    var acceptsNew: PerBroker<Bool>
    /// Distinct racks among the target brokers: what a partition's spread is judged against.
    var targetRackCount: Int

    /// Partition index -> (topic, partition), in topic-name then partition order.
    var names: PerPartition<TopicPartition>
    /// First slot of each partition, then the slot count (`partitionCount + 1` entries).
    var firstSlot: [SlotIndex]
    var slotPartition: PerSlot<PartitionIndex>
    var replicas: PerSlot<BrokerIndex>
    var original: PerSlot<BrokerIndex>
    var size: PerPartition<Int64>
    /// False for partitions of excluded topics: they stay exactly as they are.
    var movable: PerPartition<Bool>

    var brokerCount: Int { brokerIDs.count }
    var partitionCount: Int { names.count }
    var brokers: Range<BrokerIndex> { brokerIDs.indices }
    var partitions: Range<PartitionIndex> { names.indices }
    var slots: Range<SlotIndex> { replicas.indices }

    /// The slots of partition `partition`, in replica order (the first is the preferred leader).
    @inline(__always) func slots(of partition: PartitionIndex) -> Range<SlotIndex> { firstSlot[partition.position]..<firstSlot[partition.position + 1] }

    func rf(_ partition: PartitionIndex) -> Int { slots(of: partition).count }

    /// The size of the partition whose replica `slot` is.
    @inline(__always) func size(ofSlot slot: SlotIndex) -> Int64 { size[slotPartition[slot]] }

    /// How far a replica set is from the rack rule: replicas of a partition on distinct racks
    /// when RF is at most the racks, otherwise spread as evenly as the racks allow. 0 = fine.
    /// `replacing` (a slot of `partition`) is read as holding broker `with` instead.
    func rackViolation(_ partition: PartitionIndex, replacing: SlotIndex? = nil, with broker: BrokerIndex? = nil) -> Int {
        let racks = targetRackCount
        if racks <= 1 { return 0 }
        let partitionSlots = slots(of: partition)
        let replicaCount = partitionSlots.count
        let need = min(replicaCount, racks)
        let maxPerRack = (replicaCount + racks - 1) / racks
        @inline(__always) func rackOf(_ slot: SlotIndex) -> Int {
            if slot == replacing, let broker { return rack[broker] }
            return rack[replicas[slot]]
        }
        var distinct = 0
        var excess = 0
        for slot in partitionSlots {
            let slotRack = rackOf(slot)
            var same = 0
            var firstOfRack = true
            for other in partitionSlots where rackOf(other) == slotRack {
                same += 1
                if other < slot { firstOfRack = false }
            }
            if firstOfRack {
                distinct += 1
                excess += max(0, same - maxPerRack)
            }
        }
        return max(0, need - distinct) + excess
    }

    /// Whether `partition` already has a replica on `broker` (other than in slot `except`).
    func holds(_ partition: PartitionIndex, _ broker: BrokerIndex, except: SlotIndex? = nil) -> Bool {
        for slot in slots(of: partition) where slot != except && replicas[slot] == broker { return true }
        return false
    }

    /// Whether slot `slot` may move to `broker`: no duplicate, a target broker that takes new
    /// replicas (or the slot's own broker in the snapshot), and the rack spread no worse than
    /// `allowedViolation`.
    func canMove(slot: SlotIndex, to broker: BrokerIndex, allowedViolation: Int = 0) -> Bool {
        guard isTarget[broker], acceptsNew[broker] || original[slot] == broker else { return false }
        let partition = slotPartition[slot]
        if holds(partition, broker, except: slot) { return false }
        return rackViolation(partition, replacing: slot, with: broker) <= allowedViolation
    }
}
