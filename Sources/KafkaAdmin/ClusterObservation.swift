import KScaleCore

/// Everything kscale knows about a live cluster at one instant: the one reading type, read by one
/// reader (`read(from:parts:topics:)`) and judged by pure rules.
///
/// Reading and judging are split so that every rule (`HealthCheck`, `ScaleInSafety`, the
/// executor's poll, `describe`) is a pure function of this value: the rules are tested on values
/// built by hand, and the live path differs only in where the value came from. The facts the rules
/// share (under-replicated, bytes per broker, disk, min.insync.replicas, per-broker load) are
/// computed once, in `ObservationFacts.swift`.
///
/// A reading that failed in part carries that fact in `gaps`: a broker whose log dirs could not be
/// read, configs DescribeConfigs refused. Every user of the reading says what it could not see
/// instead of taking a missing value for zero.
public struct ClusterObservation: Sendable, Hashable {
    public var cluster: ClusterDescription
    public var topics: [TopicDescription] { didSet { partitionIndex = Self.index(topics) } }
    /// Log dirs of the brokers that answered (empty when `parts` did not include them).
    public var logDirs: [BrokerLogDirs]
    public var reassignments: [TopicPartition: OngoingReassignment]
    /// Effective configs per broker (only the entries the rules use are required).
    public var brokerConfigs: [BrokerID: [ConfigEntry]]
    /// Effective configs per topic, as DescribeConfigs reports them (defaults included).
    public var topicConfigs: [String: [ConfigEntry]]
    /// How the cluster keeps its metadata (DescribeQuorum), when `parts` has `.quorum`.
    public var quorum: MetadataQuorumReading
    /// Finalized feature levels (ApiVersions), when `parts` has `.quorum`; nil when not read.
    public var finalizedFeatures: [String: Int16]?
    /// What was asked for.
    public var parts: ReadParts
    /// What the reading could not see although it was asked for.
    public var gaps: [ReadingGap]
    /// Topics the reading was asked for by name that the cluster does not have (deleted, or never
    /// created): the rest of the reading holds the ones that exist.
    public var missingTopics: Set<String> = []
    /// Each partition's description, by partition (kept in step with `topics`).
    public private(set) var partitionIndex: [TopicPartition: PartitionDescription]

    public init(
        cluster: ClusterDescription,
        topics: [TopicDescription],
        logDirs: [BrokerLogDirs] = [],
        reassignments: [TopicPartition: OngoingReassignment] = [:],
        brokerConfigs: [BrokerID: [ConfigEntry]] = [:],
        topicConfigs: [String: [ConfigEntry]] = [:],
        quorum: MetadataQuorumReading = .notRead,
        finalizedFeatures: [String: Int16]? = nil,
        parts: ReadParts = .all,
        gaps: [ReadingGap] = []
    ) {
        self.cluster = cluster
        self.topics = topics
        self.logDirs = logDirs
        self.reassignments = reassignments
        self.brokerConfigs = brokerConfigs
        self.topicConfigs = topicConfigs
        self.quorum = quorum
        self.finalizedFeatures = finalizedFeatures
        self.parts = parts
        self.gaps = gaps
        partitionIndex = Self.index(topics)
    }

    private static func index(_ topics: [TopicDescription]) -> [TopicPartition: PartitionDescription] {
        var index: [TopicPartition: PartitionDescription] = [:]
        for topic in topics {
            for partition in topic.partitions { index[TopicPartition(topic.name, partition.partition)] = partition }
        }
        return index
    }
}

/// Which parts of the cluster a reading asks for. Metadata (brokers, topics) and the reassignments
/// in flight are always read; the rest costs a request per broker or per topic batch.
public struct ReadParts: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }
    /// DescribeLogDirs of every live broker: sizes, bytes per broker, disk.
    public static let logDirs = ReadParts(rawValue: 1 << 0)
    /// DescribeConfigs of the topics read: min.insync.replicas, throttled replicas, dynamic overrides.
    public static let topicConfigs = ReadParts(rawValue: 1 << 1)
    /// DescribeConfigs of every live broker, one at a time: throttle rates, cordons.
    public static let brokerConfigs = ReadParts(rawValue: 1 << 2)
    /// DescribeQuorum (KRaft's voters and leader; ZooKeeper clusters do not serve it) and the
    /// finalized features (metadata.version): what scale-in, describe and cordons judge by.
    public static let quorum = ReadParts(rawValue: 1 << 3)
    /// Brokers, topics and reassignments only: the executor's poll.
    public static let metadata: ReadParts = []
    public static let all: ReadParts = [.logDirs, .topicConfigs, .brokerConfigs, .quorum]
}

