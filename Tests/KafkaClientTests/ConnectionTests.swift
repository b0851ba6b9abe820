import Foundation
import KScaleCore
import KafkaProtocol
import KafkaSASL
import NIOCore
import NIOPosix
import Testing
@testable import KafkaClient

private func connect(_ broker: TinyBroker, _ config: ClientConfig? = nil) async throws -> BrokerConnection {
    let c = config ?? ClientConfig(bootstrapServers: broker.address, connectTimeout: .seconds(20))
    return try await BrokerConnection.connect(to: HostPort(host: "127.0.0.1", port: broker.port), label: "broker 1 (\(broker.address))",
                                              config: c, tls: nil, group: MultiThreadedEventLoopGroup.singleton, within: CallBudget(config: c))
}

@Suite struct ConnectionTests {
    @Test func negotiatesHighestCommonVersion() async throws {
        let broker = try await TinyBroker.start { h, _ in
            h.apiKey == 18 ? allVersions(h, except: [MetadataRequest.apiKey: 1...5, DescribeLogDirsRequest.apiKey: 0...99]) : .close
        }
        defer { Task { await broker.stop() } }
        let c = try await connect(broker)
        #expect(try c.versions.version(for: MetadataRequest.self, broker: c.label) == 5)
        #expect(try c.versions.version(for: DescribeLogDirsRequest.self, broker: c.label) == DescribeLogDirsRequest.validVersions.upperBound)
        await c.close()
    }

    /// KIP-511: a broker that does not know our ApiVersions version answers in the v0 layout
    /// with UNSUPPORTED_VERSION and its range; we ask again at its highest.
    @Test func fallsBackWhenApiVersionsIsUnsupported() async throws {
        let asked = Recorder<Int16>()
        let broker = try await TinyBroker.start { h, _ in
            guard h.apiKey == 18 else { return .close }
            asked.add(h.apiVersion)
            if h.apiVersion > 2 {
                let body = ApiVersionsResponse(errorCode: KafkaErrorCode.unsupportedVersion.rawValue,
                                               apiKeys: [.init(apiKey: 18, minVersion: 0, maxVersion: 2)])
                return .with(h, body, version: 0)
            }
            return allVersions(h, except: [18: 0...2])
        }
        defer { Task { await broker.stop() } }
        let c = try await connect(broker)
        #expect(asked.all == [ApiVersionsRequest.validVersions.upperBound, 2])
        #expect(c.versions.supports(MetadataRequest.self))
        await c.close()
    }

    /// Responses come back in reverse order; each caller still gets its own.
    @Test func manyRequestsInFlightMatchByCorrelationID() async throws {
        let broker = try await TinyBroker.start { h, req in
            if h.apiKey == 18 { return allVersions(h) }
            guard let m = req as? MetadataRequest, let name = m.topics?.first?.name, let n = Int(name.dropFirst(1)) else { return .close }
            let topic = MetadataResponse.MetadataResponseTopic(name: name, partitions: [])
            return .with(h, MetadataResponse(clusterId: "c", controllerId: Int32(n), topics: [topic]), delay: .milliseconds(Int64(200 - n * 20)))
        }
        defer { Task { await broker.stop() } }
        let c = try await connect(broker)
        let results = try await withThrowingTaskGroup(of: (Int, Int32, String?).self) { group in
            for i in 0..<8 {
                group.addTask {
                    let r = try await c.send(MetadataRequest(topics: [.init(name: "t\(i)")]))
                    return (i, r.controllerId, r.topics.first?.name)
                }
            }
            var out: [(Int, Int32, String?)] = []
            for try await r in group { out.append(r) }
            return out
        }
        #expect(results.count == 8)
        for (i, controller, name) in results {
            #expect(controller == Int32(i))
            #expect(name == "t\(i)")
        }
        await c.close()
    }

