import Dispatch
import Foundation
import KScaleCore

/// A load run in the spirit of kafka-producer-perf-test: fixed-size records, an optional byte-rate
/// cap, latency measured from `produce` to the delivery report.
public struct LoadOptions: Sendable {
    public var topic: String
    public var recordSize: Int
    /// Bytes per second to hold to; nil for as fast as the producer goes.
    public var throughput: Int64?
    public var numRecords: Int

    public init(topic: String, recordSize: Int, throughput: Int64?, numRecords: Int) throws {
        guard !topic.isEmpty else { throw InvalidInput("--topic must not be empty") }
        guard recordSize > 0 else { throw InvalidInput("--record-size must be at least 1 byte, got \(recordSize)") }
        guard recordSize <= 100_000_000 else { throw InvalidInput("--record-size \(recordSize) bytes is larger than any broker accepts") }
        guard numRecords > 0 else { throw InvalidInput("--num-records must be at least 1, got \(numRecords)") }
        if let throughput, throughput <= 0 { throw InvalidInput("--throughput must be more than 0 (or -1 for unlimited)") }
        self.topic = topic
        self.recordSize = recordSize
        self.throughput = throughput
        self.numRecords = numRecords
    }
}

/// Collects delivery reports from librdkafka's poll thread.
private final class LoadRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var latenciesMs: [Double] = []
    private var failed = 0
    private var firstError: KafkaAPIError?
    private var windowCount = 0
    private var windowLatencySum = 0.0
    private var windowMax = 0.0

    init(capacity: Int) { latenciesMs.reserveCapacity(capacity) }

    func record(_ r: DeliveryReport) {
        lock.withLock {
            if let error = r.error {
                failed += 1
                if firstError == nil { firstError = error }
                return
            }
            let ms = Double(r.latencyNanos) / 1_000_000
            latenciesMs.append(ms)
            windowCount += 1
            windowLatencySum += ms
            windowMax = max(windowMax, ms)
        }
    }

    var done: Int { lock.withLock { latenciesMs.count + failed } }

    /// Count, average and max latency since the last call, for the periodic progress line.
    func takeWindow() -> (count: Int, avg: Double, max: Double) {
        lock.withLock {
            defer { windowCount = 0; windowLatencySum = 0; windowMax = 0 }
            return (windowCount, windowCount > 0 ? windowLatencySum / Double(windowCount) : 0, windowMax)
        }
    }

    func snapshot() -> (latencies: [Double], failed: Int, firstError: KafkaAPIError?) {
        lock.withLock { (latenciesMs, failed, firstError) }
    }
}

public enum LoadGenerator {
    /// Produces `numRecords` records to `topic` and waits for every delivery report. `progress`
    /// gets a line about every `interval` (records/s, MB/s and latency of that window).
    /// Throws if no record at all was delivered (the first broker error says why).
    public static func run(_ options: LoadOptions, producer: RdKafkaProducer, interval: Duration = .seconds(5),
                           progress: @escaping @Sendable (String) -> Void = { _ in }) async throws -> LoadSummary {
        let recorder = LoadRecorder(capacity: options.numRecords)
        let payload = Self.payload(size: options.recordSize)
        let started = DispatchTime.now().uptimeNanoseconds
        let seconds = { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        let recordsPerSecond = options.throughput.map { Double($0) / Double(options.recordSize) }
        var lastReport = started
        let intervalNanos = UInt64(interval.components.seconds) * 1_000_000_000 + UInt64(interval.components.attoseconds / 1_000_000_000)

        for sent in 0..<options.numRecords {
            // Throttle like perf-test: when ahead of schedule, sleep until the schedule catches up.
            if let rate = recordsPerSecond {
                let due = Double(sent) / rate
                let now = seconds()
                if due > now { try await Task.sleep(for: .seconds(due - now)) }
            }
            while try !producer.produce(topic: options.topic, value: payload, onDelivery: recorder.record) {
                try await Task.sleep(for: .milliseconds(1)) // librdkafka's queue is full
            }
            let now = DispatchTime.now().uptimeNanoseconds
            if now - lastReport >= intervalNanos {
                let w = recorder.takeWindow()
                let elapsed = Double(now - lastReport) / 1e9
                progress(Self.windowLine(w, elapsed: elapsed, recordSize: options.recordSize))
                lastReport = now
            }
        }
        while recorder.done < options.numRecords {
            try await Task.sleep(for: .milliseconds(5))
        }
        let total = seconds()
        let result = recorder.snapshot()
        if result.latencies.isEmpty, let error = result.firstError {
            throw error
        }
        return LoadSummary(latenciesMs: result.latencies, failed: result.failed, recordSize: options.recordSize, seconds: total)
    }

    static func windowLine(_ w: (count: Int, avg: Double, max: Double), elapsed: Double, recordSize: Int) -> String {
        let rate = Double(w.count) / max(elapsed, 1e-9)
        let mb = rate * Double(recordSize) / 1_000_000
        return "\(w.count) records sent, \(Int(rate.rounded())) records/sec (\((mb * 100).rounded() / 100) MB/sec), "
            + "\((w.avg * 10).rounded() / 10) ms avg latency, \((w.max * 10).rounded() / 10) ms max latency."
    }

    /// Printable letters, as perf-test sends: compressible enough to be realistic, never all zeros.
    static func payload(size: Int) -> [UInt8] {
        var state: UInt32 = 2_463_534_242
        return (0..<size).map { _ in
            state ^= state << 13
            state ^= state >> 17
            state ^= state << 5
            return UInt8(65 + state % 26)
        }
    }
}
