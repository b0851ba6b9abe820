import KafkaAdmin
import KScaleCore
import KScaleTime

/// `kscale snapshot --sample`: the cluster's traffic measured with nothing but the Kafka protocol.
///
/// Reads every partition's log start and end offsets and every group's committed offsets, waits
/// the interval on the command's clock, reads the whole cluster (`ClusterObservation.read`) and the
/// offsets again, and measures the rates with the one pure rule, `TrafficRates.measure`. The wait
/// is the only step that takes time; `onWait` hears the seconds waited so far after each step of
/// at most `waitStepSeconds`, for a progress bar.
public enum TrafficSampler {
    /// How often, in seconds of the clock, the wait reports its progress.
    public static let waitStepSeconds = 1.0

    public struct Sample: Sendable {
        /// The reading at the end of the interval (what the snapshot is made of).
        public var observation: ClusterObservation
        public var traffic: MeasuredTraffic
    }

    public static func sample(_ admin: any ClusterAdmin, parts: ReadParts, interval seconds: Double, clock: any KScaleClock,
                              onWait: @Sendable (_ waited: Double, _ total: Double) -> Void = { _, _ in }) async throws -> Sample {
        guard seconds > 0, seconds.isFinite else { throw InvalidInput("--sample must be a positive duration, got \(seconds) s") }
        let start = clock.now()
        let before = try await ClusterObservation.read(from: admin, parts: .metadata)
        let first = try await OffsetReading.read(from: admin, partitions: partitions(of: before), sizes: [:], now: { clock.now() })
        while clock.now() - start < seconds {
            try await clock.sleep(seconds: min(waitStepSeconds, seconds - (clock.now() - start)))
            onWait(min(seconds, clock.now() - start), seconds)
        }
        let observation = try await ClusterObservation.read(from: admin, parts: parts.union(.logDirs))
        let second = try await OffsetReading.read(from: admin, partitions: partitions(of: observation),
                                                  sizes: observation.logDirs.largestReplicaSizes, now: { clock.now() })
        return Sample(observation: observation, traffic: try TrafficRates.measure(first: first, second: second))
    }

    static func partitions(of observation: ClusterObservation) -> [TopicPartition] {
        observation.topics.flatMap { t in t.partitions.map { TopicPartition(t.name, $0.partition) } }
    }
}
