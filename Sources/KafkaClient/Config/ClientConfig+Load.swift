import Foundation
import KScaleCore
import KafkaSASL

extension ClientConfig {
    /// `--bootstrap-server` plus an optional `--command-config` properties file, read with the
    /// names Kafka's Java tools and librdkafka use. Throws `InvalidInput` naming the file and the
    /// key at fault; secrets never appear in the message.
    public static func load(commandConfig path: String?, bootstrap: String) throws -> ClientConfig {
        guard let path else {
            let c = ClientConfig(bootstrapServers: bootstrap)
            _ = try c.bootstrapAddresses()
            return c
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InvalidInput("cannot read --command-config file \(path): no such file or not readable")
        }
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw InvalidInput("--command-config file \(path) is not text")
        }
        return try parse(properties: text, bootstrap: bootstrap, source: path)
    }

    /// The same from properties text; `source` names it in errors.
    public static func parse(properties text: String, bootstrap: String, source: String = "--command-config") throws -> ClientConfig {
        var props: [String: String] = [:]
        for entry in PropertiesFile.parse(text) { props[entry.key] = entry.value }
        var reader = PropertyReader(props: props, source: source)
        let config = try reader.clientConfig(bootstrap: bootstrap)
        _ = try config.bootstrapAddresses()
        return config
    }
}

/// Consumes known keys one by one, so whatever is left is passed on untouched.
private struct PropertyReader {
    var props: [String: String]
    let source: String
    /// Every name asked for: what a leftover key is compared with, to name a likely typo.
    var asked: Set<String> = []

    mutating func take(_ keys: String...) -> String? {
        asked.formUnion(keys)
        var found: String?
        for k in keys { if let v = props.removeValue(forKey: k), found == nil { found = v } }
        return found
    }

    func fail(_ message: String) -> InvalidInput { InvalidInput("\(source): \(message)") }

    mutating func clientConfig(bootstrap: String) throws -> ClientConfig {
        let fileBootstrap = take("bootstrap.servers", "metadata.broker.list")
        var config = ClientConfig(bootstrapServers: bootstrap.isEmpty ? (fileBootstrap ?? "") : bootstrap)
        if let id = take("client.id") { config.clientID = id }
        if let ms = try milliseconds("request.timeout.ms") { config.requestTimeout = ms }
        if let ms = try milliseconds("socket.connection.setup.timeout.ms") { config.connectTimeout = ms }
        if let ms = try milliseconds("retry.backoff.ms") { config.retryBackoff = ms }
        if let ms = try milliseconds("retry.backoff.max.ms") { config.retryBackoffMax = ms }
        if let r = take("retries") {
            guard let n = Int(r.trimmingCharacters(in: .whitespaces)), n >= 0 else { throw fail("retries must be a non-negative integer, got '\(r)'") }
            config.retries = min(n, 100)
        }
        config.security = try security()
        config.otherProperties = props
        config.propertyNamesRead = asked.sorted()
        return config
    }

    mutating func milliseconds(_ key: String) throws -> Duration? {
        guard let v = take(key) else { return nil }
        guard let n = Int64(v.trimmingCharacters(in: .whitespaces)), n > 0 else { throw fail("\(key) must be a positive number of milliseconds, got '\(v)'") }
        return .milliseconds(n)
    }

