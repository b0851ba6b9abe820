import Foundation
import KScaleCore

/// One line of the autoscaler's state journal (`<state dir>/state.jsonl`): written and fsynced
/// (`Journal`) BEFORE what it describes, as the run journals are, so a killed autoscaler leaves a
/// journal that says at least what it started. A flat record keeps every line readable by `jq`.
public struct AutoscaleRecord: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// An action starts: its direction and brokers (the write-ahead of the provisioner and flow).
        case actionStarted = "action-started"
        /// A step of the action ended (`step`: provisioned, flow, verdicts, removed, unregistered).
        case actionStep = "action-step"
        /// The action ended: `result` succeeded or failed, with `detail`.
        case actionEnded = "action-ended"
        /// Autoscaling paused (`detail` says why): no action until `resume`.
        case paused
        case resumed
    }

    public var type: Kind
    /// Seconds of the autoscaler's clock (the Unix epoch on a real one).
    public var at: Double
    public var action: Int?
    public var direction: String?
    public var brokers: [BrokerID]?
    public var racks: [String?]?
    public var step: String?
    public var result: String?
    public var detail: String?

    public init(_ type: Kind, at: Double) {
        self.type = type
        self.at = at
    }
}

/// The autoscaler's state: its actions with their start and end, and whether it is paused. The
/// fold of the state journal's records, pure.
public struct AutoscaleState: Sendable, Equatable, Codable {
    public struct Action: Sendable, Equatable, Codable {
        public var id: Int
        /// `scale-out` or `scale-in`.
        public var direction: String
        public var brokers: [BrokerID]
        public var racks: [String?]
        public var start: Double
        /// nil while it has not ended (it was interrupted: the next start finishes it).
        public var end: Double?
        /// `succeeded` or `failed`.
        public var result: String?
        public var detail: String?
        /// The steps that ended, in order.
        public var steps: [String]

        public var isOpen: Bool { end == nil }
    }

    public struct Pause: Sendable, Equatable, Codable {
        public var at: Double
        public var reason: String
    }

    public var actions: [Action] = []
    public var paused: Pause?

    public init() {}

    public init(records: [AutoscaleRecord]) {
        self.init()
        for r in records { apply(r) }
    }

    public mutating func apply(_ r: AutoscaleRecord) {
        switch r.type {
        case .actionStarted:
            actions.append(Action(id: r.action ?? actions.count + 1, direction: r.direction ?? "", brokers: r.brokers ?? [],
                                  racks: r.racks ?? [], start: r.at, end: nil, result: nil, detail: r.detail, steps: []))
        case .actionStep:
            guard let index = actions.lastIndex(where: { $0.id == r.action }), let step = r.step else { return }
            actions[index].steps.append(step)
        case .actionEnded:
            guard let index = actions.lastIndex(where: { $0.id == r.action }) else { return }
            actions[index].end = r.at
            actions[index].result = r.result
            if let detail = r.detail { actions[index].detail = detail }
        case .paused:
            paused = Pause(at: r.at, reason: r.detail ?? "paused")
        case .resumed:
            paused = nil
        }
    }

    /// The action a killed autoscaler left open: the next start finishes it.
    public var open: Action? { actions.last { $0.isOpen } }

    /// The END of the last action that ended (the cooldowns run from it).
    public var lastActionEnd: Double? { actions.compactMap(\.end).max() }

    public var nextActionID: Int { (actions.map(\.id).max() ?? 0) + 1 }
}

/// A sample of the window as the state dir keeps it (`window.json`): `AutoscaleSample` with its
/// instant in seconds of the autoscaler's clock.
public struct StoredSample: Codable, Sendable, Equatable {
    public var at: Double
    public var usage: [BrokerUsage]
    public var replicas: Int
    public var cpu: Double?

    public init(_ sample: AutoscaleSample) {
        at = sample.at.timeIntervalSince1970
        usage = sample.usage
        replicas = sample.replicas
        cpu = sample.cpu
    }

    public var sample: AutoscaleSample {
        AutoscaleSample(at: Date(timeIntervalSince1970: at), usage: usage, replicas: replicas, cpu: cpu)
    }
}

/// The window's bookkeeping, pure: a new sample appended, and everything older than the policy's
/// window (measured back from the newest sample) dropped. A sample older than the newest is
/// refused as out of order (a clock that went back); the window never holds two at one instant.
public enum WindowBook {
    public static func appending(_ sample: AutoscaleSample, to samples: [AutoscaleSample], window: Double) -> [AutoscaleSample] {
        var kept = samples.filter { $0.at < sample.at }
        kept.append(sample)
        let oldest = sample.at.addingTimeInterval(-window)
        return kept.filter { $0.at >= oldest }
    }
}
