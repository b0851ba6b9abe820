import KScaleCore

/// Everything kscale reads about a live cluster in one pass, through `ClusterAdmin` only, so the
/// snapshot command, `describe`, the executor and the lifecycle flows share one reading.
public struct ClusterState: Sendable {
    public var description: ClusterDescription
    public var topics: [TopicDescription]
    public var logDirs: [BrokerLogDirs]
    public var reassignments: [TopicPartition: OngoingReassignment]
    /// Non-default (dynamic) topic configs by topic.
    public var topicConfigs: [String: [String: String]]
    /// Effective `min.insync.replicas` per topic, when the configs were read.
    public var minInsyncReplicas: [String: Int]
    /// Things the reading had to work around (a broker down, a log dir offline).
    public var warnings: [String]

    /// Largest replica size per partition (a lagging follower is smaller; the leader's size is what moves).
    public var partitionSizes: [TopicPartition: Int64] { logDirs.largestReplicaSizes }

    /// The planner's input, with the topics' dynamic configs.
    public var snapshot: ClusterSnapshot {
        ClusterSnapshot(reading: description, topics: topics, logDirs: logDirs, topicConfigs: topicConfigs)
    }
}

/// Reads a `ClusterState` from any `ClusterAdmin`.
public struct ClusterReader: Sendable {
    public let admin: any ClusterAdmin

    public init(admin: any ClusterAdmin) { self.admin = admin }

    /// `withConfigs` also reads topic configs (dynamic overrides and min.insync.replicas).
    public func read(withConfigs: Bool = true) async throws -> ClusterState {
        let description = try await admin.describeCluster()
        let topics = try await admin.describeTopics(nil)
        var warnings: [String] = []
        let registered = Set(description.brokers.map(\.id))
        for id in Set(topics.flatMap { $0.partitions.flatMap(\.replicas) }).subtracting(registered).sorted() {
            warnings.append("broker \(id) holds replicas but is not registered (down?); its replicas' sizes come from the other replicas")
        }
        // One broker down must not stop the reading: its replicas' sizes come from the other replicas.
        for b in description.brokers where b.fenced {
            warnings.append("broker \(b.id) (\(b.address)) is fenced (stopped, or not caught up); its log dirs were not read")
        }
        let admin = self.admin
        let answers = try await withThrowingTaskGroup(of: (BrokerInfo, Result<[BrokerLogDirs], KafkaClientError>).self) { group in
            for b in description.brokers where !b.fenced {
                group.addTask {
                    do { return (b, .success(try await admin.logDirs(brokers: [b.id]))) } catch let e as KafkaClientError { return (b, .failure(e)) }
                }
            }
            var all: [(BrokerInfo, Result<[BrokerLogDirs], KafkaClientError>)] = []
            for try await a in group { all.append(a) }
            return all.sorted { $0.0.id < $1.0.id }
        }
        var logDirs: [BrokerLogDirs] = []
        for (b, answer) in answers {
            switch answer {
            case .success(let dirs): logDirs += dirs
            case .failure(let e): warnings.append("no log dirs from broker \(b.id) (\(b.address)): \(e)")
            }
        }
        for b in logDirs {
            for d in b.dirs {
                if let e = d.error { warnings.append("broker \(b.broker) log dir \(d.path) is offline: \(e.name)") }
            }
        }
        let reassignments = try await admin.listReassignments(nil)
        var topicConfigs: [String: [String: String]] = [:]
        var minISR: [String: Int] = [:]
        if withConfigs, !topics.isEmpty {
            let configs = try await admin.describeConfigs(topics.map { .topic($0.name) })
            for (resource, entries) in configs {
                var dynamic: [String: String] = [:]
                for e in entries {
                    if e.name == "min.insync.replicas", let v = e.value, let n = Int(v) { minISR[resource.name] = n }
                    if e.source == .dynamicTopic, !e.isSensitive, let v = e.value { dynamic[e.name] = v }
                }
                topicConfigs[resource.name] = dynamic
            }
        }
        return ClusterState(description: description, topics: topics, logDirs: logDirs, reassignments: reassignments,
                            topicConfigs: topicConfigs, minInsyncReplicas: minISR, warnings: warnings)
    }
}
