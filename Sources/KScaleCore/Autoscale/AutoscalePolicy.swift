import Foundation

/// An autoscaling policy (`kscale autoscale --policy FILE`, docs/autoscale.md): every key of the
/// file, read and checked by `AutoscalePolicy.read` into values the decision rule uses as they are.
/// Shares are fractions (0.7 for `70%`), durations seconds, rates bytes per second.
public struct AutoscalePolicy: Sendable, Hashable {
    public struct BrokerBounds: Sendable, Hashable {
        public var min: Int
        public var max: Int
        public init(min: Int, max: Int) {
            self.min = min
            self.max = max
        }
    }

    /// Brokers per action.
    public struct Step: Sendable, Hashable {
        public var out: Int
        public var `in`: Int
        public init(out: Int = Step.defaultStep, in scaleIn: Int = Step.defaultStep) {
            self.out = out
            self.in = scaleIn
        }

        /// Brokers added or removed per action when the policy does not say.
        public static let defaultStep = 3
        /// The most brokers one scale-in removes unless `step.allow_in_above_cap: true`: each is a
        /// drain, and a wide drain is where data gets lost.
        public static let scaleInCap = 3
    }

    /// Seconds from the END of the previous action (either direction) before the next may start.
    public struct Cooldown: Sendable, Hashable {
        public var out: Double
        public var `in`: Double
        public init(out: Double = Cooldown.defaultOut, in scaleIn: Double = Cooldown.defaultIn) {
            self.out = out
            self.in = scaleIn
        }

        public static let defaultOut: Double = 15 * 60
        public static let defaultIn: Double = 60 * 60
    }

    /// How often the loop samples and decides, and how long a signal must hold.
    public struct Evaluation: Sendable, Hashable {
        public var interval: Double
        public var window: Double
        public init(interval: Double = Evaluation.defaultInterval, window: Double = Evaluation.defaultWindow) {
            self.interval = interval
            self.window = window
        }

        public static let defaultInterval: Double = 60
        public static let defaultWindow: Double = 10 * 60
    }

    public enum SignalKind: String, Sendable, Hashable, CaseIterable, Codable {
        /// Network in per broker over its `network_in_capacity` (the load model, `BrokerUsage`).
        case networkIn = "network_in"
        case networkOut = "network_out"
        /// Replica bytes over disk capacity; never a scale-in signal.
        case disk
        /// Replicas per broker (a count, not a share).
        case partitionsPerBroker = "partitions_per_broker"
        /// CPU from a Prometheus query (a share of one core per broker, as `rate(process_cpu_seconds_total)`).
        case cpu

        /// True when the thresholds are shares (`70%`); false for a count.
        public var isShare: Bool { self != .partitionsPerBroker }
        /// Disk is never a reason to remove a broker: removing one moves its bytes onto the rest.
        public var canScaleIn: Bool { self != .disk }

        /// A value for people: `72.5%` for a share, `4100` for a count.
        public func formatted(_ value: Double) -> String {
            isShare ? Percentage.formatted(value * 100) + "%" : Percentage.formatted(value)
        }
    }

    /// One signal: scale out above `outAbove` for the whole window, allow scale-in below `inBelow`.
    public struct Signal: Sendable, Hashable {
        public var kind: SignalKind
        public var outAbove: Double?
        public var inBelow: Double?
        /// The PromQL query of a `cpu` signal.
        public var prometheus: String?
        public init(kind: SignalKind, outAbove: Double? = nil, inBelow: Double? = nil, prometheus: String? = nil) {
            self.kind = kind
            self.outAbove = outAbove
            self.inBelow = inBelow
            self.prometheus = prometheus
        }
    }

    /// A schedule entry: from each time `cron` fires, until another entry fires, it moves the floor
    /// (`min`) and ceiling (`max`) of on-demand scaling, or (in a policy without signals) sets `desired`.
    public struct ScheduleEntry: Sendable, Hashable {
        public var cron: CronSchedule
        public var min: Int?
        public var max: Int?
        public var desired: Int?
        /// Line of the entry in the policy file, for reasons.
        public var line: Int
        public init(cron: CronSchedule, min: Int? = nil, max: Int? = nil, desired: Int? = nil, line: Int = 0) {
            self.cron = cron
            self.min = min
            self.max = max
            self.desired = desired
            self.line = line
        }
    }

    /// How brokers are made and removed (KScaleExec's provisioners: docs/autoscale.md, "Provisioners").
    public enum Provisioner: Sendable, Hashable {
        /// Shell templates with `{id}`, `{rack}`, `{count}`.
        case command(add: String, remove: String)
        /// A Strimzi KafkaNodePool whose `spec.replicas` is patched with kubectl.
        case strimzi(namespace: String, pool: String, kubectl: String?)
        /// docker compose services named by a template with `{id}`.
        case compose(file: String?, service: String)

        public var kind: String {
            switch self {
            case .command: "command"
            case .strimzi: "strimzi"
            case .compose: "compose"
            }
        }
    }

    public var brokers: BrokerBounds
    public var step: Step
    public var cooldown: Cooldown
    public var evaluation: Evaluation
    /// In the file's order.
    public var signals: [Signal]
    public var schedule: [ScheduleEntry]
    public var provisioner: Provisioner?
    /// Replication throttle for the moves, bytes per second.
    public var throttle: Int64?
    /// A scale-in whose drain would take longer than this (seconds) is skipped.
    public var maxDrain: Double?
    /// URL to POST events to.
    public var notifyWebhook: String?
    /// How far below every scale-out threshold the load predicted after a scale-in must stay, in
    /// points of a share (0.1 for 10 points; for a count threshold, that share of the threshold).
    public var margin: Double

    public static let defaultMargin = 0.10

    public init(brokers: BrokerBounds, step: Step = Step(), cooldown: Cooldown = Cooldown(), evaluation: Evaluation = Evaluation(),
                signals: [Signal] = [], schedule: [ScheduleEntry] = [], provisioner: Provisioner? = nil, throttle: Int64? = nil,
                maxDrain: Double? = nil, notifyWebhook: String? = nil, margin: Double = AutoscalePolicy.defaultMargin) {
        self.brokers = brokers
        self.step = step
        self.cooldown = cooldown
        self.evaluation = evaluation
        self.signals = signals
        self.schedule = schedule
        self.provisioner = provisioner
        self.throttle = throttle
        self.maxDrain = maxDrain
        self.notifyWebhook = notifyWebhook
        self.margin = margin
    }
}
