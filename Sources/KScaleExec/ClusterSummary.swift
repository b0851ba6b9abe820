import KScaleCore
import KafkaAdmin

/// What `kscale describe` shows, computed from a `ClusterState` so the CLI only renders it and
/// `--output json` gives scripts the same numbers.
public struct ClusterSummary: Sendable, Codable, Equatable {
    public struct TopicRow: Sendable, Codable, Equatable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        public var bytes: Int64
        public var underReplicated: Int
        public var offline: Int
    }

    public var clusterID: String?
    /// ZooKeeper: the controller. KRaft: the quorum's leader (a controller node, a broker only in
    /// combined mode), never the random broker a KRaft broker names in Metadata.
    public var controllerID: BrokerID?
    /// "zookeeper", "kraft", or nil when the reading could not tell.
    public var metadataMode: String?
    /// KRaft: the quorum's voters (controller node ids); nil elsewhere or when unread.
    public var quorumVoters: [BrokerID]?
    public var brokers: [BrokerLoad]
    public var topics: [TopicRow]
    public var partitionCount: Int
    public var replicaCount: Int
    public var totalBytes: Int64
    public var underReplicated: Int
    public var underMinISR: Int
    public var offline: Int
    public var reassignmentsInFlight: Int
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case clusterID = "cluster_id", controllerID = "controller_id", metadataMode = "metadata_mode",
             quorumVoters = "quorum_voters", brokers, topics
        case partitionCount = "partitions", replicaCount = "replicas", totalBytes = "total_bytes"
        case underReplicated = "under_replicated", underMinISR = "under_min_isr", offline
        case reassignmentsInFlight = "reassignments_in_flight", warnings
    }
}

extension ClusterSummary.TopicRow {
    enum CodingKeys: String, CodingKey {
        case name, partitions, bytes, offline
        case replicationFactor = "replication_factor", underReplicated = "under_replicated"
    }
}

extension ClusterSummary {
    /// `describe`'s numbers, from the shared facts of one observation: the same under-replicated,
    /// min-ISR and per-broker rules as `check`.
    public init(_ o: ClusterObservation) {
        let sizes = o.partitionSizes
        var topicRows: [TopicRow] = []
        var under = 0, underMin = 0, offline = 0, partitionCount = 0, replicaCount = 0
        var total: Int64 = 0
        for topic in o.topics {
            var row = TopicRow(name: topic.name, partitions: topic.partitions.count,
                               replicationFactor: topic.partitions.map(\.replicas.count).max() ?? 0, bytes: 0, underReplicated: 0, offline: 0)
            let minISR = o.minInSyncReplicas(of: topic.name)
            for partition in topic.partitions {
                let tp = TopicPartition(topic.name, partition.partition)
                partitionCount += 1
                replicaCount += partition.replicas.count
                if ClusterObservation.isOffline(partition) { row.offline += 1 }
                if o.isUnderReplicated(tp, partition) { row.underReplicated += 1 }
                if ClusterObservation.isUnderMinISR(partition, minISR) == true { underMin += 1 }
                row.bytes += sizes[tp] ?? 0
            }
            under += row.underReplicated
            offline += row.offline
            total += row.bytes
            topicRows.append(row)
        }
        var warnings = o.warnings
        let unknownMinISR = o.topicsWithUnknownMinISR
        if o.parts.contains(.topicConfigs), !unknownMinISR.isEmpty {
            warnings.append("min.insync.replicas unknown for \(unknownMinISR.count) topics (\(listed(unknownMinISR))): under_min_isr leaves them out")
        }
        var controller = o.cluster.controllerID, voters: [BrokerID]?
        switch o.quorum {
        case .notRead, .zookeeper: break
        case .kraft(let q): (controller, voters) = (q.leaderID, q.voters)
        case .kraftUnread: controller = nil
        }
        let mode = o.isKRaft.map { $0 ? "kraft" : "zookeeper" }
        self.init(clusterID: o.cluster.clusterID, controllerID: controller, metadataMode: mode, quorumVoters: voters, brokers: o.brokerLoads,
                  topics: topicRows.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.name < $1.name },
                  partitionCount: partitionCount, replicaCount: replicaCount, totalBytes: total,
                  underReplicated: under, underMinISR: underMin, offline: offline,
                  reassignmentsInFlight: o.reassignments.count, warnings: warnings)
    }
}
