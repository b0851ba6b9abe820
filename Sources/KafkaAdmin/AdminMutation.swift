import KScaleCore

/// One change `DryRunAdmin` was asked to make, item by item as Kafka answers them: what a dry run
/// would send, or what an executed command sent, with the broker's answer.
///
/// `line` is stable and meant for people ("would send: orders-3: reassign to 4,5,6"); the JSON
/// carries the same change as fields. A dry run and the `--execute` run after it print the same
/// `change` text, so an operator can compare the two lists line by line.
public struct AdminMutation: Sendable, Hashable {
    /// The seam's mutating APIs, by Kafka api key.
    public enum API: Int16, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case createPartitions = 37
        case electLeaders = 43
        case incrementalAlterConfigs = 44
        case alterPartitionReassignments = 45
        case unregisterBroker = 64

        public var description: String {
            switch self {
            case .createPartitions: "CreatePartitions"
            case .electLeaders: "ElectLeaders"
            case .incrementalAlterConfigs: "IncrementalAlterConfigs"
            case .alterPartitionReassignments: "AlterPartitionReassignments"
            case .unregisterBroker: "UnregisterBroker"
            }
        }
    }

    public enum Change: Sendable, Hashable, CustomStringConvertible {
        case reassign(TopicPartition, replicas: [BrokerID])
        case cancelReassignment(TopicPartition)
        case alterConfig(ConfigResource, ConfigChange)
        case createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]]?)
        case electPreferredLeader(TopicPartition)
        /// ElectLeaders naming no partition: every partition not led by its preferred replica.
        case electEveryPreferredLeader
        /// UnregisterBroker: the KRaft controller forgets the broker.
        case unregisterBroker(BrokerID)

        public var api: API {
            switch self {
            case .reassign, .cancelReassignment: .alterPartitionReassignments
            case .alterConfig: .incrementalAlterConfigs
            case .createPartitions: .createPartitions
            case .electPreferredLeader, .electEveryPreferredLeader: .electLeaders
            case .unregisterBroker: .unregisterBroker
            }
        }

        /// `<what>: <action>`, e.g. `broker 4: set leader.replication.throttled.rate=50000000`.
        public var description: String {
            switch self {
            case let .reassign(tp, replicas):
                return "\(tp): reassign to \(Self.list(replicas))"
            case let .cancelReassignment(tp):
                return "\(tp): cancel the reassignment in flight"
            case let .alterConfig(resource, change):
                switch change.operation {
                case .set: return "\(resource): set \(change.name)=\(change.value ?? "")"
                case .delete: return "\(resource): delete \(change.name)"
                case .append: return "\(resource): append \(change.value ?? "") to \(change.name)"
                case .subtract: return "\(resource): subtract \(change.value ?? "") from \(change.name)"
                }
            case let .createPartitions(topic, totalCount, assignments):
                guard let assignments else { return "topic \(topic): grow to \(totalCount) partitions (placed by the broker)" }
                let first = Int(totalCount) - assignments.count
                let placed = assignments.enumerated().map { "\(topic)-\(first + $0.offset): \(Self.list($0.element))" }
                return "topic \(topic): grow to \(totalCount) partitions (\(placed.joined(separator: "; ")))"
            case let .electPreferredLeader(tp):
                return "\(tp): elect the preferred leader"
            case .electEveryPreferredLeader:
                return "every partition: elect the preferred leader"
            case let .unregisterBroker(id):
                return "broker \(id): unregister from the KRaft controller"
            }
        }

        static func list(_ brokers: [BrokerID]) -> String { brokers.map(String.init).joined(separator: ",") }
    }

    public var change: Change
    /// True when the change went to the cluster; false in a dry run (checked or validated only).
    public var sent: Bool
    /// The broker's refusal (or, in a dry run, the refusal validate_only or the metadata predicts).
    public var refusal: KafkaAPIError?

    public init(change: Change, sent: Bool, refusal: KafkaAPIError? = nil) {
        self.change = change
        self.sent = sent
        self.refusal = refusal
    }

    public var api: API { change.api }

    /// `would send: …`, `sent: …`, `would be refused: … (reason)` or `refused: … (reason)`.
    public var line: String {
        switch (sent, refusal) {
        case (false, nil): "would send: \(change)"
        case (true, nil): "sent: \(change)"
        case let (false, refusal?): "would be refused: \(change): \(refusal)"
        case let (true, refusal?): "refused: \(change): \(refusal)"
        }
    }
}

extension AdminMutation: Encodable {
    enum CodingKeys: String, CodingKey {
        case api, change, sent, error, line
        case topic, partition, replicas, resource, config, operation, value
        case totalCount = "total_count"
        case assignments, broker
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(api.description, forKey: .api)
        try c.encode(change.description, forKey: .change)
        try c.encode(sent, forKey: .sent)
        try c.encodeIfPresent(refusal?.description, forKey: .error)
        try c.encode(line, forKey: .line)
        switch change {
        case let .reassign(tp, replicas):
            try c.encode(tp.topic, forKey: .topic)
            try c.encode(tp.partition, forKey: .partition)
            try c.encode(replicas, forKey: .replicas)
        case let .cancelReassignment(tp), let .electPreferredLeader(tp):
            try c.encode(tp.topic, forKey: .topic)
            try c.encode(tp.partition, forKey: .partition)
        case let .alterConfig(resource, change):
            try c.encode(resource.description, forKey: .resource)
            try c.encode(change.name, forKey: .config)
            try c.encode(String(describing: change.operation), forKey: .operation)
            try c.encodeIfPresent(change.value, forKey: .value)
        case let .createPartitions(topic, totalCount, assignments):
            try c.encode(topic, forKey: .topic)
            try c.encode(totalCount, forKey: .totalCount)
            try c.encodeIfPresent(assignments, forKey: .assignments)
        case .electEveryPreferredLeader:
            break
        case let .unregisterBroker(id):
            try c.encode(id, forKey: .broker)
        }
    }
}
