import Foundation

/// One reading of the cluster's signals at an instant: the load of every broker from the load model
/// (`ClusterSnapshot.brokerUsage`, capacities included), the replica count, and CPU when a
/// Prometheus query gave it. The decision reads signal values from here and nowhere else.
public struct AutoscaleSample: Sendable, Hashable {
    public var at: Date
    public var usage: [BrokerUsage]
    /// Replicas in the cluster (for partitions per broker).
    public var replicas: Int
    /// Mean CPU per broker as a share (0.6 for 60%), when known.
    public var cpu: Double?

    public init(at: Date, usage: [BrokerUsage], replicas: Int, cpu: Double? = nil) {
        self.at = at
        self.usage = usage
        self.replicas = replicas
        self.cpu = cpu
    }

    /// A sample of `snapshot` (with rates and capacities: `kscale snapshot --sample`, gen_cluster.py,
    /// `withCapacities`) taken at `at`; the load of its registered brokers, current leaders.
    public init(snapshot: ClusterSnapshot, at: Date, cpu: Double? = nil) {
        let registered = Set(snapshot.brokers.map(\.id))
        self.init(at: at, usage: snapshot.brokerUsage(leaders: .current).filter { registered.contains($0.broker) },
                  replicas: snapshot.replicaCount, cpu: cpu)
    }

    /// The signal's value now: the cluster's load over its capacity (so the mean share per broker),
    /// replicas per broker, or CPU. nil when unknown (no capacities, no brokers, no query result).
    public func value(of kind: AutoscalePolicy.SignalKind) -> Double? {
        predicted(kind, without: [])
    }

    /// The value once `removed` brokers are gone and today's load is spread over the rest: the same
    /// bytes over the remaining capacity, the same replicas over fewer brokers, the same CPU work
    /// over fewer brokers.
    public func predicted(_ kind: AutoscalePolicy.SignalKind, without removed: Set<BrokerID>) -> Double? {
        let remaining = usage.filter { !removed.contains($0.broker) }
        guard !remaining.isEmpty else { return nil }
        switch kind {
        case .networkIn: return Self.share(used: usage.map(\.networkIn), capacities: remaining.map(\.networkInCapacity))
        case .networkOut: return Self.share(used: usage.map(\.networkOut), capacities: remaining.map(\.networkOutCapacity))
        case .disk: return Self.share(used: usage.map(\.diskBytes), capacities: remaining.map(\.diskCapacity))
        case .partitionsPerBroker: return Double(replicas) / Double(remaining.count)
        case .cpu: return cpu.map { $0 * Double(usage.count) / Double(remaining.count) }
        }
    }

    /// All the load over all the capacity; nil when any broker's capacity is unknown.
    private static func share(used: [Int64], capacities: [Int64?]) -> Double? {
        var capacity: Int64 = 0
        for each in capacities {
            guard let each, each > 0 else { return nil }
            capacity += each
        }
        return Double(used.reduce(0, +)) / Double(capacity)
    }
}

/// The samples of one evaluation window, oldest first.
public struct SignalWindow: Sendable, Hashable {
    public var samples: [AutoscaleSample]

    public init(_ samples: [AutoscaleSample]) {
        self.samples = samples.sorted { $0.at < $1.at }
    }

    /// Snapshots taken `interval` apart, the last at `end`: `autoscale --once` with several
    /// `--snapshot` in time order.
    public static func evenlySpaced(_ snapshots: [ClusterSnapshot], endingAt end: Date, interval: Double) -> SignalWindow {
        SignalWindow(snapshots.enumerated().map { index, snapshot in
            AutoscaleSample(snapshot: snapshot, at: end.addingTimeInterval(-interval * Double(snapshots.count - 1 - index)))
        })
    }

    /// The samples in the window that ends at `now` and is `length` seconds long.
    public func within(_ length: Double, endingAt now: Date) -> [AutoscaleSample] {
        samples.filter { $0.at <= now && $0.at >= now.addingTimeInterval(-length) }
    }
}