/// Something a reading asked for and could not see.
public enum ReadingGap: Sendable, Hashable, CustomStringConvertible {
    /// A broker holds replicas but is not registered (down): its log dirs and configs are unknown.
    case brokerUnregistered(BrokerID)
    /// A fenced broker is not asked (it is stopped or catching up).
    case brokerFenced(BrokerID, address: String)
    /// A live broker did not answer DescribeLogDirs.
    case logDirs(BrokerID, address: String, reason: String)
    /// A broker reports one of its log dirs offline.
    case logDirOffline(BrokerID, path: String, error: String)
    /// DescribeConfigs of the topics failed: no min.insync.replicas, no topic throttles.
    case topicConfigs(reason: String)
    /// A live broker did not answer DescribeConfigs for itself: its throttle rates and cordon are unknown.
    case brokerConfigs(BrokerID, reason: String)
    /// DescribeQuorum or the features could not be read: which brokers vote, and metadata.version, are unknown.
    case quorum(reason: String)

    public var description: String {
        switch self {
        case let .brokerUnregistered(id):
            "broker \(id) holds replicas but is not registered (down?); its replicas' sizes come from the other replicas"
        case let .brokerFenced(id, address):
            "broker \(id) (\(address)) is fenced (stopped, or not caught up); its log dirs were not read"
        case let .logDirs(id, address, reason):
            "no log dirs from broker \(id) (\(address)): \(reason)"
        case let .logDirOffline(id, path, error):
            "broker \(id) log dir \(path) is offline: \(error)"
        case let .topicConfigs(reason):
            "topic configs could not be read (min.insync.replicas and topic throttles unknown): \(reason)"
        case let .brokerConfigs(id, reason):
            "broker \(id) configs could not be read (its throttle rates and cordon are unknown): \(reason)"
        case let .quorum(reason):
            "the metadata quorum could not be read (which brokers are KRaft voters, and metadata.version, are unknown): \(reason)"
        }
    }
}

extension ClusterObservation {
    /// The one reader. One broker down or refusing does not stop the reading: what it could not
    /// give becomes a gap. `topics` nil reads every topic.
    public static func read(from admin: any ClusterAdmin, parts: ReadParts = .all, topics names: [String]? = nil) async throws -> ClusterObservation {
        let cluster = try await admin.describeCluster()
        // The controller's reassignments before the broker's metadata: a move the controller has
        // finished may not be in the answering broker's metadata yet (brokers apply what the
        // controller commits afterwards), but metadata read after the list is never older than
        // the poll, so a move still listed is never taken for one that ended.
        let reassignments = try await admin.listReassignments(nil)
        let (topics, missing) = try await admin.describeExistingTopics(names)
        var gaps: [ReadingGap] = []
        let registered = Set(cluster.brokers.map(\.id))
        for id in Set(topics.flatMap { $0.partitions.flatMap(\.replicas) }).subtracting(registered).sorted() {
            gaps.append(.brokerUnregistered(id))
        }
        var logDirs: [BrokerLogDirs] = []
        if parts.contains(.logDirs) {
            for broker in cluster.brokers where broker.fenced { gaps.append(.brokerFenced(broker.id, address: broker.address)) }
            let read = try await readLogDirs(of: cluster.brokers.filter { !$0.fenced }, from: admin)
            logDirs = read.dirs
            gaps += read.gaps
        }
        var topicConfigs: [String: [ConfigEntry]] = [:]
        if parts.contains(.topicConfigs), !topics.isEmpty {
            do {
                for (resource, entries) in try await admin.describeConfigs(topics.map { .topic($0.name) }) {
                    topicConfigs[resource.name] = entries
                }
            } catch let error as KafkaAPIError {
                gaps.append(.topicConfigs(reason: error.description))
            } catch let error as any AdminTransportFailure where !error.isAuthenticationFailure {
                gaps.append(.topicConfigs(reason: error.description))
            }
        }
        var brokerConfigs: [BrokerID: [ConfigEntry]] = [:]
        if parts.contains(.brokerConfigs) {
            // A broker's configs are answered by that broker: ask each live one on its own, so one
            // that stops answering costs its throttle entries only, not the whole reading.
            let answers = try await perBroker(cluster.brokers.filter { !$0.fenced }) { broker in
                try await admin.describeConfigs([.broker(broker.id)])[.broker(broker.id)] ?? []
            }
            for (broker, answer) in answers {
                switch answer {
                case .success(let entries): brokerConfigs[broker.id] = entries
                case .failure(let failure): gaps.append(.brokerConfigs(broker.id, reason: failure.reason))
                }
            }
        }
        var quorum = MetadataQuorumReading.notRead
        var features: [String: Int16]?
        if parts.contains(.quorum) {
            (quorum, features) = try await readQuorum(from: admin, gaps: &gaps)
        }
        var observation = ClusterObservation(cluster: cluster, topics: topics, logDirs: logDirs, reassignments: reassignments,
                                             brokerConfigs: brokerConfigs, topicConfigs: topicConfigs, quorum: quorum,
                                             finalizedFeatures: features, parts: parts, gaps: gaps)
        observation.missingTopics = missing
        return observation
    }

