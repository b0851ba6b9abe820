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
