import Foundation

/// What one evaluation of an autoscaling policy sees: the policy, the window of signal samples,
/// the brokers (with racks) and where replicas sit, when the last action ended, whether an
/// operation is in flight, and the instant of the evaluation. No clock: `now` is given.
public struct AutoscaleInput: Sendable, Hashable {
    public var policy: AutoscalePolicy
    public var window: SignalWindow
    public var brokers: [Broker]
    /// Every partition's replica list: the rack rule a scale-in must keep depends on them.
    public var replicaSets: [[BrokerID]]
    /// The END of the last scale action (either direction); nil when there was none.
    public var lastActionEnd: Date?
    public var operationInFlight: Bool
    public var now: Date

    public init(policy: AutoscalePolicy, window: SignalWindow, brokers: [Broker], replicaSets: [[BrokerID]],
                lastActionEnd: Date? = nil, operationInFlight: Bool = false, now: Date) {
        self.policy = policy
        self.window = window
        self.brokers = brokers
        self.replicaSets = replicaSets
        self.lastActionEnd = lastActionEnd
        self.operationInFlight = operationInFlight
        self.now = now
    }

    /// The brokers and replica placement of `snapshot` (the newest sample's).
    public init(policy: AutoscalePolicy, window: SignalWindow, snapshot: ClusterSnapshot,
                lastActionEnd: Date? = nil, operationInFlight: Bool = false, now: Date) {
        self.init(policy: policy, window: window, brokers: snapshot.brokers,
                  replicaSets: snapshot.topics.flatMap { $0.partitions.map(\.replicas) },
                  lastActionEnd: lastActionEnd, operationInFlight: operationInFlight, now: now)
    }
}

/// The decision of one evaluation (`kscale autoscale --once --output json`, docs/autoscale.md).
public struct AutoscaleDecision: Sendable, Hashable, Encodable {
    public enum Action: String, Sendable, Hashable, Encodable {
        case scaleOut = "scale-out"
        case scaleIn = "scale-in"
        case none
    }

    /// A broker to add (a new id and the rack to start it in) or to remove.
    public struct PlannedBroker: Sendable, Hashable, Encodable {
        public var id: BrokerID
        public var rack: String?
    }

    /// The schedule entry in force, for reasons.
    public struct ScheduleReference: Sendable, Hashable, Encodable {
        public var entry: Int
        public var line: Int
        public var cron: String
        public var timezone: String
        public var firedAt: String

        enum CodingKeys: String, CodingKey {
            case entry, line, cron, timezone
            case firedAt = "fired_at"
        }
    }

    /// Why: the signals that held (with their values over the window) or the bound or schedule entry.
    public struct Reason: Sendable, Hashable, Encodable {
        public var summary: String
        /// Each deciding signal's values over the window, oldest first.
        public var signals: [String: [Double?]]?
        public var schedule: ScheduleReference?
    }

    /// One signal now: its value (the newest sample's), thresholds, its state over the window and,
    /// when a scale-in was weighed, the value predicted after it.
    public struct SignalReading: Sendable, Hashable, Encodable {
        public enum State: String, Sendable, Hashable, Encodable {
            /// Above out_above in every sample of the window.
            case above
            /// Below in_below in every sample of the window.
            case below
            case between
            /// No value (no capacity, no samples, no query result).
            case unknown
        }

        public var value: Double?
        public var outAbove: Double?
        public var inBelow: Double?
        public var state: State
        public var window: [Double?]
        public var predictedAfterScaleIn: Double?

        enum CodingKeys: String, CodingKey {
            case value, state, window
            case outAbove = "out_above"
            case inBelow = "in_below"
            case predictedAfterScaleIn = "predicted_after_scale_in"
        }

        /// Every key, `null` when unknown, so a script reads the same object for every signal.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value, forKey: .value)
            try container.encode(outAbove, forKey: .outAbove)
            try container.encode(inBelow, forKey: .inBelow)
            try container.encode(state, forKey: .state)
            try container.encode(window, forKey: .window)
            try container.encode(predictedAfterScaleIn, forKey: .predictedAfterScaleIn)
        }
    }

    /// What stopped the action the signals or schedule wanted.
    public struct Block: Sendable, Hashable, Encodable {
        public enum Kind: String, Sendable, Hashable, Encodable {
            case cooldown
            case min
            case max
            case schedule
            case operationInFlight = "operation_in_flight"
            /// The load predicted after the scale-in is too close to a scale-out threshold.
            case predictedLoad = "predicted_load"
            /// Removing more brokers would leave a partition unable to keep its rack rule.
            case rackRule = "rack_rule"
            /// The drain's estimate at the policy's throttle is longer than `max_drain`.
            case maxDrain = "max_drain"
        }

        public var kind: Kind
        public var detail: String
        /// When the block lifts, for a cooldown.
        public var until: String?
    }

    /// What the action would move, by the planner's plan for it, and how long that takes at the
    /// policy's throttle (`seconds` nil when unthrottled or unknown).
    public struct Cost: Sendable, Hashable, Encodable {
        public var replicasMoved: Int
        public var bytes: Int64
        public var seconds: Double?
        public var throttle: Int64?
        public init(replicasMoved: Int, bytes: Int64, seconds: Double?, throttle: Int64?) {
            self.replicasMoved = replicasMoved
            self.bytes = bytes
            self.seconds = seconds
            self.throttle = throttle
        }

        enum CodingKeys: String, CodingKey {
            case replicasMoved = "replicas_moved", bytes, seconds, throttle
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(replicasMoved, forKey: .replicasMoved)
            try container.encode(bytes, forKey: .bytes)
            try container.encode(seconds, forKey: .seconds)
            try container.encode(throttle, forKey: .throttle)
        }
    }

    public var action: Action
    public var count: Int
    public var brokers: [PlannedBroker]
    /// Set by the loop, which can plan (`costed(_:maxDrain:)`); nil over snapshots and for `none`.
    public var cost: Cost?
    public var reason: Reason
    public var signals: [String: SignalReading]
    public var blockedBy: [Block]
    public var nextEvaluation: String
    /// Brokers now, and the floor and ceiling in force (brokers.min/max moved by the schedule).
    public var current: Int
    public var floor: Int
    public var ceiling: Int

    enum CodingKeys: String, CodingKey {
        case action, count, brokers, reason, signals, current, floor, ceiling, cost
        case blockedBy = "blocked_by"
        case nextEvaluation = "next_evaluation"
    }

    /// `2026-12-01T08:00:00Z`.
    public static func timestamp(_ date: Date) -> String { date.formatted(.iso8601) }

    /// The decision with what its action costs; a scale-in whose drain would take longer than
    /// `maxDrain` seconds becomes `none`, blocked by `max_drain` (issue 15, "cost-aware"). A cost
    /// without a duration (unthrottled) never blocks: its length is unknown, not long.
    public func costed(_ cost: Cost?, maxDrain: Double?) -> AutoscaleDecision {
        var decision = self
        decision.cost = cost
        guard action == .scaleIn, let maxDrain, let seconds = cost?.seconds, seconds > maxDrain else { return decision }
        decision.blockedBy.append(Block(kind: .maxDrain, detail: "draining \(count) broker\(count == 1 ? "" : "s") would take about \(DurationText.format(seconds)) at the policy's throttle, longer than max_drain \(DurationText.format(maxDrain))", until: nil))
        decision.action = .none
        decision.count = 0
        decision.brokers = []
        return decision
    }
}
