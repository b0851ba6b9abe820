import Foundation
import KScaleCore

/// The brokers' traffic counters in the Prometheus text format (version 0.0.4), named as the
/// Prometheus JMX exporter's example Kafka rules name Kafka's `BrokerTopicMetrics` meters
/// (prometheus/jmx_exporter `example_configs/kafka-2_0_0.yml`, "Generic per-second counters with
/// 0-2 key/value pairs", `lowercaseOutputName: true`): the MBean
/// `kafka.server:type=BrokerTopicMetrics,name=BytesInPerSec,topic=T` attribute `Count` becomes
/// `kafka_server_brokertopicmetrics_bytesin_total{topic="T"}`, and the all-topics meter (no topic
/// key) the same name without labels. BytesOut and MessagesIn likewise.
///
/// One exporter runs per broker process in a real cluster; the control server serves each
/// broker's page at `GET /brokers/{id}/metrics`, and all of them at `GET /metrics` with a
/// `broker` label on every series (docs/simulator.md, "Metrics").
enum PrometheusMetrics {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The three counters: exported name and the meter it counts.
    static let counters: [(name: String, help: String, value: @Sendable (TrafficCounters) -> Double)] = [
        ("kafka_server_brokertopicmetrics_bytesin_total", "BrokerTopicMetrics BytesInPerSec Count: bytes produced to partitions this broker leads", { $0.bytesIn }),
        ("kafka_server_brokertopicmetrics_bytesout_total", "BrokerTopicMetrics BytesOutPerSec Count: bytes consumers fetched from this broker", { $0.bytesOut }),
        ("kafka_server_brokertopicmetrics_messagesin_total", "BrokerTopicMetrics MessagesInPerSec Count: records produced to partitions this broker leads", { $0.messagesIn }),
    ]

    /// The page of the brokers in `byBroker` (one broker: no `broker` label, as its own exporter).
    static func render(_ byBroker: [(BrokerID, [String: TrafficCounters])], brokerLabel: Bool) -> String {
        var out = ""
        for counter in counters {
            out += "# HELP \(counter.name) \(counter.help)\n# TYPE \(counter.name) counter\n"
            for (broker, topics) in byBroker {
                let prefix = brokerLabel ? "broker=\"\(broker)\"" : ""
                var all = TrafficCounters()
                for name in topics.keys.sorted() {
                    guard let counts = topics[name] else { continue }
                    all.add(counts)
                    let labels = (prefix.isEmpty ? "" : prefix + ",") + "topic=\"\(escaped(name))\""
                    out += "\(counter.name){\(labels)} \(number(counter.value(counts)))\n"
                }
                out += prefix.isEmpty ? "\(counter.name) \(number(counter.value(all)))\n" : "\(counter.name){\(prefix)} \(number(counter.value(all)))\n"
            }
        }
        return out
    }

    /// Label values escape backslash, double quote and newline (the text format's rule).
    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Counts are whole (the meters count bytes and records).
    static func number(_ value: Double) -> String { String(Int64(value.rounded(.down))) }
}
