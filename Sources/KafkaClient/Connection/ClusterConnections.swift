import KScaleCore
import KafkaProtocol
import NIOCore
import NIOPosix
import NIOSSL

/// The client's view of a cluster: who the brokers are, who the controller is, and one
/// connection per broker, opened on first use and reopened after a failure.
///
/// An actor because several admin calls run at once and share the connections and metadata.
actor ClusterConnections {
    let config: ClientConfig
    private let bootstrap: [HostPort]
    private let group: any EventLoopGroup
    private let tls: NIOSSLContext?

    private(set) var brokers: [BrokerID: BrokerInfo] = [:]
    private(set) var controllerID: BrokerID?
    private(set) var clusterID: String?
    /// Connections being opened (shared by concurrent callers) and those open.
    private var connecting: [BrokerID: Task<BrokerConnection, any Error>] = [:]
    private var live: [BrokerID: BrokerConnection] = [:]
    private var bootstrapConnection: BrokerConnection?
    private var isClosed = false

    init(config: ClientConfig, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) throws {
        self.config = config
        self.bootstrap = try config.bootstrapAddresses()
        self.group = group
        self.tls = try config.security.tls.map(TLSContextFactory.makeContext)
    }

    // MARK: connections

    /// Any working connection: a broker we already talk to, else the bootstrap servers.
    func anyConnection(within budget: CallBudget) async throws -> BrokerConnection {
        guard !isClosed else { throw KafkaClientError.closed }
        if let c = live.values.sorted(by: { $0.label < $1.label }).first(where: \.isActive) { return c }
        if let boot = bootstrapConnection, boot.isActive {
            // Once the brokers are known, talk to one by id, so its errors name it ("broker 2 (...)").
            let candidates = brokers.values.filter { !$0.fenced }.sorted { a, b in
                let am = HostPort(host: a.host, port: Int(a.port)) == boot.address, bm = HostPort(host: b.host, port: Int(b.port)) == boot.address
                return am != bm ? am : a.id < b.id
            }
            if let first = candidates.first, let c = try? await connection(to: first.id, within: budget) {
                if bootstrapConnection === boot { bootstrapConnection = nil }
                await boot.close()
                return c
            }
            return boot
        }
        let c = try await connectBootstrap(within: budget)
        bootstrapConnection = c
        return c
    }

    /// Tries every bootstrap address at once and keeps the first that completes the handshake, so
    /// an unreachable cluster fails within one connect timeout, naming every address tried. Late
    /// winners close themselves; nothing waits for the slow attempts. An address that answers
    /// but breaks the protocol is one more failed address: another may be a good broker.
    private func connectBootstrap(within budget: CallBudget) async throws -> BrokerConnection {
        let config = self.config, tls = self.tls, group = self.group
        let limit = budget.limited(to: config.connectTimeout).budget.timeout
        let (results, sink) = AsyncStream<Result<BrokerConnection, any Error>>.makeStream()
        let decided = OnceFlag()
        for address in bootstrap {
            Task {
                do {
                    let c = try await BrokerConnection.connect(to: address, label: "bootstrap server \(address)", config: config, tls: tls,
                                                               group: group, within: budget)
                    if await decided.claim() { sink.yield(.success(c)) } else { await c.close() }
                } catch {
                    sink.yield(.failure(error))
                }
            }
        }
        var failures: [String] = []
        for await result in results {
            switch result {
            case .success(let c):
                sink.finish()
                return c
            case .failure(let e):
                // Authentication failures and refusals are a cluster's answers, not one bad address:
                // report them as they are.
                if Self.isClusterAnswer(e), await decided.claim() {
                    sink.finish()
                    throw e
                }
                failures.append(Self.attemptText(e))
                if failures.count == bootstrap.count {
                    sink.finish()
                    throw KafkaClientError.bootstrapFailed(attempts: failures, timeout: limit)
                }
            }
        }
        throw KafkaClientError.bootstrapFailed(attempts: failures, timeout: limit)
    }

    /// Refused authentication or an API the cluster lacks: every address would say the same.
    private static func isClusterAnswer(_ e: any Error) -> Bool {
        guard let e = e as? KafkaClientError else { return true }
        switch e {
        case .authenticationFailed, .unsupported: return true
        default: return false
        }
    }

    /// "10.0.0.1:9092 (connection refused)": the address, then what went wrong with it.
    private static func attemptText(_ e: any Error) -> String {
        guard let e = e as? KafkaClientError else { return "\(e)" }
        let address = e.failedBroker.replacingOccurrences(of: "bootstrap server ", with: "")
        if case let .connectFailed(_, why) = e { return "\(address) (\(why))" }
        return "\(address) (\(reason(e, after: e.failedBroker)))"
    }

    /// The connection to broker `id`, opening it from the metadata's host and port. A caller that
    /// finds the connection already being opened waits for that (bounded by the connect timeout).
    func connection(to id: BrokerID, within budget: CallBudget) async throws -> BrokerConnection {
        guard !isClosed else { throw KafkaClientError.closed }
        if let c = live[id] {
            if c.isActive { return c }
            live[id] = nil
        }
        if let pending = connecting[id] { return try await pending.value }
        if brokers[id] == nil { try await refreshMetadata(within: budget) }
        guard let info = brokers[id] else { throw KafkaClientError.unknownBroker(id) }
        let config = self.config, tls = self.tls, group = self.group
        let address = HostPort(host: info.host, port: Int(info.port))
        let task = Task {
            try await BrokerConnection.connect(to: address, label: "broker \(id) (\(address))", config: config, tls: tls, group: group, within: budget)
        }
        connecting[id] = task
        defer { connecting[id] = nil }
        let c = try await task.value
        if isClosed {
            await c.close()
            throw KafkaClientError.closed
        }
        live[id] = c
        return c
    }

    /// The controller, as the last metadata named it (refreshed when unknown).
    func controllerConnection(within budget: CallBudget) async throws -> BrokerConnection {
        if controllerID == nil { try await refreshMetadata(within: budget) }
        guard let id = controllerID else {
            throw KafkaClientError.unsupported(broker: "cluster", api: "controller routing", reason: "the cluster reports no controller")
        }
        return try await connection(to: id, within: budget)
    }

    /// Forgets a connection that failed, so the next call dials again.
    func dropConnection(_ c: BrokerConnection) async {
        for (id, open) in live where open === c { live[id] = nil }
        if bootstrapConnection === c { bootstrapConnection = nil }
        await c.close()
    }

    func close() async {
        isClosed = true
        let all = Array(live.values) + (bootstrapConnection.map { [$0] } ?? [])
        live.removeAll()
        bootstrapConnection = nil
        for c in all { await c.close() }
    }

    // MARK: metadata

    /// Brokers, racks and the controller: DescribeCluster when the broker has it (Kafka 2.8+,
    /// and it also reports fenced brokers), else Metadata for no topics. One attempt: a
    /// connection that fails is dropped, and the caller's retry loop decides whether to try again.
    @discardableResult
    func refreshMetadata(within budget: CallBudget) async throws -> ClusterDescription {
        let c = try await anyConnection(within: budget)
        let description: ClusterDescription
        do {
            description = try await Self.describe(over: c, within: budget)
        } catch let e as KafkaClientError where e.isRetriable {
            await dropConnection(c)
            throw e
        }
        apply(description)
        return description
    }

    func apply(_ d: ClusterDescription) {
        brokers = Dictionary(d.brokers.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        controllerID = d.controllerID
        clusterID = d.clusterID
        // A connection to a broker that left or moved (new host or port) must not be reused.
        for (id, c) in live where brokers[id].map({ HostPort(host: $0.host, port: Int($0.port)) }) != c.address {
            live[id] = nil
            Task { await c.close() }
        }
    }

    static func describe(over c: BrokerConnection, within budget: CallBudget) async throws -> ClusterDescription {
        if c.versions.supports(DescribeClusterRequest.self) {
            let v = try c.versions.version(for: DescribeClusterRequest.self, broker: c.label)
            let r = try await c.send(DescribeClusterRequest(includeFencedBrokers: v >= 2), within: budget)
            guard r.errorCode == 0 else {
                throw KafkaAPIError(code: r.errorCode, name: errorName(r.errorCode), message: r.errorMessage, api: "DescribeCluster", broker: c.label)
            }
            return ClusterDescription(
                clusterID: r.clusterId,
                controllerID: r.controllerId >= 0 ? r.controllerId : nil,
                brokers: r.brokers.map { BrokerInfo(id: $0.brokerId, host: $0.host, port: $0.port, rack: $0.rack, fenced: $0.isFenced) }
                    .sorted { $0.id < $1.id })
        }
        let r = try await c.send(MetadataRequest(topics: []), within: budget)
        return ClusterDescription(
            clusterID: r.clusterId,
            controllerID: r.controllerId >= 0 ? r.controllerId : nil,
            brokers: r.brokers.map { BrokerInfo(id: $0.nodeId, host: $0.host, port: $0.port, rack: $0.rack) }.sorted { $0.id < $1.id })
    }
}

/// Set once by whoever gets there first.
private actor OnceFlag {
    private var taken = false
    func claim() -> Bool {
        defer { taken = true }
        return !taken
    }
}
