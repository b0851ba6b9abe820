import Foundation
import KScaleCore
import KafkaProtocol
import NIOCore
import NIOPosix
import Testing
@testable import KafkaClient

/// What a hostile broker does with every request after a correct ApiVersions handshake.
enum Hostility: Sendable {
    case silent
    case wrongCorrelationID
    case frame([UInt8])
    case undecodableBody
    case closes

    /// A frame of `size` bytes (its int32 size prefix, then that many zero bytes).
    static func frame(ofSize size: Int) -> Hostility {
        .frame([0, 0, 0, UInt8(size)] + [UInt8](repeating: 0, count: size))
    }

    /// An HTTP server's answer: "HTTP" read as a frame size is 1,213,486,160 bytes.
    static let http = Hostility.frame(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
    static let httpFrameSize: Int32 = 0x4854_5450

    func reply(to h: RequestHeader) -> TinyReply {
        switch self {
        case .silent: .ignore
        case .closes: .close
        // A response header with another request's correlation id, then a byte of body.
        case .wrongCorrelationID: .respond([0, 0, 0, 5] + bigEndian(h.correlationId + 100) + [0])
        case .frame(let bytes): .respond(bytes)
        // The right correlation id, then two bytes where DescribeCluster's int32 throttle time belongs.
        case .undecodableBody: .respond([0, 0, 0, 6] + bigEndian(h.correlationId) + [0, 0])
        }
    }
}

private func bigEndian(_ value: Int32) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian, Array.init)
}

/// A broker that completes the handshake and then misbehaves, recording the correlation id of
/// every request after the handshake: one per attempt the client makes.
func hostileBroker(_ hostility: Hostility, attempts: Recorder<Int32>) async throws -> TinyBroker {
    try await TinyBroker.start { h, _ in
        if h.apiKey == ApiVersionsRequest.apiKey { return allVersions(h) }
        attempts.add(h.correlationId)
        return hostility.reply(to: h)
    }
}

/// The client against brokers that are silent, answer garbage or hang up. Each test counts the
/// attempts (the requests the broker saw and the retries the sink heard of) instead of timing
/// the failure: the budget in docs/client.md is a number of attempts inside one request timeout.
@Suite struct BadBrokerTests {
    /// 3 retries after 1, 2 and 4 ms; the request timeout only ends the silent broker's test.
    static func config(_ broker: TinyBroker, requestTimeout: Duration = .seconds(20)) -> ClientConfig {
        ClientConfig(bootstrapServers: broker.address, requestTimeout: requestTimeout, connectTimeout: .seconds(20),
                     retries: 3, retryBackoff: .milliseconds(1))
    }

    /// Connects (DescribeCluster is the first request after the handshake) and returns the error.
    static func failure(_ hostility: Hostility, requestTimeout: Duration = .seconds(20))
        async throws -> (error: KafkaClientError, label: String, attempts: [Int32], retries: [RetryNotice]) {
        let attempts = Recorder<Int32>()
        let broker = try await hostileBroker(hostility, attempts: attempts)
        defer { Task { await broker.stop() } }
        let retries = Recorder<RetryNotice>()
        do {
            let admin = try await KafkaAdminClient.connect(config(broker, requestTimeout: requestTimeout), onRetry: { retries.add($0) })
            await admin.close()
            throw TestFailure("connected to a hostile broker")
        } catch let e as KafkaClientError {
            return (e, "bootstrap server \(broker.address)", attempts.all, retries.all)
        }
    }

