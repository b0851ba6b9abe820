/// How evenly each topic's replicas sit on the brokers of each balance group (goal 4), kept up to
/// date as the mover moves replicas, and what one more or one fewer replica costs.
///
/// A topic's fair share on a broker of a group is `total / members` rounded down (`floor`) or
/// up (`ceiling`), where `total` is what the group holds of the topic after the plan: one replica
/// per partition when racks hold fixed shares, every replica otherwise. The imbalance is the sum
/// over topics and brokers of the squared distance outside `floor...ceiling`, so one broker
/// holding 8 too many weighs more than eight holding one too many; the costs below are changes in
/// that sum. The mover uses them only to choose between moves it would make anyway, so topic
/// spread never costs a move or a byte of balance that the higher goals need.
struct TopicSpread {
    /// Partition -> its topic (partitions come grouped by topic name).
    private let topicOfPartition: PerPartition<TopicIndex>
    /// Replicas of the topic its group holds after the plan; -1 for excluded topics (ignored).
    private let total: PerTopic<Int32>
    /// `held[topic * brokerCount + broker]`: replicas of the topic on the broker now.
    private var held: [Int32]
    private let brokerCount: Int
    private let groupOf: PerBroker<GroupIndex>
    private let groupSize: PerGroup<Int32>
    private let isTarget: PerBroker<Bool>

    init(_ layout: Layout, groups: BalanceGroups) {
        var topicOfPartition = PerPartition(repeating: TopicIndex(0), count: layout.partitionCount)
        var total: [Int32] = []
        var topic = -1
        var lastName: String?
        for partition in layout.partitions {
            if layout.names[partition].topic != lastName {
                lastName = layout.names[partition].topic
                topic += 1
                total.append(layout.movable[partition] ? 0 : -1)
            }
            topicOfPartition[partition] = TopicIndex(topic)
            if layout.movable[partition] { total[topic] += groups.racksHoldShares ? 1 : Int32(layout.rf(partition)) }
        }
        let brokerCount = layout.brokerCount
        var held = [Int32](repeating: 0, count: total.count * brokerCount)
        for slot in layout.slots {
            held[topicOfPartition[layout.slotPartition[slot]].position * brokerCount + layout.replicas[slot].position] += 1
        }
        self.topicOfPartition = topicOfPartition
        self.total = PerTopic(total)
        self.held = held
        self.brokerCount = brokerCount
        self.groupOf = groups.groupOf
        self.groupSize = PerGroup(groups.members.values.map { Int32($0.count) })
        self.isTarget = layout.isTarget
    }

    var topicCount: Int { total.count }
    var topics: Range<TopicIndex> { total.indices }

    @inline(__always) func topic(of partition: PartitionIndex) -> TopicIndex { topicOfPartition[partition] }

    /// Whether `topic` belongs to excluded topics, which the spread ignores.
    @inline(__always) func isExcluded(_ topic: TopicIndex) -> Bool { total[topic] < 0 }

    /// Fair share bounds of `topic` on a broker of `group`.
    @inline(__always) func bounds(_ topic: TopicIndex, group: GroupIndex) -> (floor: Int32, ceiling: Int32) {
        let members = groupSize[group]
        return (total[topic] / members, (total[topic] + members - 1) / members)
    }

    /// Replicas of `topic` on `broker` now.
    @inline(__always) func onBroker(_ topic: TopicIndex, _ broker: BrokerIndex) -> Int32 { held[topic.position * brokerCount + broker.position] }

    /// Squared distance of `value` outside `floor...ceiling`.
    @inline(__always) static func squaredExcess(_ value: Int32, _ floor: Int32, _ ceiling: Int32) -> Int {
        let distance = Int(value > ceiling ? value - ceiling : (value < floor ? floor - value : 0))
        return distance * distance
    }

    /// Cost of one replica of `topic` leaving `broker` when `broker` holds `holding` of them.
    @inline(__always) func leaveCost(_ topic: TopicIndex, _ broker: BrokerIndex, holding: Int32) -> Int {
        guard isTarget[broker], !isExcluded(topic) else { return 0 }
        let (floor, ceiling) = bounds(topic, group: groupOf[broker])
        return Self.squaredExcess(holding - 1, floor, ceiling) - Self.squaredExcess(holding, floor, ceiling)
    }

    /// Cost of one replica of `topic` arriving on `broker` when `broker` holds `holding` of them.
    @inline(__always) func arriveCost(_ topic: TopicIndex, _ broker: BrokerIndex, holding: Int32) -> Int {
        guard isTarget[broker], !isExcluded(topic) else { return 0 }
        let (floor, ceiling) = bounds(topic, group: groupOf[broker])
        return Self.squaredExcess(holding + 1, floor, ceiling) - Self.squaredExcess(holding, floor, ceiling)
    }

    /// Cost of moving one replica of `topic` from `source` to `destination`.
    @inline(__always) func moveCost(_ topic: TopicIndex, from source: BrokerIndex, to destination: BrokerIndex) -> Int {
        if source == destination { return 0 }
        return leaveCost(topic, source, holding: onBroker(topic, source)) + arriveCost(topic, destination, holding: onBroker(topic, destination))
    }

    mutating func move(_ topic: TopicIndex, from source: BrokerIndex, to destination: BrokerIndex) {
        held[topic.position * brokerCount + source.position] -= 1
        held[topic.position * brokerCount + destination.position] += 1
    }

    /// Cost of two moves made one after the other (an exchange), counts left as they were.
    mutating func pairCost(_ first: (topic: TopicIndex, from: BrokerIndex, to: BrokerIndex),
                           _ second: (topic: TopicIndex, from: BrokerIndex, to: BrokerIndex)) -> Int {
        let firstCost = moveCost(first.topic, from: first.from, to: first.to)
        move(first.topic, from: first.from, to: first.to)
        let secondCost = moveCost(second.topic, from: second.from, to: second.to)
        move(first.topic, from: first.to, to: first.from)
        return firstCost + secondCost
    }
}
