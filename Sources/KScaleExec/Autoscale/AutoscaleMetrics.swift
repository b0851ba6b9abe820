import Foundation
import KafkaAdmin
import KScaleCore

/// The autoscaler's gauges and counters for `--metrics-port`, in the Prometheus text format
/// (version 0.0.4), rendered as KafkaSim's `PrometheusMetrics` renders its page: `# HELP` and
/// `# TYPE` before each family, label values escaped. The loop updates them at each evaluation
/// and action; the CLI's endpoint serves `render()`.
///
/// - `kscale_autoscale_brokers`: brokers in the cluster at the last evaluation.
/// - `kscale_autoscale_signal{name}`: each signal's value (a share, 0.7 for 70%, or a count).
/// - `kscale_autoscale_actions_total{direction,result}`: actions ended.
/// - `kscale_rebalance_active`: 1 while an action runs or a reassignment is in flight.
/// - `kscale_reassignment_bytes_remaining`: bytes the reassignments in flight still add
///   (the target replicas the last reading saw adding, by partition size).
/// - `kscale_autoscale_paused`: 1 while autoscaling is paused.
public final class AutoscaleMetrics: @unchecked Sendable {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    private let lock = NSLock()
    private var brokers: Int?
    private var signals: [String: Double] = [:]
    private var actions: [ActionKey: Int] = [:]
    private var reassigning = false
    private var acting = false
    private var bytesRemaining: Int64 = 0
    private var paused = false

    private struct ActionKey: Hashable {
        var direction: String
        var result: String
    }

    public init() {}

    func observe(decision: AutoscaleDecision, paused: Bool) {
        lock.withLock {
            brokers = decision.current
            signals = decision.signals.compactMapValues(\.value)
            self.paused = paused
        }
    }

    func observe(reassignments observation: ClusterObservation) {
        let sizes = observation.logDirs.largestReplicaSizes
        var remaining: Int64 = 0
        for (tp, moving) in observation.reassignments { remaining += (sizes[tp] ?? 0) * Int64(moving.adding.count) }
        lock.withLock {
            reassigning = !observation.reassignments.isEmpty
            bytesRemaining = remaining
        }
    }

    func count(direction: String, result: String) {
        lock.withLock { actions[ActionKey(direction: direction, result: result), default: 0] += 1 }
    }

    func setPaused(_ value: Bool) { lock.withLock { paused = value } }

    func setActing(_ value: Bool) { lock.withLock { acting = value } }

    /// The page.
    public func render() -> String {
        lock.withLock {
            var out = ""
            func family(_ name: String, _ type: String, _ help: String) {
                out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            }
            family("kscale_autoscale_brokers", "gauge", "Brokers in the cluster at the last evaluation.")
            if let brokers { out += "kscale_autoscale_brokers \(brokers)\n" }
            family("kscale_autoscale_signal", "gauge", "Each policy signal's value at the last evaluation (a share, 0.7 for 70%, or a count).")
            for name in signals.keys.sorted() {
                guard let value = signals[name] else { continue }
                out += "kscale_autoscale_signal{name=\"\(Self.escaped(name))\"} \(Self.number(value))\n"
            }
            family("kscale_autoscale_actions_total", "counter", "Autoscaling actions ended, by direction and result.")
            for key in actions.keys.sorted(by: { ($0.direction, $0.result) < ($1.direction, $1.result) }) {
                out += "kscale_autoscale_actions_total{direction=\"\(Self.escaped(key.direction))\",result=\"\(Self.escaped(key.result))\"} \(actions[key] ?? 0)\n"
            }
            family("kscale_rebalance_active", "gauge", "1 while an autoscaling action runs or a reassignment is in flight.")
            out += "kscale_rebalance_active \(acting || reassigning ? 1 : 0)\n"
            family("kscale_reassignment_bytes_remaining", "gauge", "Bytes the reassignments in flight still copy, by the last reading.")
            out += "kscale_reassignment_bytes_remaining \(bytesRemaining)\n"
            family("kscale_autoscale_paused", "gauge", "1 while autoscaling is paused (kscale autoscale resume clears it).")
            out += "kscale_autoscale_paused \(paused ? 1 : 0)\n"
            return out
        }
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "+Inf" : "-Inf") }
        return "\(value)"
    }
}
