/// Limits on a broker's load, as shares of its capacity (0.85 is 85%): the hard limits a plan with
/// rates or capacities never breaks, and the targets of `kscale plan relieve`. A limit applies to a
/// broker only where its capacity is known (disk from DescribeLogDirs or a capacity file, network
/// from a capacity file).
public struct LoadLimits: Sendable, Hashable, Codable {
    public var disk: Double
    public var networkIn: Double
    public var networkOut: Double

    /// `--max-disk` and `--max-network` when not given: what an operator keeps free for a broker
    /// failure's extra leaders and for retention spikes.
    public static let defaultDisk = 0.85
    public static let defaultNetwork = 0.80
    /// During a move the receiving broker holds what it had plus what is coming in: above this
    /// share of its disk a plan is refused or reordered (the 95% peak).
    public static let peakDisk = 0.95

    public init(disk: Double = LoadLimits.defaultDisk, networkIn: Double = LoadLimits.defaultNetwork,
                networkOut: Double = LoadLimits.defaultNetwork) {
        self.disk = disk
        self.networkIn = networkIn
        self.networkOut = networkOut
    }

    /// One dimension of load.
    public enum Dimension: String, Sendable, Hashable, CaseIterable, Codable {
        case disk
        case networkIn = "network in"
        case networkOut = "network out"

        /// The snapshot field that gives this dimension's capacity, for messages.
        public var capacityField: String {
            switch self {
            case .disk: "disk_total_bytes"
            case .networkIn: "network_in_capacity"
            case .networkOut: "network_out_capacity"
            }
        }
    }

    public func share(_ dimension: Dimension) -> Double {
        switch dimension {
        case .disk: disk
        case .networkIn: networkIn
        case .networkOut: networkOut
        }
    }
}

extension BrokerUsage {
    public func used(_ dimension: LoadLimits.Dimension) -> Int64 {
        switch dimension {
        case .disk: diskBytes
        case .networkIn: networkIn
        case .networkOut: networkOut
        }
    }

    public func capacity(_ dimension: LoadLimits.Dimension) -> Int64? {
        switch dimension {
        case .disk: diskCapacity
        case .networkIn: networkInCapacity
        case .networkOut: networkOutCapacity
        }
    }

    /// The most this broker may carry in `dimension` under `limits`; nil without a capacity.
    public func allowed(_ dimension: LoadLimits.Dimension, _ limits: LoadLimits) -> Int64? {
        capacity(dimension).map { Int64((Double($0) * limits.share(dimension)).rounded(.down)) }
    }

    /// How far above its limit the broker is in `dimension` with `adding` more on top (0 when
    /// under, or without a capacity). The one judgement of "over the limit": the relief, the
    /// planner's hard limits and the disk peak during a plan all come through here.
    public func excess(_ dimension: LoadLimits.Dimension, _ limits: LoadLimits, adding: Int64 = 0) -> Int64 {
        guard let allowed = allowed(dimension, limits) else { return 0 }
        return max(0, used(dimension) + adding - allowed)
    }

    /// The dimensions in which the broker is over `limits`.
    public func overLimits(_ limits: LoadLimits) -> [LoadLimits.Dimension] {
        LoadLimits.Dimension.allCases.filter { excess($0, limits) > 0 }
    }

    /// The broker over its limit in `dimension` (with `adding` more on top), or nil when under.
    public func breach(_ dimension: LoadLimits.Dimension, _ limits: LoadLimits, adding: Int64 = 0) -> LimitBreach? {
        guard excess(dimension, limits, adding: adding) > 0, let capacity = capacity(dimension), let allowed = allowed(dimension, limits) else {
            return nil
        }
        return LimitBreach(broker: broker, dimension: dimension, used: used(dimension) + adding, capacity: capacity,
                           limit: limits.share(dimension), allowed: allowed)
    }

    /// Every limit the broker is over, in dimension order.
    public func breaches(_ limits: LoadLimits) -> [LimitBreach] {
        LoadLimits.Dimension.allCases.compactMap { breach($0, limits) }
    }
}

/// A broker above its limit in one dimension, with the numbers an operator needs to act on it.
public struct LimitBreach: Sendable, Hashable {
    public var broker: BrokerID
    public var dimension: LoadLimits.Dimension
    /// What the broker carries (bytes, or bytes per second), its capacity, the limit as a share of
    /// it, and the most the limit allows.
    public var used: Int64
    public var capacity: Int64
    public var limit: Double
    public var allowed: Int64

    public var excess: Int64 { used - allowed }

    /// "broker 5's disk at 91.3% (1.83 TB of 2 TB), above the 85% limit (1.70 TB) by 126 GB".
    public var description: String {
        let share = Percentage.formatted((Double(used) / Double(capacity) * 1000).rounded() / 10)
        return "broker \(broker)'s \(dimension.rawValue) at \(share)% (\(amount(used)) of \(amount(capacity))), "
            + "above the \(Percentage.formatted(limit * 100))% limit (\(amount(allowed))) by \(amount(excess))"
    }

    private func amount(_ value: Int64) -> String {
        dimension == .disk ? ByteUnits.format(value) : ByteUnits.formatRate(value)
    }
}
