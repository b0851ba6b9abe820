import KScaleCore

/// An error code a broker returned for one API call or one item of it.
public struct KafkaAPIError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int16
    /// Kafka's name for the code, e.g. `NOT_CONTROLLER`.
    public var name: String
    public var message: String?
    /// Which API and broker answered, for messages like "broker 3 (10.0.0.3:9092) rejected DescribeLogDirs: ...".
    public var api: String?
    public var broker: String?

    public init(code: Int16, name: String, message: String? = nil, api: String? = nil, broker: String? = nil) {
        self.code = code
        self.name = name
        self.message = message
        self.api = api
        self.broker = broker
    }

    public var description: String {
        var s = ""
        if let broker { s += "\(broker) " }
        if let api { s += "rejected \(api): " }
        s += name
        if let message, !message.isEmpty { s += " (\(message))" }
        return s
    }
}

/// A failure to reach, authenticate to or understand a broker, as opposed to a broker's answer
/// (`KafkaAPIError`). Every `ClusterAdmin` conformer throws its transport errors as this, so a
/// reader can tolerate one broker down (its log dirs missing) without knowing the transport.
public protocol AdminTransportFailure: Error, Sendable, CustomStringConvertible {
    /// The broker (or bootstrap addresses) that failed, as an operator can find it.
    var failedBroker: String { get }
    /// SASL or TLS refused the client: not a broker being down, and not worth a retry.
    var isAuthenticationFailure: Bool { get }
}

extension KafkaAPIError {
    /// Kafka's UNKNOWN_TOPIC_OR_PARTITION: the topic (or partition) does not exist, e.g. deleted.
    public static let unknownTopicOrPartitionCode: Int16 = 3
    public var isUnknownTopic: Bool { code == Self.unknownTopicOrPartitionCode }
}

extension ClusterAdmin {
    /// Metadata of the topics `names` that exist, and the names the cluster does not have. Kafka
    /// answers a Metadata request naming a deleted topic with UNKNOWN_TOPIC_OR_PARTITION for it, so
    /// on that answer the cluster's topic names are listed and the request asked again for the
    /// ones present (a topic deleted in between is retried, at most `existingTopicAttempts` times).
    public func describeExistingTopics(_ names: [String]?) async throws -> (topics: [TopicDescription], missing: Set<String>) {
        guard let names else { return (try await describeTopics(nil), []) }
        var missing: Set<String> = []
        var asked = names
        for attempt in 1...ExistingTopics.attempts {
            do {
                return (try await describeTopics(asked), missing)
            } catch let error as KafkaAPIError where error.isUnknownTopic && attempt < ExistingTopics.attempts {
                let present = Set(try await describeTopics(nil).map(\.name))
                missing.formUnion(asked.filter { !present.contains($0) })
                asked = asked.filter { present.contains($0) }
            }
        }
        return (try await describeTopics(asked), missing)
    }

    /// The names among `names` the cluster has no topic for.
    public func missingTopics(_ names: [String]) async throws -> Set<String> {
        try await describeExistingTopics(names).missing
    }
}

/// How often `describeExistingTopics` asks again when a topic vanishes between its requests.
private enum ExistingTopics {
    static let attempts = 3
}
