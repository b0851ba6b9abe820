import KScaleCore
import KafkaAdmin

/// A failure to reach or talk to a broker, as opposed to a broker's answer (`KafkaAPIError`).
///
/// Every case names the broker (or the bootstrap addresses) and, where there was one, the API,
/// because "connection refused" alone does not tell an operator which of twelve brokers is down.
public enum KafkaClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No bootstrap address answered; each address tried with why it failed.
    case bootstrapFailed(attempts: [String], timeout: Duration)
    case connectFailed(broker: String, reason: String)
    case connectionClosed(broker: String, api: String?)
    case requestTimedOut(broker: String, api: String, timeout: Duration)
    /// The broker does not speak any version of an API kscale needs, or rejects the frame.
    case unsupported(broker: String, api: String, reason: String)
    /// SASL or TLS refused us. Never carries a secret.
    case authenticationFailed(broker: String, reason: String)
    /// Bytes from the broker did not decode.
    case malformedResponse(broker: String, api: String, detail: String)
    /// A broker id that the cluster metadata does not list.
    case unknownBroker(BrokerID)
    case closed

    public var description: String {
        switch self {
        case let .bootstrapFailed(attempts, timeout):
            return "could not connect to any bootstrap server within \(timeout.milliseconds) ms; tried: " + attempts.joined(separator: "; ")
        case let .connectFailed(broker, reason):
            return "cannot connect to \(broker): \(reason)"
        case let .connectionClosed(broker, api):
            return "\(broker) closed the connection" + (api.map { " during \($0)" } ?? "")
        case let .requestTimedOut(broker, api, timeout):
            return "\(broker) did not answer \(api) within \(timeout.milliseconds) ms"
        case let .unsupported(broker, api, reason):
            return "\(broker) does not support \(api): \(reason)"
        case let .authenticationFailed(broker, reason):
            return "authentication with \(broker) failed: \(reason)"
        case let .malformedResponse(broker, api, detail):
            return "\(broker) sent a malformed \(api) response: \(detail)"
        case let .unknownBroker(id):
            return "broker \(id) is not in the cluster metadata"
        case .closed:
            return "the admin client is closed"
        }
    }

    /// Worth another attempt (perhaps on another broker): the network, not the request, failed.
    var isRetriable: Bool {
        switch self {
        case .connectFailed, .connectionClosed, .requestTimedOut: true
        default: false
        }
    }
}

extension KafkaClientError: AdminTransportFailure {
    public var failedBroker: String {
        switch self {
        case let .bootstrapFailed(attempts, _): "bootstrap (\(attempts.joined(separator: "; ")))"
        case let .connectFailed(broker, _), let .connectionClosed(broker, _), let .requestTimedOut(broker, _, _),
             let .unsupported(broker, _, _), let .authenticationFailed(broker, _), let .malformedResponse(broker, _, _):
            broker
        case let .unknownBroker(id): "broker \(id)"
        case .closed: "the admin client"
        }
    }

    public var isAuthenticationFailure: Bool {
        if case .authenticationFailed = self { true } else { false }
    }
}
