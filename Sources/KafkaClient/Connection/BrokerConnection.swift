import KScaleCore
import KafkaProtocol
import KafkaSASL
import NIOCore
import NIOPosix
import NIOSSL

/// One ready connection to one broker: connected, TLS done, versions negotiated, SASL done.
/// Requests may be sent from any task; many can be in flight at once.
public final class BrokerConnection: Sendable {
    public let address: HostPort
    /// "broker 3 (10.0.0.3:9092)", or "bootstrap server 10.0.0.3:9092" before the id is known.
    public let label: String
    public let versions: ApiVersionTable
    private let channel: any Channel
    private let clientID: String
    private let requestTimeout: Duration

    private init(address: HostPort, label: String, versions: ApiVersionTable, channel: any Channel, clientID: String, requestTimeout: Duration) {
        self.address = address
        self.label = label
        self.versions = versions
        self.channel = channel
        self.clientID = clientID
        self.requestTimeout = requestTimeout
    }

    public var isActive: Bool { channel.isActive }

    public func close() async {
        try? await channel.close().get()
    }

    /// Sends `request` at the highest version both sides speak (or `version`) and waits for its
    /// response, at most `timeout` (the request timeout by default).
    public func send<R: KafkaRequest>(_ request: R, version: Int16? = nil, timeout: TimeAmount? = nil) async throws -> R.Response {
        try await send(request, version: version, within: CallBudget(timeout: timeout.map { .nanoseconds($0.nanoseconds) } ?? requestTimeout))
    }

    /// The same, waiting until the budget's deadline.
    func send<R: KafkaRequest>(_ request: R, version: Int16? = nil, within budget: CallBudget) async throws -> R.Response {
        let v = try version ?? versions.version(for: R.self, broker: label)
        return try await Self.send(request, version: v, on: channel, label: label, clientID: clientID, within: budget)
    }

