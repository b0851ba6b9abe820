import KScaleCore

/// How far behind the controller each broker's metadata is (`kscale sim --metadata-lag`,
/// `SimOptions.metadataLag`), in simulated seconds.
///
/// Kafka brokers answer Metadata (and, in KRaft, DescribeConfigs and DescribeTopicPartitions)
/// from their own metadata cache, which is applied after the controller commits: in KRaft each
/// broker replays the metadata log into its `MetadataImage` at its own pace
/// (`BrokerMetadataListener`/`MetadataLoader`, `KRaftMetadataCache`, KIP-500, KIP-631); in
/// ZooKeeper mode the controller sends UpdateMetadata to each broker (`ZkMetadataCache`), while
/// DescribeConfigs reads ZooKeeper itself (`ConfigHelper` over `ZkConfigRepository`). The
/// controller's own requests (Alter/ListPartitionReassignments, IncrementalAlterConfigs writes,
/// ElectLeaders) see the current state.
public struct MetadataLag: Sendable, Equatable {
    /// The lag of every broker not named in `byBroker`; 0 (the default) is none.
    public var seconds: Double
    /// Brokers that apply metadata at their own pace.
    public var byBroker: [BrokerID: Double]

    public init(seconds: Double = 0, byBroker: [BrokerID: Double] = [:]) {
        self.seconds = seconds
        self.byBroker = byBroker
    }

    public static let none = MetadataLag()

    public func seconds(for broker: BrokerID) -> Double { max(0, byBroker[broker] ?? seconds) }

    /// The largest lag of any broker: how much history the engine keeps.
    public var largest: Double { max(0, ([seconds] + Array(byBroker.values)).max() ?? 0) }

    public var isNone: Bool { largest == 0 }

    /// A lag is a finite number of seconds, not negative.
    public func validate() throws {
        for (what, value) in [("the metadata lag", seconds)] + byBroker.sorted(by: { $0.key < $1.key }).map({ ("broker \($0.key)'s metadata lag", $0.value) }) {
            guard value.isFinite, value >= 0 else { throw InvalidInput("\(what) must be a non-negative number of seconds, got \(value)") }
        }
    }
}

/// The cluster as it was at recent moments, so a lagging broker answers from the state it has
/// applied: each entry is the model right after a request or control operation changed (or
/// read) it, and the model between two entries only moves by `advance` (replication on simulated
/// time), so the state at any moment is the newest entry before it, advanced to it.
struct ModelHistory: Sendable {
    private var entries: [(time: Double, model: ClusterModel)] = []

    init(_ model: ClusterModel, at time: Double) { entries = [(time, model)] }

    /// Records `model` as the state from `time` on, keeping what a lag of `keep` seconds needs.
    mutating func record(_ model: ClusterModel, at time: Double, keep: Double) {
        // A later state at the same moment replaces the last, except the first: it stays the
        // state before that moment, for a broker that lags behind the start.
        if entries.count > 1, let last = entries.last, last.time == time { entries.removeLast() }
        entries.append((time, model))
        // The newest entry at or before `time - keep` is still needed; older ones are not.
        while entries.count >= 2, entries[1].time <= time - keep { entries.removeFirst() }
    }

    /// The cluster as of `moment` (the oldest state known when the history starts later).
    func model(at moment: Double) -> ClusterModel? {
        guard var view = (entries.last { $0.time <= moment } ?? entries.first)?.model else { return nil }
        view.advance(to: moment)
        return view
    }
}
