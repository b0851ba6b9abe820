import Foundation
import KScaleCore
import KScaleTime
import NIOCore
import NIOPosix

/// A running simulated cluster: one TCP listener per broker, all backed by one `SimEngine`, plus
/// an optional HTTP control API. Tests start it in process; `kscale sim` runs it as a command.
///
///     let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions())
///     // ... point a client at sim.bootstrapServers ...
///     await sim.shutdown()
public final class SimCluster: Sendable {
    public let engine: SimEngine
    /// "127.0.0.1:P1,127.0.0.1:P2,..." in snapshot order.
    public let bootstrapServers: String
    /// `http://host:port` of the control API when one was asked for.
    public let controlURL: String?
    let servers: [BrokerID: BrokerServer]
    let brokerOrder: [BrokerID]
    private let group: MultiThreadedEventLoopGroup
    let faults: FaultState
    private let control: ControlServer?

    private init(engine: SimEngine, servers: [BrokerID: BrokerServer], brokerOrder: [BrokerID], group: MultiThreadedEventLoopGroup,
                 faults: FaultState, bootstrap: String, control: ControlServer?, controlURL: String?) {
        self.engine = engine
        self.servers = servers
        self.brokerOrder = brokerOrder
        self.group = group
        self.faults = faults
        self.bootstrapServers = bootstrap
        self.control = control
        self.controlURL = controlURL
    }