    /// Silent: the one attempt waits out the whole request timeout, which leaves no time for
    /// another, so there is no retry (before, 6 attempts of 2 x 30 s). The connection is opened
    /// first under a generous budget, so the 500 ms are the request's alone.
    @Test func silentBrokerFailsAfterOneRequestTimeout() async throws {
        let attempts = Recorder<Int32>()
        let port = Recorder<Int>()
        let broker = try await TinyBroker.start { h, _ in
            switch h.apiKey {
            case ApiVersionsRequest.apiKey: return allVersions(h)
            case DescribeClusterRequest.apiKey:
                guard let p = port.all.first else { return .close }
                let me = DescribeClusterResponse.DescribeClusterBroker(brokerId: 1, host: "127.0.0.1", port: Int32(p), rack: nil)
                return .with(h, DescribeClusterResponse(errorCode: 0, errorMessage: nil, clusterId: "c", controllerId: 1, brokers: [me]))
            default:
                attempts.add(h.correlationId)
                return .ignore
            }
        }
        defer { Task { await broker.stop() } }
        port.add(broker.port)
        let cluster = try ClusterConnections(config: Self.config(broker))
        // The bootstrap connection, then (once broker 1 is known) broker 1's own.
        _ = try await cluster.refreshMetadata(within: CallBudget(timeout: .seconds(20)))
        _ = try await cluster.anyConnection(within: CallBudget(timeout: .seconds(20)))
        let retries = Recorder<RetryNotice>()
        let admin = KafkaAdminClient(cluster: cluster, config: Self.config(broker, requestTimeout: .milliseconds(500)), onRetry: { retries.add($0) })
        defer { Task { await admin.close() } }
        let label = "broker 1 (\(broker.address))"
        await #expect(throws: KafkaClientError.requestTimedOut(broker: label, api: "Metadata", timeout: .milliseconds(500))) {
            _ = try await admin.describeTopics(nil)
        }
        #expect(retries.all.isEmpty)
        // One request, or none if a starved machine let the deadline pass before it went out.
        #expect(attempts.all.count <= 1)
    }

    @Test func wrongCorrelationIDIsNamed() async throws {
        let (error, label, attempts, retries) = try await Self.failure(.wrongCorrelationID)
        let sent = try #require(attempts.first)
        #expect(error == .wrongCorrelationID(broker: label, api: "DescribeCluster", expected: sent, received: sent + 100))
        #expect("\(error)" == "\(label) answered correlation id \(sent + 100) for DescribeCluster request \(sent)")
        #expect(attempts.count == 1)
        #expect(retries.isEmpty)
    }

    @Test(arguments: [0, 3])
    func frameShorterThanAResponseHeaderIsNamed(_ size: Int) async throws {
        let (error, label, attempts, retries) = try await Self.failure(.frame(ofSize: size))
        #expect(error == .frameTooShort(broker: label, api: "DescribeCluster", size: size))
        #expect("\(error)" == "\(label) answered DescribeCluster with a \(size)-byte frame, shorter than a response header (4 bytes)")
        #expect(attempts.count == 1)
        #expect(retries.isEmpty)
    }

    @Test func garbageIsAFrameSizeNoKafkaFrameHas() async throws {
        let (error, label, attempts, retries) = try await Self.failure(Hostility.http)
        #expect(error == .frameSizeInvalid(broker: label, api: "DescribeCluster", size: Hostility.httpFrameSize, limit: 100 * 1024 * 1024))
        #expect("\(error)" == "\(label) answered DescribeCluster with a 1213486160-byte frame, over the 104857600-byte limit: "
            + "the port does not speak Kafka (a TLS listener read as plaintext, or another protocol?)")
        #expect(attempts.count == 1)
        #expect(retries.isEmpty)
    }

    @Test func negativeFrameSizeIsNamed() async throws {
        let (error, label, _, _) = try await Self.failure(.frame([0xFF, 0xFF, 0xFF, 0xFB]))
        #expect(error == .frameSizeInvalid(broker: label, api: "DescribeCluster", size: -5, limit: 100 * 1024 * 1024))
        #expect("\(error)".hasPrefix("\(label) answered DescribeCluster with a negative frame size (-5): "))
    }

    @Test func undecodableBodyIsMalformed() async throws {
        let (error, label, attempts, retries) = try await Self.failure(.undecodableBody)
        guard case let .malformedResponse(broker, api, _) = error else {
            Issue.record("expected a malformed response, got \(error)")
            return
        }
        #expect(broker == label)
        #expect(api == "DescribeCluster")
        #expect("\(error)".hasPrefix("\(label) sent a malformed DescribeCluster response: "))
        #expect(attempts.count == 1)
        #expect(retries.isEmpty)
    }

    /// A broker that hangs up is worth retrying: 1 + retries attempts, each retry on the sink with
    /// the broker, the API, attempt n of 4, why, and the doubling pause.
    @Test func closedConnectionIsRetriedTheConfiguredNumberOfTimes() async throws {
        let (error, label, attempts, retries) = try await Self.failure(.closes)
        #expect(error == .connectionClosed(broker: label, api: "DescribeCluster"))
        #expect("\(error)" == "\(label) closed the connection during DescribeCluster")
        #expect(attempts.count == 4)
        #expect(retries == (1...3).map { n in
            RetryNotice(api: "DescribeCluster", broker: label, attempt: n, maxAttempts: 4,
                        reason: "closed the connection during DescribeCluster", wait: .milliseconds(1 << (n - 1)))
        })
        #expect(retries.first.map(String.init(describing:))
            == "DescribeCluster to \(label): attempt 1 of 4 failed (closed the connection during DescribeCluster); retrying in 1 ms")
    }

    /// Garbage during the handshake names ApiVersions and the exact fault, not a timeout.
    @Test func garbageDuringTheHandshakeIsNamed() async throws {
        let broker = try await TinyBroker.start { h, _ in Hostility.wrongCorrelationID.reply(to: h) }
        defer { Task { await broker.stop() } }
        let label = "broker 1 (\(broker.address))"
        let config = Self.config(broker)
        await #expect(throws: KafkaClientError.wrongCorrelationID(broker: label, api: "ApiVersions", expected: 1, received: 101)) {
            _ = try await BrokerConnection.connect(to: HostPort(host: "127.0.0.1", port: broker.port), label: label, config: config,
                                                   tls: nil, group: MultiThreadedEventLoopGroup.singleton, within: CallBudget(config: config))
        }
    }

    /// A broker silent during the handshake: the connect timeout, or the request timeout when that
    /// ends first, is the one named.
    @Test func silentHandshakeNamesWhichTimeoutRanOut() async throws {
        let broker = try await TinyBroker.start { _, _ in .ignore }
        defer { Task { await broker.stop() } }
        let label = "broker 1 (\(broker.address))"
        func connect(_ config: ClientConfig) async throws {
            _ = try await BrokerConnection.connect(to: HostPort(host: "127.0.0.1", port: broker.port), label: label, config: config,
                                                   tls: nil, group: MultiThreadedEventLoopGroup.singleton, within: CallBudget(config: config))
        }
        let byConnect = ClientConfig(bootstrapServers: broker.address, requestTimeout: .seconds(20), connectTimeout: .milliseconds(300))
        await #expect(throws: KafkaClientError.connectFailed(broker: label, reason: "connected, but the broker did not answer ApiVersions within the 300 ms connect timeout (TLS or SASL mismatch?)")) {
            try await connect(byConnect)
        }
        let byRequest = ClientConfig(bootstrapServers: broker.address, requestTimeout: .milliseconds(300), connectTimeout: .seconds(20))
        await #expect(throws: KafkaClientError.requestTimedOut(broker: label, api: "ApiVersions", timeout: .milliseconds(300))) {
            try await connect(byRequest)
        }
    }

    /// An address that answers garbage is one bad address, not the cluster's answer: the others
    /// are tried, and the error lists each with what was wrong.
    @Test func bootstrapListsEveryHostileAddress() async throws {
        let garbage = try await TinyBroker.start { _, _ in .respond(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8)) }
        let short = try await TinyBroker.start { _, _ in .respond([0, 0, 0, 3, 0, 0, 0]) }
        defer { Task { await garbage.stop(); await short.stop() } }
        let config = ClientConfig(bootstrapServers: "\(garbage.address),\(short.address)", connectTimeout: .seconds(20), retries: 0)
        await #expect { _ = try await KafkaAdminClient.connect(config) } throws: { e in
            guard case let KafkaClientError.bootstrapFailed(attempts, _) = e else { return false }
            return Set(attempts) == [
                "\(garbage.address) (answered ApiVersions with a 1213486160-byte frame, over the 104857600-byte limit: the port does not speak Kafka (a TLS listener read as plaintext, or another protocol?))",
                "\(short.address) (answered ApiVersions with a 3-byte frame, shorter than a response header (4 bytes))",
            ]
        }
    }

    /// A late answer to a request that timed out is dropped, not taken for a broker out of step.
    @Test func lateAnswerAfterATimeoutIsDropped() async throws {
        let broker = try await TinyBroker.start { h, req in
            if h.apiKey == ApiVersionsRequest.apiKey { return allVersions(h) }
            guard let m = req as? MetadataRequest else { return .close }
            // "late" is answered only when "next" arrives, so after its own timeout.
            if m.topics?.first?.name == "late" { return .ignore }
            return .respond(Self.metadataFrames(lateID: h.correlationId - 1, nextID: h.correlationId, version: h.apiVersion))
        }
        defer { Task { await broker.stop() } }
        let config = Self.config(broker)
        let c = try await BrokerConnection.connect(to: HostPort(host: "127.0.0.1", port: broker.port), label: "broker 1", config: config,
                                                   tls: nil, group: MultiThreadedEventLoopGroup.singleton, within: CallBudget(config: config))
        await #expect(throws: KafkaClientError.requestTimedOut(broker: "broker 1", api: "Metadata", timeout: .milliseconds(50))) {
            try await c.send(MetadataRequest(topics: [.init(name: "late")]), timeout: .milliseconds(50))
        }
        #expect(try await c.send(MetadataRequest(topics: [.init(name: "next")])).controllerId == 2)
        #expect(c.isActive)
        await c.close()
    }

    /// The late answer (controller 1) then the awaited one (controller 2), in one write.
    static func metadataFrames(lateID: Int32, nextID: Int32, version: Int16) -> [UInt8] {
        let late = (try? KafkaFraming.encodeResponse(correlationId: lateID, version: version, MetadataResponse(controllerId: 1))) ?? []
        let next = (try? KafkaFraming.encodeResponse(correlationId: nextID, version: version, MetadataResponse(controllerId: 2))) ?? []
        return late + next
    }

    // MARK: the budget's arithmetic

    @Test func defaultBudgetIsSixAttemptsWithinThirtySeconds() {
        let budget = CallBudget(config: ClientConfig(bootstrapServers: "k:9092"))
        #expect(budget.maxAttempts == 6)
        #expect(budget.timeout == .seconds(30))
        let pauses = (1...7).map { CallBudget.backoff(after: $0, first: .milliseconds(100), max: .seconds(2)) }
        #expect(pauses == [100, 200, 400, 800, 1600, 2000, 2000].map { .milliseconds($0) })
    }

    @Test func noPauseAfterTheLastAttemptOrPastTheDeadline() {
        let budget = CallBudget(timeout: .seconds(20), maxAttempts: 4)
        #expect(budget.pause(after: 3, backoff: .milliseconds(1), maxBackoff: .seconds(2)) == .milliseconds(4))
        #expect(budget.pause(after: 4, backoff: .milliseconds(1), maxBackoff: .seconds(2)) == nil)
        // A pause that would reach the deadline leaves the next attempt no time: give up now.
        let short = CallBudget(timeout: .milliseconds(50), maxAttempts: 4)
        #expect(short.pause(after: 1, backoff: .seconds(1), maxBackoff: .seconds(2)) == nil)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