    @Test func requestTimeoutFailsOnlyThatRequest() async throws {
        let broker = try await TinyBroker.start { h, req in
            if h.apiKey == 18 { return allVersions(h) }
            if let m = req as? MetadataRequest, m.topics?.first?.name == "slow" { return .ignore }
            return .with(h, MetadataResponse(controllerId: 7))
        }
        defer { Task { await broker.stop() } }
        let c = try await connect(broker)
        // The broker never answers "slow": only the request timeout can end this call.
        await #expect(throws: KafkaClientError.requestTimedOut(broker: c.label, api: "Metadata", timeout: .milliseconds(300))) {
            try await c.send(MetadataRequest(topics: [.init(name: "slow")]), timeout: .milliseconds(300))
        }
        #expect(try await c.send(MetadataRequest(topics: [])).controllerId == 7)
        await c.close()
    }

    @Test func unreachableBootstrapFailsListingEveryAddress() async throws {
        // Port 1 on loopback: connection refused (a port freed by a test could be taken by another
        // test running alongside). A blackhole address: no answer at all.
        let refusedPort = 1
        let blackholes = (1...4).map { "10.255.255.\($0):9092" }
        let config = ClientConfig(bootstrapServers: (["127.0.0.1:\(refusedPort)"] + blackholes).joined(separator: ","),
                                  connectTimeout: .seconds(3), retries: 0)
        do {
            _ = try await KafkaAdminClient.connect(config)
            Issue.record("connected to nothing")
        } catch let e as KafkaClientError {
            guard case .bootstrapFailed(let attempts, _) = e else { Issue.record("wrong error \(e)"); return }
            let text = "\(e)"
            #expect(attempts.count == 5)
            #expect(text.contains("127.0.0.1:\(refusedPort) (connection refused)"))
            for b in blackholes { #expect(text.contains(b)) }
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    /// Every bootstrap address is dialled at once, so an unreachable cluster fails within one
    /// connect timeout rather than one per address. Shown without a clock: each broker holds its
    /// handshake until all four are waiting at the same moment, which dialling one address after
    /// another never reaches (the first would time out alone and fail the test).
    @Test func bootstrapDialsEveryAddressAtOnce() async throws {
        let waiting = Recorder<Int>()
        var brokers: [TinyBroker] = []
        for _ in 0..<4 {
            brokers.append(try await TinyBroker.start { h, _ in
                guard h.apiKey == 18 else { return .close }
                waiting.add(1)
                return waiting.all.count >= 4 ? allVersions(h) : .ignore
            })
        }
        defer { for b in brokers { Task { await b.stop() } } }
        let config = ClientConfig(bootstrapServers: brokers.map(\.address).joined(separator: ","), connectTimeout: .seconds(30), retries: 0)
        let cluster = try ClusterConnections(config: config)
        let c = try await cluster.anyConnection(within: CallBudget(config: config))
        #expect(c.isActive)
        #expect(waiting.all.count == 4)
        await cluster.close()
    }

    @Test func brokerClosingFailsInFlightRequests() async throws {
        let broker = try await TinyBroker.start { h, _ in h.apiKey == 18 ? allVersions(h) : .close }
        defer { Task { await broker.stop() } }
        let c = try await connect(broker)
        await #expect(throws: KafkaClientError.self) { try await c.send(MetadataRequest(topics: [])) }
        #expect(!c.isActive)
    }
}

/// SASL against a server that runs KafkaSASL's server sessions, so the client's handshake and
/// SaslAuthenticate framing are checked before (and independently of) KafkaSim.
@Suite struct SaslConnectionTests {
    static func saslBroker(mechanism: SaslMechanism, user: String, password: String) async throws -> TinyBroker {
        let credential = try ScramCredential.derive(password: password, mechanism: mechanism.isScram ? mechanism : .scramSha256, salt: [1, 2, 3, 4])
        let session = NIOLockedScram()
        return try await TinyBroker.start { h, req in
            switch req {
            case is ApiVersionsRequest:
                return allVersions(h)
            case let hs as SaslHandshakeRequest:
                let ok = hs.mechanism == mechanism.rawValue
                return .with(h, SaslHandshakeResponse(errorCode: ok ? 0 : 33, mechanisms: [mechanism.rawValue]))
            case let auth as SaslAuthenticateRequest:
                do {
                    let reply: [UInt8]
                    if mechanism == .plain {
                        let creds = try PlainCredentials.parse(auth.authBytes)
                        guard creds.username == user else { throw SaslError.authenticationFailed("unknown user") }
                        try creds.verify(expectedPassword: password)
                        reply = []
                    } else {
                        reply = try session.step(auth.authBytes, mechanism: mechanism, users: [user: credential])
                    }
                    return .with(h, SaslAuthenticateResponse(errorCode: 0, errorMessage: nil, authBytes: reply))
                } catch {
                    return .with(h, SaslAuthenticateResponse(errorCode: 58, errorMessage: "Authentication failed during authentication due to invalid credentials with SASL mechanism \(mechanism)", authBytes: []))
                }
            case is MetadataRequest:
                return session.done ? .with(h, MetadataResponse(controllerId: 1)) : .close
            default:
                return .close
            }
        }
    }

    @Test(arguments: [SaslMechanism.plain, .scramSha256, .scramSha512])
    func authenticatesWithRightPassword(_ mechanism: SaslMechanism) async throws {
        let broker = try await Self.saslBroker(mechanism: mechanism, user: "alice", password: "alice-secret")
        defer { Task { await broker.stop() } }
        let config = ClientConfig(bootstrapServers: broker.address, security: .saslPlaintext(SaslSettings(mechanism: mechanism, username: "alice", password: "alice-secret")),
                                  connectTimeout: .seconds(30))
        let c = try await connect(broker, config)
        if mechanism.isScram { #expect(try await c.send(MetadataRequest(topics: [])).controllerId == 1) }
        await c.close()
    }

    @Test(arguments: [SaslMechanism.plain, .scramSha256, .scramSha512])
    func wrongPasswordFailsWithoutLeakingIt(_ mechanism: SaslMechanism) async throws {
        let broker = try await Self.saslBroker(mechanism: mechanism, user: "alice", password: "alice-secret")
        defer { Task { await broker.stop() } }
        let config = ClientConfig(bootstrapServers: broker.address, security: .saslPlaintext(SaslSettings(mechanism: mechanism, username: "alice", password: "WRONG-pw-123")),
                                  connectTimeout: .seconds(30))
        do {
            _ = try await connect(broker, config)
            Issue.record("authenticated with a wrong password")
        } catch let e as KafkaClientError {
            guard case .authenticationFailed = e else { Issue.record("wrong error \(e)"); return }
            #expect("\(e)".contains("SASL_AUTHENTICATION_FAILED"))
            #expect("\(e)".contains("alice"))
            #expect(!"\(e)".contains("WRONG-pw-123"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func mechanismNotEnabledIsNamed() async throws {
        let broker = try await Self.saslBroker(mechanism: .scramSha512, user: "alice", password: "pw")
        defer { Task { await broker.stop() } }
        let config = ClientConfig(bootstrapServers: broker.address, security: .saslPlaintext(SaslSettings(mechanism: .plain, username: "alice", password: "pw")),
                                  connectTimeout: .seconds(30))
        await #expect { _ = try await connect(broker, config) } throws: { e in
            "\(e)".contains("does not enable PLAIN") && "\(e)".contains("SCRAM-SHA-512")
        }
    }
}

/// The server side of one SCRAM exchange, shared by the event-loop closure (one connection per test).
final class NIOLockedScram: @unchecked Sendable {
    private let lock = NSLock()
    private var session: ScramServerSession?
    private var finished = false

    var done: Bool { lock.withLock { finished } }

    func step(_ bytes: [UInt8], mechanism: SaslMechanism, users: [String: ScramCredential]) throws -> [UInt8] {
        try lock.withLock {
            if var s = session {
                let out = try s.serverFinalMessage(clientFinal: bytes)
                session = s
                finished = true
                return out
            }
            var s = try ScramServerSession(mechanism: mechanism)
            let out = try s.serverFirstMessage(clientFirst: bytes, users: users)
            session = s
            return out
        }
    }
}
