import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaAdmin
import KScaleCore

/// `kscale snapshot --metrics-url`: per-topic rates read from a Prometheus server that scrapes
/// the brokers' JMX exporters (the example Kafka rules' names, docs/operator-guide.md), instead of
/// sampling offsets.
///
/// Queries, each over `window` (e.g. `5m`), through the HTTP API's instant query `/api/v1/query`:
/// - `sum by (topic) (rate(kafka_server_brokertopicmetrics_bytesin_total{topic!=""}[W]))`: bytes in per topic;
/// - the same over `..._bytesout_total`: bytes out per topic;
/// - `sum by (instance) (rate(process_cpu_seconds_total[W]))`: CPU seconds per second of each
///   scraped process, reported only (the planner does not plan on CPU).
/// A topic's rate is split over its partitions by their share of the topic's bytes (evenly when
/// the topic holds no bytes): size tracks what was produced, where an even split would ignore a
/// skewed key. Consumer groups are not visible in these metrics; the snapshot has none.
public enum PrometheusTraffic {
    public static let bytesInMetric = "kafka_server_brokertopicmetrics_bytesin_total"
    public static let bytesOutMetric = "kafka_server_brokertopicmetrics_bytesout_total"
    public static let cpuMetric = "process_cpu_seconds_total"

    public static func topicRateQuery(_ metric: String, window: String) -> String {
        "sum by (topic) (rate(\(metric){topic!=\"\"}[\(window)]))"
    }

    public static func cpuQuery(window: String) -> String { "sum by (instance) (rate(\(cpuMetric)[\(window)]))" }

    /// What the Prometheus server said: per-topic rates and CPU per scraped instance.
    public struct Reading: Sendable, Hashable {
        public var bytesIn: [String: Double]
        public var bytesOut: [String: Double]
        public var cpuByInstance: [String: Double]
    }

    /// The instant-query URL of `query` on the Prometheus at `baseURL`; `option` names the flag
    /// the URL came from, for the error.
    public static func queryURL(baseURL: String, query: String, option: String = "--metrics-url") throws -> URL {
        guard var parts = URLComponents(string: baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) else {
            throw InvalidInput("\(option) \(baseURL) is not a URL")
        }
        parts.path += "/api/v1/query"
        parts.queryItems = [URLQueryItem(name: "query", value: query)]
        guard let url = parts.url, parts.scheme == "http" || parts.scheme == "https" else {
            throw InvalidInput("\(option) \(baseURL) is not an http(s) URL")
        }
        return url
    }

    /// Fetches a URL of the Prometheus at `baseURL` with URLSession: the body, or `PrometheusError`
    /// naming the server (an HTTP error with an empty body; one with a body is Prometheus's own
    /// JSON error, which `vector` reads).
    public static func httpGet(baseURL: String) -> @Sendable (URL) async throws -> Data {
        { url in
            do {
                let (data, response) = try await URLSession.shared.data(from: url)
                if let http = response as? HTTPURLResponse, http.statusCode != 200, data.isEmpty {
                    throw PrometheusError(message: "Prometheus at \(baseURL) answered HTTP \(http.statusCode)")
                }
                return data
            } catch let error as PrometheusError {
                throw error
            } catch {
                throw PrometheusError(message: "cannot read Prometheus at \(baseURL): \(error.localizedDescription)")
            }
        }
    }

    /// Runs the three queries through `get` (the URL to fetch, answering the body).
    public static func read(baseURL: String, window: String, get: @escaping @Sendable (URL) async throws -> Data) async throws -> Reading {
        func query(_ text: String, by label: String) async throws -> [String: Double] {
            try vector(try await get(try queryURL(baseURL: baseURL, query: text)), label: label, query: text)
        }
        return Reading(bytesIn: try await query(topicRateQuery(bytesInMetric, window: window), by: "topic"),
                       bytesOut: try await query(topicRateQuery(bytesOutMetric, window: window), by: "topic"),
                       cpuByInstance: try await query(cpuQuery(window: window), by: "instance"))
    }

    /// An instant vector answer (`{"status":"success","data":{"resultType":"vector","result":[{"metric":{...},"value":[t,"v"]}]}}`)
    /// by the value of `label`.
    public static func vector(_ body: Data, label: String, query: String) throws -> [String: Double] {
        var out: [String: Double] = [:]
        for (labels, value) in try series(body, query: query) {
            if let key = labels[label] { out[key] = value }
        }
        return out
    }

    /// Every series of an instant vector answer: its labels and its value (series whose value is
    /// not a finite number are left out).
    public static func series(_ body: Data, query: String) throws -> [([String: String], Double)] {
        guard let root = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw PrometheusError(message: "Prometheus answered \(query) with something that is not JSON")
        }
        guard root["status"] as? String == "success", let data = root["data"] as? [String: Any] else {
            throw PrometheusError(message: "Prometheus refused \(query): \(root["error"] as? String ?? "no reason given")")
        }
        guard data["resultType"] as? String == "vector", let result = data["result"] as? [[String: Any]] else {
            throw PrometheusError(message: "Prometheus answered \(query) with a \(data["resultType"] as? String ?? "?"), not an instant vector")
        }
        var out: [([String: String], Double)] = []
        for series in result {
            guard let pair = series["value"] as? [Any], pair.count == 2,
                  let text = pair[1] as? String, let value = Double(text), value.isFinite else { continue }
            out.append(((series["metric"] as? [String: String]) ?? [:], value))
        }
        return out
    }

    /// Per-partition rates from per-topic ones, split by each partition's share of its topic's
    /// bytes (evenly when the topic holds none); topics Prometheus did not report are left unmeasured.
    public static func traffic(_ reading: Reading, snapshot: ClusterSnapshot) -> MeasuredTraffic {
        var bytesIn: [TopicPartition: Int64] = [:], bytesOut: [TopicPartition: Int64] = [:]
        var notes: [String] = []
        for topic in snapshot.topics {
            guard reading.bytesIn[topic.name] != nil || reading.bytesOut[topic.name] != nil else {
                notes.append("topic \(topic.name): no BrokerTopicMetrics series in Prometheus, not measured")
                continue
            }
            let total = topic.partitions.reduce(Int64(0)) { $0 + ($1.size ?? 0) }
            for p in topic.partitions {
                let share = total > 0 ? Double(p.size ?? 0) / Double(total) : 1 / Double(max(1, topic.partitions.count))
                let tp = TopicPartition(topic.name, p.partition)
                bytesIn[tp] = Int64(((reading.bytesIn[topic.name] ?? 0) * share).rounded())
                bytesOut[tp] = Int64(((reading.bytesOut[topic.name] ?? 0) * share).rounded())
            }
        }
        return MeasuredTraffic(bytesInPerSec: bytesIn, bytesOutPerSec: bytesOut, consumerGroups: [], notes: notes, intervalSeconds: 0)
    }
}

/// Prometheus could not be read, or answered something other than what was asked.
public struct PrometheusError: KindedError {
    public var message: String
    public init(message: String) { self.message = message }
    public var kind: ErrorKind { .connection }
    public var description: String { message }
}