    mutating func security() throws -> SecuritySettings {
        let protoText = take("security.protocol") ?? "PLAINTEXT"
        guard let proto = SecurityProtocol(rawValue: protoText.trimmingCharacters(in: .whitespaces).uppercased()) else {
            throw fail("security.protocol '\(protoText)' is not one of \(SecurityProtocol.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let sasl = try saslSettings(for: proto)
        let tls = try tlsSettings(for: proto)
        return SecuritySettings(securityProtocol: proto, sasl: sasl, tls: tls)
    }

    mutating func saslSettings(for proto: SecurityProtocol) throws -> SaslSettings? {
        let mechText = take("sasl.mechanism", "sasl.mechanisms")
        let jaasText = take("sasl.jaas.config")
        let user = take("sasl.username")
        let pass = take("sasl.password")
        guard proto.usesSASL else {
            if mechText != nil || jaasText != nil || user != nil || pass != nil {
                throw fail("SASL settings are given but security.protocol is \(proto.rawValue); use SASL_PLAINTEXT or SASL_SSL")
            }
            return nil
        }
        var jaas: JAASConfig?
        if let jaasText {
            do { jaas = try JAASConfig.parse(jaasText) } catch let e as InvalidInput { throw fail(e.message) }
        }
        let mechanism: SaslMechanism
        if let mechText {
            guard let m = SaslMechanism(name: mechText.trimmingCharacters(in: .whitespaces)) else {
                throw fail("sasl.mechanism '\(mechText)' is not supported; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
            }
            mechanism = m
        } else if jaas?.family == .plain {
            mechanism = .plain
        } else {
            throw fail("security.protocol \(proto.rawValue) needs sasl.mechanism (PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512)")
        }
        if let jaas {
            switch (jaas.family, mechanism.isScram) {
            case (.plain, false), (.scram, true): break
            case (.other, _): throw fail("sasl.jaas.config login module \(jaas.loginModule) is not supported; use PlainLoginModule or ScramLoginModule")
            default: throw fail("sasl.jaas.config uses \(jaas.loginModule) but sasl.mechanism is \(mechanism)")
            }
        }
        guard let username = user ?? jaas?.options["username"], !username.isEmpty else {
            throw fail("SASL needs a username: set sasl.username or username=\"...\" in sasl.jaas.config")
        }
        guard let password = pass ?? jaas?.options["password"], !password.isEmpty else {
            throw fail("SASL needs a password: set sasl.password or password=\"...\" in sasl.jaas.config")
        }
        return SaslSettings(mechanism: mechanism, username: username, password: password)
    }

    mutating func tlsSettings(for proto: SecurityProtocol) throws -> TLSSettings? {
        let ca = take("ssl.ca.location")
        let trustStore = take("ssl.truststore.location")
        let trustType = take("ssl.truststore.type")
        _ = take("ssl.truststore.password")  // PEM trust stores have no password
        var cert = take("ssl.certificate.location")
        var key = take("ssl.key.location")
        let keyPassword = take("ssl.key.password")
        let keyStore = take("ssl.keystore.location")
        let keyStoreType = take("ssl.keystore.type")
        let keyStorePassword = take("ssl.keystore.password")
        let endpoint = take("ssl.endpoint.identification.algorithm")
        for inline in ["ssl.truststore.certificates", "ssl.keystore.certificate.chain", "ssl.keystore.key", "ssl.ca.pem", "ssl.certificate.pem", "ssl.key.pem"] where take(inline) != nil {
            throw fail("\(inline) (inline PEM) is not supported; put the PEM in a file and use ssl.ca.location / ssl.certificate.location / ssl.key.location")
        }
        let anyTLS = [ca, trustStore, cert, key, keyPassword, keyStore, endpoint].contains { $0 != nil }
        guard proto.usesTLS else {
            if anyTLS { throw fail("ssl.* settings are given but security.protocol is \(proto.rawValue); use SSL or SASL_SSL") }
            return nil
        }
        var caFile = ca
        if let trustStore {
            guard caFile == nil else { throw fail("give either ssl.ca.location or ssl.truststore.location, not both") }
            try requirePEM(trustStore, key: "ssl.truststore.location", declaredType: trustType,
                           hint: "export the CA with `keytool -exportcert -rfc -keystore \(trustStore) -alias <alias> -file ca.pem` and set ssl.ca.location=ca.pem")
            caFile = trustStore
        }
        if let keyStore {
            guard cert == nil, key == nil else { throw fail("give either ssl.keystore.location or ssl.certificate.location/ssl.key.location, not both") }
            try requirePEM(keyStore, key: "ssl.keystore.location", declaredType: keyStoreType,
                           hint: "convert it to PEM files (e.g. `openssl pkcs12 -in store.p12 -out client.pem`) and set ssl.certificate.location and ssl.key.location")
            cert = keyStore
            key = keyStore
        }
        guard (cert == nil) == (key == nil) else {
            throw fail("mutual TLS needs both ssl.certificate.location and ssl.key.location")
        }
        for (k, v) in [("ssl.ca.location", caFile), ("ssl.certificate.location", cert), ("ssl.key.location", key)] {
            if let v, !FileManager.default.isReadableFile(atPath: v) { throw fail("\(k) \(v): no such file or not readable") }
        }
        let verify: Bool
        switch endpoint?.trimmingCharacters(in: .whitespaces).lowercased() {
        case nil, "https": verify = true
        case "", "none": verify = false
        case let other?: throw fail("ssl.endpoint.identification.algorithm '\(other)' must be https, none or empty")
        }
        return TLSSettings(caFile: caFile, certificateFile: cert, keyFile: key, keyPassword: keyPassword ?? (keyStore != nil ? keyStorePassword : nil), verifyHostname: verify)
    }

    /// kscale reads PEM only; a JKS or PKCS#12 store gets a clear refusal with the conversion to run.
    func requirePEM(_ path: String, key: String, declaredType: String?, hint: String) throws {
        if let t = declaredType?.trimmingCharacters(in: .whitespaces).uppercased(), t != "PEM" {
            throw fail("\(key) is a \(t) store; kscale reads PEM only: \(hint)")
        }
        guard let head = FileManager.default.contents(atPath: path) else { throw fail("\(key) \(path): no such file or not readable") }
        guard String(decoding: head.prefix(4096), as: UTF8.self).contains("-----BEGIN") else {
            throw fail("\(key) \(path) is not PEM (a JKS or PKCS12 store?); kscale reads PEM only: \(hint)")
        }
    }
}

extension Duration {
    /// Whole milliseconds, for Kafka's `*.ms` settings and NIO's TimeAmount.
    public var milliseconds: Int64 {
        let (s, atto) = components
        return s * 1000 + atto / 1_000_000_000_000_000
    }
}

extension ClientConfig {
    /// One line per property the admin client ignores; a name within two edits of a known one is
    /// named as the likely typo. Values are never shown (one may be a password).
    public func unusedPropertyWarnings(source: String) -> [String] {
        otherProperties.keys.sorted().map { key in
            let nearest = propertyNamesRead.map { ($0, Self.editDistance(key, $0)) }.min { $0.1 < $1.1 }
            let hint = nearest.flatMap { $0.1 <= Self.typoDistance ? " (did you mean \($0.0)?)" : nil } ?? ""
            return "\(source): '\(key)' is not used by kscale's admin client\(hint)"
        }
    }

    /// How many single-character edits still read as a typo of a known name.
    static let typoDistance = 2

    static func editDistance(_ a: String, _ b: String) -> Int {
        let left = Array(a), right = Array(b)
        guard !left.isEmpty else { return right.count }
        var previous = Array(0...right.count)
        for (i, leftChar) in left.enumerated() {
            var current = [i + 1]
            for (j, rightChar) in right.enumerated() {
                current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (leftChar == rightChar ? 0 : 1)))
            }
            previous = current
        }
        return previous[right.count]
    }
}
