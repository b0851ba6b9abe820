import KScaleCore
import KScaleTime

/// The cluster model behind an actor, on a clock: one place where every broker's requests and
/// every control operation meet, so they see one consistent cluster.
public actor SimEngine {
    private var model: ClusterModel
    public let clock: any KScaleClock
    /// Per-broker response delay in milliseconds (the slow-broker fault).
    private var slow: [BrokerID: Int] = [:]
    private var producerIDs: Int64 = 1000
    private var mutating: [Int16: Int] = [:]
    /// The release and mode the cluster behaves as (fixed at start).
    public nonisolated let profile: KafkaProfile
    /// How far behind the controller each broker's metadata cache is (`MetadataLag`).
    public nonisolated let metadataLag: MetadataLag
    /// Recent states, kept only while some broker lags.
    private var history: ModelHistory?

    public init(model: ClusterModel, clock: any KScaleClock, metadataLag: MetadataLag = .none) {
        self.model = model
        self.clock = clock
        self.profile = model.settings.profile
        self.metadataLag = metadataLag
        if !metadataLag.isNone { history = ModelHistory(model, at: model.time) }
    }

    /// Runs `body` on the model brought up to the current simulated time: the controller's view.
    public func withModel<T: Sendable>(_ body: @Sendable (inout ClusterModel, Double) throws -> T) rethrows -> T {
        let now = clock.now()
        model.advance(to: now)
        defer { history?.record(model, at: now, keep: metadataLag.largest) }
        return try body(&model, now)
    }

    /// Runs `body` on the cluster as `broker`'s metadata cache has it: the state `MetadataLag`
    /// seconds old for that broker (the current state when it does not lag), with that moment.
    func withMetadataView<T: Sendable>(of broker: BrokerID, _ body: @Sendable (ClusterModel, Double) throws -> T) rethrows -> T {
        let lag = metadataLag.seconds(for: broker)
        let now = clock.now()
        model.advance(to: now)
        history?.record(model, at: now, keep: metadataLag.largest)
        guard lag > 0, let view = history?.model(at: now - lag) else { return try body(model, now) }
        return try body(view, now - lag)
    }

    /// Starts the history again from now: the cluster as its listeners came up (with their
    /// ports) is the oldest state a lagging broker can answer from.
    func restartHistory() {
        guard history != nil else { return }
        model.advance(to: clock.now())
        history = ModelHistory(model, at: model.time)
    }

    public func state() -> SimState {
        model.advance(to: clock.now())
        return model.state(slowMs: slow)
    }

    public func setSlow(broker: BrokerID, ms: Int) { slow[broker] = ms > 0 ? ms : nil }

    /// A fresh producer id for InitProducerId.
    public func nextProducerID() -> Int64 {
        producerIDs += 1
        return producerIDs
    }

    public func slowMs(_ broker: BrokerID) -> Int { slow[broker] ?? 0 }

    /// Requests served that change the cluster (validate_only ones excluded), by api key.
    public func mutatingRequests() -> [Int16: Int] { mutating }

    func countMutatingRequest(apiKey: Int16) { mutating[apiKey, default: 0] += 1 }
}
