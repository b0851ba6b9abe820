import KafkaProtocol

// SaslAuthenticate (key 36). Carries the mechanism's tokens after a SaslHandshake; a failure is
// answered with SASL_AUTHENTICATION_FAILED and the broker then closes the connection; a request
// without a handshake is ILLEGAL_SASL_STATE. Modelled: PLAIN (one round) and, where available,
// SCRAM (two rounds); the error message never contains the password.
enum SaslAuthenticateHandler: APIHandler {
    typealias Request = SaslAuthenticateRequest
    typealias Response = SaslAuthenticateResponse
    static let versions: ClosedRange<Int16> = 0...2

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        guard var session = await ctx.connection.saslSession else {
            r.errorCode = SimErrorCode.illegalSaslState
            r.errorMessage = "SaslAuthenticate without a SaslHandshake"
            return r
        }
        do {
            let (reply, done) = try session.respond(to: request.authBytes)
            r.authBytes = reply
            await ctx.connection.setSession(done ? nil : session)
            if done { await ctx.connection.markAuthenticated() }
        } catch {
            await ctx.connection.setSession(nil)
            await ctx.connection.markFailed()
            r.errorCode = error.code
            r.errorMessage = error.message
        }
        return r
    }
}
