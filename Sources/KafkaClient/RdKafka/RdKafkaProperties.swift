import Foundation
import KScaleCore

/// Translates the client properties operators already have (a `--command-config` file written for
/// Kafka's Java tools, or for librdkafka) into librdkafka's names, so one file feeds both transports.
///
/// Names librdkafka knows pass through unchanged; the Java spellings are mapped; Java-only settings
/// with no librdkafka meaning (JKS store types, timeouts of the Java admin client) are dropped; a JKS
/// truststore is refused with the fix, since librdkafka reads PEM. Errors never echo a value, because
/// values include passwords.
public enum RdKafkaProperties {
    /// Java names that mean nothing to librdkafka and are safe to ignore.
    static let javaOnly: Set<String> = [
        "default.api.timeout.ms", "ssl.truststore.type", "ssl.keystore.type", "ssl.truststore.password",
        "sasl.login.class", "sasl.client.callback.handler.class", "ssl.protocol", "ssl.enabled.protocols",
        "ssl.trustmanager.algorithm", "ssl.keymanager.algorithm", "ssl.secure.random.implementation",
    ]

    public static func translate(_ properties: [String: String]) throws -> [String: String] {
        var out: [String: String] = [:]
        for (name, value) in properties {
            switch name {
            case "sasl.mechanism":
                out["sasl.mechanisms"] = value
            case "sasl.jaas.config":
                let creds = try jaasCredentials(value)
                if let user = creds.username { out["sasl.username"] = user }
                if let password = creds.password { out["sasl.password"] = password }
            case "ssl.truststore.location":
                let type = (properties["ssl.truststore.type"] ?? "JKS").uppercased()
                guard type == "PEM" else {
                    throw InvalidInput("ssl.truststore.location is a \(type) truststore, which librdkafka cannot read: "
                        + "export the CA certificate as PEM and set ssl.ca.location")
                }
                out["ssl.ca.location"] = value
            case "ssl.keystore.location":
                let type = (properties["ssl.keystore.type"] ?? "JKS").uppercased()
                switch type {
                case "PKCS12": out["ssl.keystore.location"] = value
                case "PEM": out["ssl.certificate.location"] = value
                default:
                    throw InvalidInput("ssl.keystore.location is a \(type) keystore, which librdkafka cannot read: "
                        + "use PKCS12, or set ssl.certificate.location and ssl.key.location (PEM)")
                }
            case "ssl.endpoint.identification.algorithm":
                out[name] = value.isEmpty ? "none" : value.lowercased()
            case _ where javaOnly.contains(name):
                continue
            default:
                out[name] = value
            }
        }
        // An explicit librdkafka name wins over one derived from a Java spelling.
        for explicit in ["sasl.mechanisms", "sasl.username", "sasl.password", "ssl.ca.location"] {
            if let v = properties[explicit] { out[explicit] = v }
        }
        return out
    }

    /// Pulls `username="..."` and `password="..."` out of a JAAS line such as
    /// `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p";`.
    static func jaasCredentials(_ jaas: String) throws -> (username: String?, password: String?) {
        func field(_ key: String) -> String? {
            guard let keyRange = jaas.range(of: "\(key)=\"") else { return nil }
            var value = ""
            var escaped = false
            for ch in jaas[keyRange.upperBound...] {
                if escaped { value.append(ch); escaped = false; continue }
                if ch == "\\" { escaped = true; continue }
                if ch == "\"" { return value }
                value.append(ch)
            }
            return nil
        }
        let user = field("username"), password = field("password")
        guard user != nil || password != nil else {
            throw InvalidInput("sasl.jaas.config has no username=\"...\" password=\"...\" (librdkafka needs them as sasl.username and sasl.password)")
        }
        return (user, password)
    }

    /// Names whose values must never be printed.
    public static func isSecret(_ name: String) -> Bool {
        name.contains("password") || name.contains("secret") || name == "sasl.jaas.config" || name.hasSuffix(".key.pem")
    }
}

extension RdKafkaProperties {
    /// The librdkafka properties for the same `ClientConfig` kscale's own client connects with, so
    /// one `--command-config` feeds both transports. Properties kscale did not interpret pass through
    /// `translate` (producer tuning such as `acks` or `linger.ms`, or librdkafka-only settings).
    public static func from(_ config: ClientConfig) throws -> [String: String] {
        var out = try translate(config.otherProperties)
        out["bootstrap.servers"] = config.bootstrapServers
        out["client.id"] = config.clientID
        out["socket.connection.setup.timeout.ms"] = String(config.connectTimeout.milliseconds)
        out["retry.backoff.ms"] = String(config.retryBackoff.milliseconds)
        out["security.protocol"] = config.security.securityProtocol.rawValue.lowercased()
        if let sasl = config.security.sasl {
            out["sasl.mechanisms"] = sasl.mechanism.rawValue
            out["sasl.username"] = sasl.username
            out["sasl.password"] = sasl.password
        }
        if let tls = config.security.tls {
            if let ca = tls.caFile { out["ssl.ca.location"] = ca }
            if let cert = tls.certificateFile { out["ssl.certificate.location"] = cert }
            if let key = tls.keyFile { out["ssl.key.location"] = key }
            if let password = tls.keyPassword { out["ssl.key.password"] = password }
            out["ssl.endpoint.identification.algorithm"] = tls.verifyHostname ? "https" : "none"
        }
        return out
    }
}

extension RdKafkaAdmin {
    /// An admin client for `config`, with its request timeout.
    public convenience init(config: ClientConfig) throws {
        try self.init(bootstrapServers: nil, properties: try RdKafkaProperties.from(config), timeout: config.requestTimeout)
    }
}

extension RdKafkaProducer {
    /// A producer for `config`; `producerProperties` (librdkafka names) tune it, e.g. `acks=all`.
    public convenience init(config: ClientConfig, producerProperties: [String: String] = [:]) throws {
        let base = try RdKafkaProperties.from(config)
        try self.init(bootstrapServers: nil, properties: base.merging(try RdKafkaProperties.translate(producerProperties)) { _, new in new })
    }
}
