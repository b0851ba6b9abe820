/// What a load run measured, in the terms of kafka-producer-perf-test: records and bytes per
/// second, and latency percentiles from the delivery reports.
public struct LoadSummary: Sendable, Hashable, Codable {
    public var records: Int
    public var failed: Int
    public var bytes: Int64
    public var seconds: Double
    public var recordsPerSecond: Double
    public var bytesPerSecond: Double
    public var latencyAverageMs: Double
    public var latencyP50Ms: Double
    public var latencyP95Ms: Double
    public var latencyP99Ms: Double
    public var latencyMaxMs: Double

    /// `latenciesMs` are the delivered records' latencies, in any order; `failed` the records whose
    /// delivery report was an error (not in the latencies, since they never landed).
    public init(latenciesMs: [Double], failed: Int, recordSize: Int, seconds: Double) {
        let sorted = latenciesMs.sorted()
        records = sorted.count
        self.failed = failed
        bytes = Int64(sorted.count) * Int64(recordSize)
        self.seconds = seconds
        recordsPerSecond = seconds > 0 ? Double(sorted.count) / seconds : 0
        bytesPerSecond = seconds > 0 ? Double(bytes) / seconds : 0
        latencyAverageMs = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
        latencyP50Ms = Self.percentile(sorted, 0.50)
        latencyP95Ms = Self.percentile(sorted, 0.95)
        latencyP99Ms = Self.percentile(sorted, 0.99)
        latencyMaxMs = sorted.last ?? 0
    }

    /// Nearest rank: the smallest value with at least `p` of the values at or below it.
    public static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    /// One line, in the shape kafka-producer-perf-test prints at the end of a run.
    public var line: String {
        func f(_ v: Double, _ digits: Int = 2) -> String {
            let scale = Double([1, 10, 100, 1000][min(digits, 3)])
            let r = (v * scale).rounded() / scale
            return digits == 0 ? String(Int64(r)) : String(r)
        }
        var s = "\(records) records sent, \(f(recordsPerSecond, 1)) records/sec (\(f(bytesPerSecond / 1_000_000)) MB/sec), "
            + "\(f(latencyAverageMs)) ms avg latency, \(f(latencyMaxMs)) ms max latency, "
            + "\(f(latencyP50Ms)) ms 50th, \(f(latencyP95Ms)) ms 95th, \(f(latencyP99Ms)) ms 99th"
        if failed > 0 { s += "; \(failed) records failed" }
        return s
    }

    enum CodingKeys: String, CodingKey {
        case records, failed, bytes, seconds
        case recordsPerSecond = "records_per_sec"
        case bytesPerSecond = "bytes_per_sec"
        case latencyAverageMs = "latency_avg_ms"
        case latencyP50Ms = "latency_p50_ms"
        case latencyP95Ms = "latency_p95_ms"
        case latencyP99Ms = "latency_p99_ms"
        case latencyMaxMs = "latency_max_ms"
    }
}