    /// DescribeQuorum and the finalized features: a cluster that does not serve DescribeQuorum is
    /// in ZooKeeper mode; one that fails to answer is KRaft with its voters unknown (a gap).
    private static func readQuorum(from admin: any ClusterAdmin, gaps: inout [ReadingGap]) async throws
        -> (MetadataQuorumReading, [String: Int16]?) {
        var features: [String: Int16]?
        do {
            features = try await admin.finalizedFeatures()
        } catch let error as KafkaAPIError {
            gaps.append(.quorum(reason: "features: \(error.description)"))
        } catch let error as any AdminTransportFailure where !error.isAuthenticationFailure {
            gaps.append(.quorum(reason: "features: \(error.description)"))
        }
        let reason: String
        do {
            guard let described = try await admin.describeQuorum() else { return (.zookeeper, features) }
            return (.kraft(described), features)
        } catch let error as KafkaAPIError {
            reason = error.description
        } catch let error as any AdminTransportFailure where !error.isAuthenticationFailure {
            reason = error.description
        }
        gaps.append(.quorum(reason: "DescribeQuorum: \(reason)"))
        return (.kraftUnread(reason: reason), features)
    }

    /// DescribeLogDirs of `brokers`, each asked on its own and all at once: a broker that does not
    /// answer, and a log dir a broker reports offline, are gaps, never zeros. The reader above uses
    /// it for every live broker; the executor's progress poll for the brokers its copies touch.
    public static func readLogDirs(of brokers: [BrokerInfo], from admin: any ClusterAdmin) async throws -> (dirs: [BrokerLogDirs], gaps: [ReadingGap]) {
        var dirs: [BrokerLogDirs] = [], gaps: [ReadingGap] = []
        for (broker, answer) in try await perBroker(brokers, { try await admin.logDirs(brokers: [$0.id]) }) {
            switch answer {
            case .success(let answered): dirs += answered
            case .failure(let failure): gaps.append(.logDirs(broker.id, address: broker.address, reason: failure.reason))
            }
        }
        for broker in dirs {
            for dir in broker.dirs {
                if let error = dir.error { gaps.append(.logDirOffline(broker.broker, path: dir.path, error: error.name)) }
            }
        }
        return (dirs, gaps)
    }

    /// Asks every broker at once; a broker error answer or a transport failure is that broker's
    /// result, an authentication failure or anything else stops the reading.
    private static func perBroker<T: Sendable>(_ brokers: [BrokerInfo], _ ask: @escaping @Sendable (BrokerInfo) async throws -> T)
        async throws -> [(BrokerInfo, Result<T, BrokerFailure>)] {
        try await withThrowingTaskGroup(of: (BrokerInfo, Result<T, BrokerFailure>).self) { group in
            for broker in brokers {
                group.addTask {
                    do { return (broker, .success(try await ask(broker))) }
                    catch let error as KafkaAPIError { return (broker, .failure(BrokerFailure(reason: error.description))) }
                    catch let error as any AdminTransportFailure where !error.isAuthenticationFailure {
                        return (broker, .failure(BrokerFailure(reason: error.description)))
                    }
                }
            }
            var all: [(BrokerInfo, Result<T, BrokerFailure>)] = []
            for try await answer in group { all.append(answer) }
            return all.sorted { $0.0.id < $1.0.id }
        }
    }
}

private struct BrokerFailure: Error {
    var reason: String
}