    /// Connects, negotiates and authenticates within `config.connectTimeout`, and within what is
    /// left of the call's budget when that ends first.
    static func connect(to address: HostPort, label: String, config: ClientConfig, tls: NIOSSLContext?,
                        group: any EventLoopGroup, within callBudget: CallBudget) async throws -> BrokerConnection {
        let (budget, byConnectTimeout) = callBudget.limited(to: config.connectTimeout)
        let timedOutText = byConnectTimeout
            ? "timed out after \(config.connectTimeout.milliseconds) ms"
            : "no connection before the \(callBudget.timeout.milliseconds) ms request timeout ran out"
        guard !budget.isSpent else { throw KafkaClientError.connectFailed(broker: label, reason: timedOutText) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(budget.remaining)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        if let tls {
                            try ch.pipeline.syncOperations.addHandler(try TLSContextFactory.makeHandler(tls, host: address.host))
                        }
                        try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                        try ch.pipeline.syncOperations.addHandler(ResponseRouter(label: label))
                    }
                }
                .connect(host: address.host, port: address.port).get()
        } catch {
            throw KafkaClientError.connectFailed(broker: label, reason: describeConnectError(error, timedOut: timedOutText))
        }
        do {
            let versions = try await negotiateVersions(channel: channel, label: label, clientID: config.clientID, within: budget)
            if let sasl = config.security.sasl {
                let setup = SetupChannel(channel: channel, label: label, clientID: config.clientID, budget: budget)
                try await SaslAuthenticator(settings: sasl, label: label).authenticate(over: setup, versions: versions)
            }
            return BrokerConnection(address: address, label: label, versions: versions, channel: channel,
                                    clientID: config.clientID, requestTimeout: config.requestTimeout)
        } catch {
            try? await channel.close().get()
            // The connect timeout ran out mid-handshake: say so (a request timeout is reported as one).
            if case let KafkaClientError.requestTimedOut(_, api, _) = error, byConnectTimeout {
                throw KafkaClientError.connectFailed(broker: label, reason: "connected, but the broker did not answer \(api) within the \(config.connectTimeout.milliseconds) ms connect timeout (TLS or SASL mismatch?)")
            }
            throw error
        }
    }

    /// ApiVersions at our highest version; on UNSUPPORTED_VERSION the broker answers in the v0
    /// format with its own range (KIP-511), and we ask again at the highest version it offers.
    static func negotiateVersions(channel: any Channel, label: String, clientID: String, within budget: CallBudget) async throws -> ApiVersionTable {
        var version = ApiVersionsRequest.validVersions.upperBound
        for _ in 0..<2 {
            let request = ApiVersionsRequest(clientSoftwareName: "kscale", clientSoftwareVersion: kscaleVersion)
            let frame = try await sendRaw(request, version: version, on: channel, label: label, clientID: clientID, within: budget)
            var reader = ByteReader(bytes: frame.readableBytesView)
            let response: ApiVersionsResponse
            do {
                _ = try ResponseHeader(from: &reader, headerVersion: 0)
                // The error code leads the body in every version; UNSUPPORTED_VERSION means v0 layout.
                var peek = reader
                let code = try peek.readInt16()
                response = try ApiVersionsResponse(from: &reader, version: code == KafkaErrorCode.unsupportedVersion.rawValue ? 0 : version)
            } catch {
                throw KafkaClientError.malformedResponse(broker: label, api: "ApiVersions", detail: "\(error)")
            }
            let ranges = Dictionary(response.apiKeys.map { ($0.apiKey, $0.minVersion...max($0.minVersion, $0.maxVersion)) }, uniquingKeysWith: { a, _ in a })
            if response.errorCode == KafkaErrorCode.unsupportedVersion.rawValue {
                let theirs = ranges[ApiVersionsRequest.apiKey]?.upperBound ?? 0
                guard theirs < version else { break }
                version = theirs
                continue
            }
            guard response.errorCode == 0 else {
                throw KafkaAPIError(code: response.errorCode, name: errorName(response.errorCode), api: "ApiVersions", broker: label)
            }
            let features = Dictionary(response.finalizedFeatures.map { ($0.name, $0.maxVersionLevel) }, uniquingKeysWith: { a, _ in a })
            return ApiVersionTable(ranges: ranges, finalizedFeatures: features)
        }
        throw KafkaClientError.unsupported(broker: label, api: "ApiVersions", reason: "no common version")
    }

    static func send<R: KafkaRequest>(_ request: R, version: Int16, on channel: any Channel, label: String, clientID: String,
                                      within budget: CallBudget) async throws -> R.Response {
        let frame = try await sendRaw(request, version: version, on: channel, label: label, clientID: clientID, within: budget)
        var reader = ByteReader(bytes: frame.readableBytesView)
        do {
            return try KafkaFraming.decodeResponse(R.Response.self, version: version, from: &reader).1
        } catch {
            throw KafkaClientError.malformedResponse(broker: label, api: apiName(R.self), detail: "\(error)")
        }
    }

    static func sendRaw<R: KafkaRequest>(_ request: R, version: Int16, on channel: any Channel, label: String, clientID: String,
                                         within budget: CallBudget) async throws -> ByteBuffer {
        let api = apiName(R.self)
        let frame: [UInt8]
        do {
            frame = try KafkaFraming.encodeRequest(RequestHeader(apiKey: R.apiKey, apiVersion: version, correlationId: 0, clientId: clientID), request)
        } catch {
            throw KafkaClientError.unsupported(broker: label, api: api, reason: "cannot encode v\(version): \(error)")
        }
        guard channel.isActive else { throw KafkaClientError.connectionClosed(broker: label, api: api) }
        guard !budget.isSpent else { throw budget.timedOut(label, api: api) }
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let outgoing = OutgoingRequest(frame: frame, api: api, deadline: budget.deadline, timeoutError: budget.timedOut(label, api: api), promise: promise)
        channel.writeAndFlush(outgoing).whenFailure { _ in
            promise.fail(KafkaClientError.connectionClosed(broker: label, api: api))
        }
        return try await promise.futureResult.get()
    }
}

/// A connection still being set up, for the handshake steps that run before it is handed out.
struct SetupChannel {
    let channel: any Channel
    let label: String
    let clientID: String
    let budget: CallBudget

    func send<R: KafkaRequest>(_ request: R, version: Int16) async throws -> R.Response {
        try await BrokerConnection.send(request, version: version, on: channel, label: label, clientID: clientID, within: budget)
    }
}

/// Reported to brokers in ApiVersions v3+ (client software name and version, KIP-511).
let kscaleVersion = "0.1.0"

private func describeConnectError(_ error: any Error, timedOut: String) -> String {
    if let e = error as? ChannelError, case .connectTimeout = e { return timedOut }
    if let e = error as? NIOConnectionError {
        if let last = e.connectionErrors.last { return describeConnectError(last.error, timedOut: timedOut) }
        if e.dnsAError != nil || e.dnsAAAAError != nil { return "cannot resolve host \(e.host)" }
    }
    if let e = error as? IOError { return e.description.contains("Connection refused") || e.errnoCode == 111 ? "connection refused" : "\(e)" }
    return "\(error)"
}
