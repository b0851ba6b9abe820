import Foundation
import KScaleCore

/// `kscale autoscale status`: what a state dir says, computed here so the CLI only renders it.
public struct AutoscaleStatusReport: Encodable, Sendable {
    public struct ActionLine: Encodable, Sendable {
        public var id: Int
        public var direction: String
        public var brokers: [BrokerID]
        public var start: String
        public var end: String?
        /// succeeded, failed, or running (no end: interrupted, or the autoscaler is in it now).
        public var result: String
        public var detail: String?
        public var steps: [String]
    }

    public var stateDir: String
    /// An autoscaler holds the state dir's lock now.
    public var running: Bool
    public var paused: Bool
    public var pausedReason: String?
    public var pausedAt: String?
    /// The last ten actions, oldest first.
    public var actions: [ActionLine]
    public var lastActionEnd: String?
    /// With the policy: when cooldown.out and cooldown.in end (nil: no action yet).
    public var cooldownOutEnds: String?
    public var cooldownInEnds: String?

    enum CodingKeys: String, CodingKey {
        case stateDir = "state_dir", running, paused, actions
        case pausedReason = "paused_reason", pausedAt = "paused_at", lastActionEnd = "last_action_end"
        case cooldownOutEnds = "cooldown_out_ends", cooldownInEnds = "cooldown_in_ends"
    }

    public static let shownActions = 10

    public init(dir: String, state: AutoscaleState, running: Bool, policy: AutoscalePolicy?) {
        func stamp(_ at: Double) -> String { AutoscaleDecision.timestamp(Date(timeIntervalSince1970: at)) }
        stateDir = dir
        self.running = running
        paused = state.paused != nil
        pausedReason = state.paused?.reason
        pausedAt = state.paused.map { stamp($0.at) }
        actions = state.actions.suffix(Self.shownActions).map {
            ActionLine(id: $0.id, direction: $0.direction, brokers: $0.brokers, start: stamp($0.start), end: $0.end.map(stamp),
                       result: $0.result ?? "running", detail: $0.detail, steps: $0.steps)
        }
        lastActionEnd = state.lastActionEnd.map(stamp)
        if let policy, let end = state.lastActionEnd {
            cooldownOutEnds = stamp(end + policy.cooldown.out)
            cooldownInEnds = stamp(end + policy.cooldown.in)
        }
    }

    /// For people.
    public var text: String {
        var lines = ["state dir: \(stateDir)", "autoscaler: \(running ? "running" : "not running")"]
        if paused {
            lines.append("PAUSED since \(pausedAt ?? "?"): \(pausedReason ?? "")")
            lines.append("  resume: kscale autoscale resume --state-dir \(stateDir)")
        } else {
            lines.append("not paused")
        }
        if actions.isEmpty { lines.append("no actions yet") }
        for a in actions {
            lines.append("action \(a.id): \(a.direction) of brokers \(a.brokers.map(String.init).joined(separator: ",")), \(a.start) .. \(a.end ?? "(not ended)"): \(a.result)\(a.detail.map { " (\($0))" } ?? "")")
        }
        if let lastActionEnd { lines.append("last action ended \(lastActionEnd)") }
        if let out = cooldownOutEnds, let scaleIn = cooldownInEnds { lines.append("cooldowns end: out \(out), in \(scaleIn)") }
        return lines.joined(separator: "\n") + "\n"
    }
}
