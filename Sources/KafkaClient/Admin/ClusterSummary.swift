import KScaleCore

/// What `kscale describe` shows, computed from a `ClusterState` so the CLI only renders it and
/// `--output json` gives scripts the same numbers.
public struct ClusterSummary: Sendable, Codable, Equatable {
    public struct BrokerRow: Sendable, Codable, Equatable {
        public var id: BrokerID
        public var rack: String?
        public var host: String
        public var fenced: Bool
        public var replicas: Int
        public var leaders: Int
        /// Sum of this broker's replica sizes (DescribeLogDirs), nil when it did not answer.
        public var bytes: Int64?
        public var diskUsedPercent: Double?
        /// Partitions moving onto or off this broker.
        public var reassignmentsInFlight: Int
        public var isController: Bool
    }

    public struct TopicRow: Sendable, Codable, Equatable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        public var bytes: Int64
        public var underReplicated: Int
        public var offline: Int
    }

    public var clusterID: String?
    public var controllerID: BrokerID?
    public var brokers: [BrokerRow]
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
        case clusterID = "cluster_id", controllerID = "controller_id", brokers, topics
        case partitionCount = "partitions", replicaCount = "replicas", totalBytes = "total_bytes"
        case underReplicated = "under_replicated", underMinISR = "under_min_isr", offline
        case reassignmentsInFlight = "reassignments_in_flight", warnings
    }
}

extension ClusterSummary.BrokerRow {
    enum CodingKeys: String, CodingKey {
        case id, rack, host, fenced, replicas, leaders, bytes
        case diskUsedPercent = "disk_used_percent", reassignmentsInFlight = "reassignments_in_flight", isController = "controller"
    }
}

extension ClusterSummary.TopicRow {
    enum CodingKeys: String, CodingKey {
        case name, partitions, bytes, offline
        case replicationFactor = "replication_factor", underReplicated = "under_replicated"
    }
}

extension ClusterState {
    public var summary: ClusterSummary {
        let sizes = partitionSizes
        var replicas: [BrokerID: Int] = [:], leaders: [BrokerID: Int] = [:], moving: [BrokerID: Int] = [:]
        var topicRows: [ClusterSummary.TopicRow] = []
        var under = 0, underMin = 0, offline = 0, partitionCount = 0, replicaCount = 0
        var total: Int64 = 0
        for t in topics {
            var row = ClusterSummary.TopicRow(name: t.name, partitions: t.partitions.count,
                                              replicationFactor: t.partitions.map(\.replicas.count).max() ?? 0, bytes: 0, underReplicated: 0, offline: 0)
            for p in t.partitions {
                partitionCount += 1
                replicaCount += p.replicas.count
                for r in p.replicas { replicas[r, default: 0] += 1 }
                if let l = p.leader { leaders[l, default: 0] += 1 } else { row.offline += 1 }
                if p.isr.count < p.replicas.count { row.underReplicated += 1 }
                if let min = minInsyncReplicas[t.name], p.isr.count < min { underMin += 1 }
                let size = sizes[TopicPartition(t.name, p.partition)] ?? 0
                row.bytes += size
            }
            under += row.underReplicated
            offline += row.offline
            total += row.bytes
            topicRows.append(row)
        }
        for r in reassignments.values {
            for b in Set(r.adding + r.removing) { moving[b, default: 0] += 1 }
        }
        var bytesByBroker: [BrokerID: Int64] = [:], diskUsed: [BrokerID: Double] = [:]
        for b in logDirs {
            let dirs = b.dirs.filter { $0.error == nil }
            bytesByBroker[b.broker] = dirs.reduce(0) { $0 + $1.replicas.filter { !$0.isFuture }.reduce(0) { $0 + $1.size } }
            let totals = dirs.compactMap(\.totalBytes).reduce(0, +), usable = dirs.compactMap(\.usableBytes).reduce(0, +)
            if totals > 0, dirs.allSatisfy({ $0.totalBytes != nil && $0.usableBytes != nil }) {
                diskUsed[b.broker] = Double(totals - usable) * 100 / Double(totals)
            }
        }
        let rows = description.brokers.map { b in
            ClusterSummary.BrokerRow(id: b.id, rack: b.rack, host: b.address, fenced: b.fenced, replicas: replicas[b.id] ?? 0,
                                     leaders: leaders[b.id] ?? 0, bytes: bytesByBroker[b.id], diskUsedPercent: diskUsed[b.id],
                                     reassignmentsInFlight: moving[b.id] ?? 0, isController: b.id == description.controllerID)
        }
        return ClusterSummary(
            clusterID: description.clusterID, controllerID: description.controllerID, brokers: rows.sorted { $0.id < $1.id },
            topics: topicRows.sorted { $0.bytes != $1.bytes ? $0.bytes > $1.bytes : $0.name < $1.name },
            partitionCount: partitionCount, replicaCount: replicaCount, totalBytes: total,
            underReplicated: under, underMinISR: underMin, offline: offline,
            reassignmentsInFlight: reassignments.count, warnings: warnings)
    }
}