    /// Builds the cluster from a snapshot and returns once every listener accepts connections.
    public static func start(snapshot: ClusterSnapshot, options: SimOptions = SimOptions()) async throws -> SimCluster {
        guard options.timeScale > 0 else { throw InvalidInput("--time-scale must be positive, got \(options.timeScale)") }
        guard options.brokerNetworkBytesPerSec > 0 else { throw InvalidInput("the broker network rate must be positive") }
        guard options.ingestBytesPerSecPerPartition >= 0 else { throw InvalidInput("the ingest rate cannot be negative") }
        try options.metadataLag.validate()
        if options.securityProtocol == .saslPlaintext, options.users.isEmpty {
            throw InvalidInput("a SASL listener needs at least one user")
        }
        let settings = ClusterModel.Settings(brokerNetworkBytesPerSec: Double(options.brokerNetworkBytesPerSec),
                                             ingestBytesPerSecPerPartition: Double(options.ingestBytesPerSecPerPartition),
                                             defaultDiskBytes: options.defaultDiskBytes,
                                             maxPartitionsPerRequest: options.maxPartitionsPerRequest, profile: options.profile)
        let clock: any KScaleClock = options.clock ?? ScaledClock(timeScale: options.timeScale)
        let model = try ClusterModel(snapshot: snapshot, settings: settings, host: options.listenHost, startTime: clock.now())
        let order = model.brokerOrder
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(2, min(4, System.coreCount)))
        let faults = FaultState()
        let security = try SecuritySettings(protocolName: options.securityProtocol, users: options.users)
        var servers: [BrokerID: BrokerServer] = [:]
        do {
            let engine = SimEngine(model: model, clock: clock, metadataLag: options.metadataLag)
            for (i, id) in order.enumerated() {
                let server = BrokerServer(broker: id, host: options.listenHost, group: group, engine: engine, faults: faults, security: security)
                let port = try await server.start(port: options.basePort == 0 ? 0 : options.basePort + i)
                servers[id] = server
                await engine.withModel { m, _ in m.setEndpoint(id, host: options.listenHost, port: Int32(port)) }
                // A dormant broker's port is bound once, so it is known, and closed until
                // `POST /brokers/{id}/start` registers and starts it.
                if await engine.withModel({ m, _ in m.broker(id)?.registered == false }) { await server.stop() }
            }
            await engine.restartHistory()
            let dormant = Set(snapshot.brokers.filter { $0.registered == false }.map(\.id))
            let bootstrap = order.filter { !dormant.contains($0) }
                .compactMap { servers[$0].map { "\(options.listenHost):\($0.port)" } }.joined(separator: ",")
            var control: ControlServer?
            var controlURL: String?
            let cluster: SimCluster
            if let controlPort = options.controlPort {
                let server = ControlServer(host: options.listenHost, group: group)
                let bound = try await server.start(port: controlPort)
                control = server
                controlURL = "http://\(options.listenHost):\(bound)"
            }
            cluster = SimCluster(engine: engine, servers: servers, brokerOrder: order, group: group, faults: faults,
                                 bootstrap: bootstrap, control: control, controlURL: controlURL)
            control?.attach(cluster)
            return cluster
        } catch {
            for s in servers.values { await s.stop() }
            try? await group.shutdownGracefully()
            throw error
        }
    }

    // MARK: - Operations (also served by the control API)

    /// The cluster now: snapshot with ISR and leaders, moves in flight, broker liveness.
    public func state() async -> SimState { await engine.state() }

    /// Stops a broker: its listener and connections close and the controller fails it over.
    public func stopBroker(_ id: BrokerID) async {
        try? await stopBrokerChecked(id)
    }

    public func startBroker(_ id: BrokerID) async {
        try? await startBrokerChecked(id)
    }

    public func moveController(to id: BrokerID) async {
        try? await moveControllerChecked(to: id)
    }

    /// Delays every response from the broker by `ms` milliseconds (0 turns it off).
    public func setSlow(broker id: BrokerID, ms: Int) async {
        await engine.setSlow(broker: id, ms: ms)
    }

    /// The broker's next `count` requests close their connection without an answer.
    public func dropConnections(broker id: BrokerID, nextRequests count: Int) {
        faults.dropNext(id, count: count)
    }

    /// Requests served that change the cluster (validate_only ones excluded), by api key: a dry run
    /// leaves every count at zero.
    public func mutatingRequests() async -> [Int16: Int] { await engine.mutatingRequests() }

    /// Seeds a consumer group's committed offset so consumer lag can be tested.
    public func commitOffset(group: String, _ tp: TopicPartition, offset: Int64) async {
        await engine.withModel { m, _ in m.commitOffset(group: group, tp, offset: offset) }
    }

    /// `POST /traffic`: new produce and consume rates from now on (`ClusterModel.setTraffic`).
    public func setTraffic(_ changes: [SimTrafficChange]) async throws {
        do {
            try await engine.withModel { m, t in try m.setTraffic(changes, at: t) }
        } catch let failure as SimFailure {
            throw InvalidInput(failure.message ?? "the traffic change was refused")
        }
    }

    /// The brokers' `BrokerTopicMetrics` counters in the Prometheus text format: `brokers` nil
    /// gives every broker with a `broker` label, one broker its own exporter's page.
    public func metrics(brokers ids: [BrokerID]?) async -> String {
        let order = brokerOrder
        let counts = await engine.withModel { m, _ in (ids ?? order).map { ($0, m.trafficCounters(broker: $0)) } }
        return PrometheusMetrics.render(counts, brokerLabel: ids == nil)
    }

    func stopBrokerChecked(_ id: BrokerID) async throws {
        guard let server = servers[id] else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        try await engine.withModel { m, t in try m.stopBroker(id, at: t) }
        await server.stop()
    }

    func startBrokerChecked(_ id: BrokerID) async throws {
        guard let server = servers[id] else { throw InvalidInput("no broker \(id) in the simulated cluster") }
        if await engine.withModel({ m, _ in m.isAlive(id) }) { return }
        // A broker UnregisterBroker took out of the model while it ran still listens: closed
        // first, so it starts on its port again (nothing to close for a stopped one).
        await server.stop()
        _ = try await server.start(port: server.port)
        try await engine.withModel { m, t in try m.startBroker(id, at: t) }
    }

    func moveControllerChecked(to id: BrokerID) async throws {
        try await engine.withModel { m, t in try m.moveController(to: id, at: t) }
    }

    /// Closes every listener and connection and stops the event loops.
    public func shutdown() async {
        for s in servers.values { await s.stop() }
        await control?.stop()
        try? await group.shutdownGracefully()
    }
}
