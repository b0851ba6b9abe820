import KScaleCore
import KafkaProtocol
import KafkaSASL

/// Logs one connection in: SaslHandshake (v1) names the mechanism, then SaslAuthenticate carries
/// each SASL message. Errors name the broker and the mechanism, never the password.
struct SaslAuthenticator {
    let settings: SaslSettings
    let label: String

    func authenticate(over setup: SetupChannel, versions: ApiVersionTable) async throws {
        let handshakeVersion = try versions.version(for: SaslHandshakeRequest.self, broker: label)
        guard handshakeVersion >= 1, versions.supports(SaslAuthenticateRequest.self) else {
            throw KafkaClientError.unsupported(broker: label, api: "SaslAuthenticate",
                                               reason: "the broker only offers SASL without SaslAuthenticate framing (Kafka before 1.0)")
        }
        let handshake = try await setup.send(SaslHandshakeRequest(mechanism: settings.mechanism.rawValue), version: handshakeVersion)
        guard handshake.errorCode == 0 else {
            let offered = handshake.mechanisms.isEmpty ? "none" : handshake.mechanisms.joined(separator: ", ")
            throw KafkaClientError.authenticationFailed(
                broker: label, reason: "\(errorName(handshake.errorCode)): the broker does not enable \(settings.mechanism); it offers \(offered)")
        }
        let authVersion = try versions.version(for: SaslAuthenticateRequest.self, broker: label)
        func step(_ bytes: [UInt8]) async throws -> [UInt8] {
            let r = try await setup.send(SaslAuthenticateRequest(authBytes: bytes), version: authVersion)
            guard r.errorCode == 0 else {
                let detail = r.errorMessage.map { " (\($0))" } ?? ""
                throw KafkaClientError.authenticationFailed(broker: label, reason: "\(errorName(r.errorCode))\(detail) for user \(settings.username) with \(settings.mechanism)")
            }
            return r.authBytes
        }
        do {
            switch settings.mechanism {
            case .plain:
                _ = try await step(PlainCredentials(username: settings.username, password: settings.password).encode())
            case .scramSha256, .scramSha512:
                var scram = try ScramClientSession(mechanism: settings.mechanism, username: settings.username, password: settings.password)
                let serverFirst = try await step(try scram.clientFirstMessage())
                let serverFinal = try await step(try scram.clientFinalMessage(serverFirst: serverFirst))
                try scram.verifyServerFinal(serverFinal)
            }
        } catch let e as SaslError {
            throw KafkaClientError.authenticationFailed(broker: label, reason: "\(e) (user \(settings.username), \(settings.mechanism))")
        }
    }
}
