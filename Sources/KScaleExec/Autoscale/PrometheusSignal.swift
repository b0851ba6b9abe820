import Foundation
import KScaleCore

/// The autoscaler's `cpu` signal (`signals.cpu.prometheus` in the policy, `--prometheus-url`): one
/// PromQL instant query through Prometheus's HTTP API (`/api/v1/query`, the reader and JSON of
/// `PrometheusTraffic`), answering a value per series, e.g.
/// `avg by (instance) (rate(process_cpu_seconds_total{job="kafka"}[5m]))`: CPU seconds per second
/// of each broker process, the fraction of one core it keeps busy (0.6 for 60%).
///
/// The signal's value is the mean over the series (the cluster's average broker), compared with
/// the policy's shares as they are (`out_above: 60%` is 0.6); an answer with no series is no
/// reading (nil), never 0.
public enum PrometheusSignal {
    /// The series' key: its `instance` label, else its labels as `name=value` joined by `,`
    /// (`""` for a series with none, as `avg(...)` answers).
    public static func key(_ labels: [String: String]) -> String {
        if let instance = labels["instance"] { return instance }
        return labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    /// Runs `query` against the Prometheus at `baseURL` through `get`: values by `key`.
    public static func read(baseURL: String, query: String,
                            get: @escaping @Sendable (URL) async throws -> Data) async throws -> [String: Double] {
        let url = try PrometheusTraffic.queryURL(baseURL: baseURL, query: query, option: "--prometheus-url")
        var out: [String: Double] = [:]
        for (labels, value) in try PrometheusTraffic.series(try await get(url), query: query) { out[key(labels)] = value }
        return out
    }

    /// The signal's value from the per-series values: their mean, nil when there are none.
    public static func value(_ perSeries: [String: Double]) -> Double? {
        perSeries.isEmpty ? nil : perSeries.values.reduce(0, +) / Double(perSeries.count)
    }
}

/// For the autoscaler loop: `query` against the Prometheus at `url` (`--prometheus-url`), one value
/// per series (by `instance`; see `PrometheusSignal.key`). `PrometheusSignal.value` makes the
/// signal's value of it. Throws `PrometheusError` when Prometheus cannot be read or refuses the
/// query, `InvalidInput` for a URL that is not http(s).
public func readPrometheusSignal(url: String, query: String) async throws -> [String: Double] {
    try await PrometheusSignal.read(baseURL: url, query: query, get: PrometheusTraffic.httpGet(baseURL: url))
}
