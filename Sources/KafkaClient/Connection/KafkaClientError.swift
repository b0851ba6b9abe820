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
    /// A response whose correlation id is not that of any request waiting on the connection
    /// (`expected` is the waiting request's). The connection is out of step and is closed.
    case wrongCorrelationID(broker: String, api: String, expected: Int32, received: Int32)
    /// A frame too short to hold a response header (the 4-byte correlation id).
    case frameTooShort(broker: String, api: String, size: Int)
    /// A frame size prefix that is negative or above the limit: the port does not speak Kafka
    /// (a TLS listener read as plaintext, an HTTP server).
    case frameSizeInvalid(broker: String, api: String, size: Int32, limit: Int32)
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
        case let .wrongCorrelationID(broker, api, expected, received):
            return "\(broker) answered correlation id \(received) for \(api) request \(expected)"
        case let .frameTooShort(broker, api, size):
            return "\(broker) answered \(api) with a \(size)-byte frame, shorter than a response header (4 bytes)"
        case let .frameSizeInvalid(broker, api, size, limit):
            let what = size < 0 ? "a negative frame size (\(size))" : "a \(size)-byte frame, over the \(limit)-byte limit"
            return "\(broker) answered \(api) with \(what): the port does not speak Kafka (a TLS listener read as plaintext, or another protocol?)"
        case let .unknownBroker(id):
            return "broker \(id) is not in the cluster metadata"
        case .closed:
            return "the admin client is closed"
        }
    }

    /// Worth another attempt (perhaps on another broker): the network, not the request, failed.
    /// An answer that breaks the protocol is not: the broker did answer, and would answer so again.
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
             let .unsupported(broker, _, _), let .authenticationFailed(broker, _), let .malformedResponse(broker, _, _),
             let .wrongCorrelationID(broker, _, _, _), let .frameTooShort(broker, _, _), let .frameSizeInvalid(broker, _, _, _):
            broker
        case let .unknownBroker(id): "broker \(id)"
        case .closed: "the admin client"
        }
    }

    public var isAuthenticationFailure: Bool {
        if case .authenticationFailed = self { true } else { false }
    }
}

/// What went wrong, without the broker the message starts with ("closed the connection during
/// DescribeCluster" from "broker 3 (...) closed the connection during DescribeCluster"), for
/// texts that name the broker already.
func reason(_ error: any Error, after broker: String) -> String {
    let text = "\(error)"
    return text.hasPrefix(broker + " ") ? String(text.dropFirst(broker.count + 1)) : text
}
