import Foundation
import KScaleCore
import KafkaSASL

/// How kscale connects to a cluster: where, how securely, and how patiently.
///
/// Built from `--bootstrap-server` and `--command-config` (see `ClientConfig.load`). Its
/// descriptions redact every secret, so a config can be logged or put in an error message.
public struct ClientConfig: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// `host:port,host:port`, as `--bootstrap-server` takes it.
    public var bootstrapServers: String
    public var security: SecuritySettings
    public var clientID: String
    /// The longest one request may take with all its retries: connecting, waiting for answers
    /// and the pauses between attempts (`request.timeout.ms`, `--request-timeout`). Unlike Kafka's
    /// Java client, where it bounds one attempt, it bounds the call (docs/client.md, "Time budget").
    public var requestTimeout: Duration
    /// Per TCP (and TLS and SASL) connection setup, within the request timeout (`socket.connection.setup.timeout.ms`).
    public var connectTimeout: Duration
    /// How many times a call is retried on a retriable error or a lost connection (`retries`).
    public var retries: Int
    /// The first pause between retries; it doubles each time (`retry.backoff.ms`)...
    public var retryBackoff: Duration
    /// ...up to this (`retry.backoff.max.ms`).
    public var retryBackoffMax: Duration
    /// Properties kscale did not interpret, kept for the librdkafka wrapper. Values may be secret.
    public var otherProperties: [String: String]
    /// The property names the loader reads (Kafka's and librdkafka's spellings), for typo hints.
    public var propertyNamesRead: [String] = []

    public init(
        bootstrapServers: String,
        security: SecuritySettings = .plaintext,
        clientID: String = "kscale",
        requestTimeout: Duration = .seconds(30),
        connectTimeout: Duration = .seconds(10),
        retries: Int = 5,
        retryBackoff: Duration = .milliseconds(100),
        retryBackoffMax: Duration = .seconds(2),
        otherProperties: [String: String] = [:]
    ) {
        self.bootstrapServers = bootstrapServers
        self.security = security
        self.clientID = clientID
        self.requestTimeout = requestTimeout
        self.connectTimeout = connectTimeout
        self.retries = retries
        self.retryBackoff = retryBackoff
        self.retryBackoffMax = retryBackoffMax
        self.otherProperties = otherProperties
    }

    /// The bootstrap list parsed; throws `InvalidInput` naming the bad entry.
    public func bootstrapAddresses() throws -> [HostPort] {
        let entries = bootstrapServers.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw InvalidInput("--bootstrap-server is empty: give host:port[,host:port...]") }
        return try entries.map(HostPort.parse)
    }

    public var description: String {
        var parts = ["bootstrap: \(bootstrapServers)", "security: \(security)", "client.id: \(clientID)",
                     "request timeout: \(requestTimeout)", "connect timeout: \(connectTimeout)",
                     "retries: \(retries)", "retry backoff: \(retryBackoff) to \(retryBackoffMax)"]
        if !otherProperties.isEmpty {
            parts.append("other properties: \(otherProperties.keys.sorted().joined(separator: ", ")) (values not shown)")
        }
        return "ClientConfig(" + parts.joined(separator: "; ") + ")"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}

/// One `host:port`, IPv6 literals in brackets (`[::1]:9092`).
public struct HostPort: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public static func parse(_ text: String) throws -> HostPort {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw InvalidInput("bootstrap server '\(text)' is not [ipv6]:port")
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw InvalidInput("bootstrap server '\(text)' has no port: write host:port, e.g. \(text):9092")
            }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty else { throw InvalidInput("bootstrap server '\(text)' has no host") }
        guard let port = Int(portPart), (1...65535).contains(port) else {
            throw InvalidInput("bootstrap server '\(text)' has a bad port '\(portPart)' (1-65535)")
        }
        return HostPort(host: String(hostPart), port: port)
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// Kafka's `security.protocol`.
public enum SecurityProtocol: String, Sendable, Hashable, CaseIterable {
    case plaintext = "PLAINTEXT"
    case ssl = "SSL"
    case saslPlaintext = "SASL_PLAINTEXT"
    case saslSSL = "SASL_SSL"

    public var usesTLS: Bool { self == .ssl || self == .saslSSL }
    public var usesSASL: Bool { self == .saslPlaintext || self == .saslSSL }
}

/// The transport and authentication settings; `sasl` is set exactly when the protocol uses SASL,
/// `tls` when it uses TLS.
public struct SecuritySettings: Sendable, CustomStringConvertible {
    public var securityProtocol: SecurityProtocol
    public var sasl: SaslSettings?
    public var tls: TLSSettings?

    public init(securityProtocol: SecurityProtocol, sasl: SaslSettings? = nil, tls: TLSSettings? = nil) {
        self.securityProtocol = securityProtocol
        self.sasl = sasl
        self.tls = tls
    }

    public static let plaintext = SecuritySettings(securityProtocol: .plaintext)

    public static func saslPlaintext(_ sasl: SaslSettings) -> SecuritySettings {
        SecuritySettings(securityProtocol: .saslPlaintext, sasl: sasl)
    }

    public var description: String {
        var s = securityProtocol.rawValue
        if let sasl { s += " \(sasl)" }
        if let tls { s += " \(tls)" }
        return s
    }
}

/// A SASL login. The password is never part of any description.
public struct SaslSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var mechanism: SaslMechanism
    public var username: String
    public var password: String

    public init(mechanism: SaslMechanism, username: String, password: String) {
        self.mechanism = mechanism
        self.username = username
        self.password = password
    }

    public var description: String { "sasl(\(mechanism), user: \(username), password: <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["mechanism": mechanism, "username": username, "password": "<redacted>"]) }
}

/// TLS trust and identity, all PEM files. The key password is never part of any description.
public struct TLSSettings: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// CA bundle to trust; nil means the system's trust roots.
    public var caFile: String?
    /// Client certificate (chain) and key for mutual TLS.
    public var certificateFile: String?
    public var keyFile: String?
    public var keyPassword: String?
    /// Checks that the broker's certificate names the host we dialled; Kafka's default since 2.0.
    public var verifyHostname: Bool

    public init(caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil, keyPassword: String? = nil, verifyHostname: Bool = true) {
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.keyPassword = keyPassword
        self.verifyHostname = verifyHostname
    }

    public var description: String {
        var parts = ["ca: \(caFile ?? "system")"]
        if let certificateFile { parts.append("cert: \(certificateFile)") }
        if let keyFile { parts.append("key: \(keyFile)") }
        if keyPassword != nil { parts.append("key password: <redacted>") }
        parts.append("hostname verification: \(verifyHostname ? "on" : "off")")
        return "tls(" + parts.joined(separator: ", ") + ")"
    }

    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["description": description]) }
}
