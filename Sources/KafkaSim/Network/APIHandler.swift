import KScaleCore
import KafkaProtocol
import KafkaSASL

/// One Kafka API served by the simulator. Each lives in its own file under Handlers/, named by
/// api key, opening with how Kafka behaves for that request and what the simulator models.
protocol APIHandler: Sendable {
    associatedtype Request: KafkaRequest
    /// The versions served: what the codec supports, narrowed to what the handler fills in.
    static var versions: ClosedRange<Int16> { get }
    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Request.Response
    /// False for requests Kafka never answers (Produce with acks=0).
    static func expectsResponse(_ request: Request) -> Bool
    /// True for a request that changes the cluster's topics, partitions, assignments, leaders or
    /// configs (not validate_only): what `SimEngine.mutatingRequests` counts, so a test can tell
    /// that a dry run sent none.
    static func changesCluster(_ request: Request) -> Bool
}

extension APIHandler {
    static func expectsResponse(_ request: Request) -> Bool { true }
    static func changesCluster(_ request: Request) -> Bool { false }
}

/// What the connection does after a request.
enum Outcome: Sendable {
    case reply([UInt8])
    case noReply
    /// Kafka closes the connection (malformed or unsupported request, failed authentication).
    case close
}

/// What a handler knows about the request in front of it.
struct RequestContext: Sendable {
    var broker: BrokerID
    var version: Int16
    var clientID: String?
    var engine: SimEngine
    var connection: ConnectionState
    var security: SecuritySettings
}

/// The SASL side of the listener: which mechanisms and users exist.
struct SecuritySettings: Sendable {
    var protocolName: SimSecurityProtocol
    var users: [SimUser]
    /// SCRAM credentials derived once at start (salted, 4096 iterations), by mechanism and user.
    var scram: [SimSaslMechanism: [String: ScramCredential]] = [:]

    init(protocolName: SimSecurityProtocol, users: [SimUser]) throws {
        self.protocolName = protocolName
        self.users = users
        for u in users where u.mechanism.isScram {
            scram[u.mechanism, default: [:]][u.name] = try ScramCredential.derive(
                password: u.password, mechanism: u.mechanism, salt: ScramCredential.randomSalt())
        }
    }

    var requiresAuthentication: Bool { protocolName == .saslPlaintext }
}

/// Per-connection state that outlives one request: the SASL exchange.
actor ConnectionState {
    var authenticated = false
    /// Set after a failed SaslAuthenticate: the broker answers, then closes the connection.
    var failed = false
    var handshakeMechanism: SimSaslMechanism?
    var saslSession: (any SaslServerExchange)?

    func setMechanism(_ m: SimSaslMechanism?) { handshakeMechanism = m }
    func setSession(_ s: (any SaslServerExchange)?) { saslSession = s }
    func markAuthenticated() { authenticated = true }
    func markFailed() { failed = true }
}

/// One step of a server-side SASL exchange.
protocol SaslServerExchange: Sendable {
    /// The server's reply to `token`, and whether the client is now authenticated.
    mutating func respond(to token: [UInt8]) throws(SimFailure) -> (reply: [UInt8], done: Bool)
}

/// A type-erased handler: decode the body, run, encode the response frame.
struct HandlerEntry: Sendable {
    var apiKey: Int16
    var name: String
    var versions: ClosedRange<Int16>
    var run: @Sendable (_ header: RequestHeader, _ body: [UInt8], _ ctx: RequestContext) async throws -> [UInt8]?

    init<H: APIHandler>(_ handler: H.Type) {
        apiKey = H.Request.apiKey
        name = KafkaAPIs.api(forKey: H.Request.apiKey)?.name ?? "api \(H.Request.apiKey)"
        versions = H.versions.clamped(to: H.Request.validVersions)
        run = { header, body, ctx in
            var reader = ByteReader(body)
            let request = try H.Request(from: &reader, version: header.apiVersion)
            if H.changesCluster(request) { await ctx.engine.countMutatingRequest(apiKey: H.Request.apiKey) }
            let response = try await H.handle(request, ctx)
            guard H.expectsResponse(request) else { return nil }
            return try KafkaFraming.encodeResponse(correlationId: header.correlationId, version: header.apiVersion, response,
                                                   capacity: 1024)
        }
    }
}
