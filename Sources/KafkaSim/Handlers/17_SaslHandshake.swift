import KafkaProtocol

// SaslHandshake (key 17). The client names a mechanism; Kafka answers the enabled list and
// UNSUPPORTED_SASL_MECHANISM when the name is not among them. v1 is followed by SaslAuthenticate
// requests. Kafka advertises v0 and v1 (SaslHandshakeRequest.json), and librdkafka refuses PLAIN
// and SCRAM unless v0 is offered (its SASL_HANDSHAKE feature), though it then uses v1: so v0 is
// advertised and answered, while the raw token frames a v0-only client sends next are not served.
// Modelled: the mechanisms of the configured users.
enum SaslHandshakeHandler: APIHandler {
    typealias Request = SaslHandshakeRequest
    typealias Response = SaslHandshakeResponse
    static let versions: ClosedRange<Int16> = 0...1

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let enabled = SimSaslMechanism.allCases.filter { m in ctx.security.users.contains { $0.mechanism == m } }
        var r = Response()
        r.mechanisms = enabled.map(\.rawValue)
        guard let mechanism = enabled.first(where: { $0.rawValue == request.mechanism }) else {
            r.errorCode = SimErrorCode.unsupportedSaslMechanism
            return r
        }
        await ctx.connection.setMechanism(mechanism)
        await ctx.connection.setSession(SaslSessions.make(mechanism, security: ctx.security))
        return r
    }
}
