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

    public init(model: ClusterModel, clock: any KScaleClock) {
        self.model = model
        self.clock = clock
        self.profile = model.settings.profile
    }

    /// Runs `body` on the model brought up to the current simulated time.
    public func withModel<T: Sendable>(_ body: @Sendable (inout ClusterModel, Double) throws -> T) rethrows -> T {
        let now = clock.now()
        model.advance(to: now)
        return try body(&model, now)
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
