import KScaleCore

/// The offsets that show a cluster's traffic at one instant: per partition the log start and end
/// offsets (ListOffsets earliest and latest) and the log's size (the largest replica in
/// DescribeLogDirs), and every consumer group's committed offsets (ListGroups, OffsetFetch).
/// Two of them, an interval apart, are what `TrafficRates.measure` turns into rates.
public struct OffsetReading: Sendable, Hashable {
    /// When the offsets were read (before ListOffsets), in seconds on the command's clock.
    public var time: Double
    /// When the committed offsets were read (before ListGroups): a large cluster's ListOffsets
    /// take a while, and each rate is measured between the same steps of the two readings.
    public var committedTime: Double
    public var earliest: [TopicPartition: Int64]
    public var latest: [TopicPartition: Int64]
    /// Log bytes per partition (the largest replica), when DescribeLogDirs gave one.
    public var sizes: [TopicPartition: Int64]
    /// Committed offsets by group.
    public var committed: [String: [TopicPartition: Int64]]
    /// What the reading could not see: a partition ListOffsets failed for, a group OffsetFetch failed for.
    public var gaps: [String]

    public init(time: Double, earliest: [TopicPartition: Int64], latest: [TopicPartition: Int64], sizes: [TopicPartition: Int64],
                committed: [String: [TopicPartition: Int64]], committedTime: Double? = nil, gaps: [String] = []) {
        self.time = time
        self.committedTime = committedTime ?? time
        self.earliest = earliest
        self.latest = latest
        self.sizes = sizes
        self.committed = committed
        self.gaps = gaps
    }

    /// The one reader: ListOffsets earliest and latest of `partitions` (each asked of its
    /// leader), then every consumer group's committed offsets. `sizes` are the log dirs' largest
    /// replicas from the same moment's `ClusterObservation`. A partition or group that could not
    /// be read is a gap, never a zero.
    public static func read(from admin: any ClusterAdmin, partitions: [TopicPartition], sizes: [TopicPartition: Int64],
                            now: @Sendable () -> Double) async throws -> OffsetReading {
        let time = now()
        let latest = try await admin.listOffsets(partitions, .latest)
        let earliest = try await admin.listOffsets(partitions, .earliest)
        var gaps = (latest.failed.merging(earliest.failed) { a, _ in a }).sorted { $0.key < $1.key }.map { "no offsets for \($0.key): \($0.value)" }
        var committed: [String: [TopicPartition: Int64]] = [:]
        let committedTime = now()
        // Every group at once: a cluster with hundreds of groups costs one round trip, not hundreds.
        let answers = try await withThrowingTaskGroup(of: (String, Result<[TopicPartition: Int64], KafkaAPIError>).self) { tasks in
            for group in try await admin.listConsumerGroups() {
                tasks.addTask {
                    do { return (group, .success(try await admin.committedOffsets(group: group).filter { $0.value >= 0 })) }
                    catch let error as KafkaAPIError { return (group, .failure(error)) }
                }
            }
            var all: [(String, Result<[TopicPartition: Int64], KafkaAPIError>)] = []
            for try await answer in tasks { all.append(answer) }
            return all.sorted { $0.0 < $1.0 }
        }
        for (group, answer) in answers {
            switch answer {
            case .success(let offsets): committed[group] = offsets
            case .failure(let error): gaps.append("no committed offsets for group \(group): \(error)")
            }
        }
        return OffsetReading(time: time, earliest: earliest.offsets, latest: latest.offsets, sizes: sizes, committed: committed,
                             committedTime: committedTime, gaps: gaps)
    }
}

/// What two offset readings show: bytes in and out per second per partition, which groups read
/// which topics, and what could not be measured.
public struct MeasuredTraffic: Sendable, Hashable {
    /// Bytes produced per second, for each partition that could be measured.
    public var bytesInPerSec: [TopicPartition: Int64]
    /// Bytes consumed per second, summed over the groups, for each partition measured.
    public var bytesOutPerSec: [TopicPartition: Int64]
    /// Groups whose committed offsets advanced during the interval, with the topics they read.
    public var consumerGroups: [ConsumerGroupState]
    /// Partitions and groups left out, and why.
    public var notes: [String]
    /// Seconds between the two readings (0 when the rates came from elsewhere, `--metrics-url`).
    public var intervalSeconds: Double

    public init(bytesInPerSec: [TopicPartition: Int64], bytesOutPerSec: [TopicPartition: Int64], consumerGroups: [ConsumerGroupState],
                notes: [String], intervalSeconds: Double) {
        self.bytesInPerSec = bytesInPerSec
        self.bytesOutPerSec = bytesOutPerSec
        self.consumerGroups = consumerGroups
        self.notes = notes
        self.intervalSeconds = intervalSeconds
    }
}

/// The one rule from offsets to rates, pure.
///
/// Records per second of a partition are (latest end offset − first end offset) / interval; its
/// bytes per record are its log size / (latest − earliest offset) at the second reading (the
/// topic's average over its partitions when the partition's own log is empty or its size unknown
/// or zero),
/// so bytes_in = records/s × bytes/record. A group consumes on a partition (its committed offset's
/// advance) × bytes/record / interval; bytes_out is the sum over groups. A group whose commits did
/// not advance (idle, or committing less often than the interval) reads nothing and is not listed
/// in `consumerGroups`. An end offset or a commit that went backwards (a topic recreated, an
/// unclean election, an offset reset) is not measured and is named in `notes`.
public enum TrafficRates {
    public static func measure(first: OffsetReading, second: OffsetReading) throws -> MeasuredTraffic {
        let interval = second.time - first.time
        guard interval > 0 else { throw InvalidInput("a traffic sample needs two readings apart in time, got \(interval) s between them") }
        var notes: [String] = []
        var bytesPerRecord: [TopicPartition: Double] = [:]
        var topicBytes: [String: (bytes: Int64, records: Int64)] = [:]
        for (tp, end) in second.latest {
            guard let start = second.earliest[tp], let size = second.sizes[tp], size > 0, end > start else { continue }
            bytesPerRecord[tp] = Double(size) / Double(end - start)
            topicBytes[tp.topic, default: (0, 0)].bytes += size
            topicBytes[tp.topic, default: (0, 0)].records += end - start
        }
        func recordBytes(_ tp: TopicPartition) -> Double? {
            if let own = bytesPerRecord[tp] { return own }
            guard let topic = topicBytes[tp.topic], topic.records > 0 else { return nil }
            return Double(topic.bytes) / Double(topic.records)
        }
        let commitInterval = second.committedTime - first.committedTime
        guard commitInterval > 0 else { throw InvalidInput("a traffic sample needs two readings apart in time, got \(commitInterval) s between their commits") }
        func perSecond(_ records: Int64, _ tp: TopicPartition, over seconds: Double) -> Int64? {
            if records == 0 { return 0 }
            return recordBytes(tp).map { Int64((Double(records) * $0 / seconds).rounded()) }
        }
        var bytesIn: [TopicPartition: Int64] = [:]
        for (tp, end) in second.latest.sorted(by: { $0.key < $1.key }) {
            guard let before = first.latest[tp] else {
                notes.append("\(tp): not in the first reading, not measured")
                continue
            }
            guard end >= before else {
                notes.append("\(tp): end offset went back from \(before) to \(end) (topic recreated or log truncated), not measured")
                continue
            }
            guard let rate = perSecond(end - before, tp, over: interval) else {
                notes.append("\(tp): \(end - before) records but no log size to weigh them, not measured")
                continue
            }
            bytesIn[tp] = rate
        }
        var bytesOut: [TopicPartition: Int64] = [:]
        for tp in bytesIn.keys { bytesOut[tp] = 0 }
        var groups: [ConsumerGroupState] = []
        for group in second.committed.keys.sorted() {
            guard let before = first.committed[group], let after = second.committed[group] else {
                notes.append("group \(group): committed offsets in one reading only, not measured")
                continue
            }
            var topics = Set<String>()
            for (tp, offset) in after.sorted(by: { $0.key < $1.key }) {
                guard let was = before[tp] else { continue }
                guard offset >= was else {
                    notes.append("group \(group) on \(tp): committed offset went back from \(was) to \(offset) (reset), not measured")
                    continue
                }
                guard offset > was, let rate = perSecond(offset - was, tp, over: commitInterval) else { continue }
                bytesOut[tp, default: 0] += rate
                topics.insert(tp.topic)
            }
            if topics.isEmpty {
                notes.append("group \(group): no commit advanced during the sample (idle, or it commits less often than the interval)")
            } else {
                groups.append(ConsumerGroupState(group: group, topics: topics.sorted()))
            }
        }
        return MeasuredTraffic(bytesInPerSec: bytesIn, bytesOutPerSec: bytesOut, consumerGroups: groups,
                               notes: first.gaps + second.gaps + notes, intervalSeconds: interval)
    }
}

extension ClusterSnapshot {
    /// The snapshot with measured rates: `bytes_in_per_sec` and `bytes_out_per_sec` on every
    /// partition measured (others keep theirs), and `consumer_groups`.
    public func withTraffic(_ traffic: MeasuredTraffic) -> ClusterSnapshot {
        var out = self
        for t in out.topics.indices {
            for p in out.topics[t].partitions.indices {
                let tp = TopicPartition(out.topics[t].name, out.topics[t].partitions[p].partition)
                if let rate = traffic.bytesInPerSec[tp] { out.topics[t].partitions[p].bytesInPerSec = rate }
                if let rate = traffic.bytesOutPerSec[tp] { out.topics[t].partitions[p].bytesOutPerSec = rate }
            }
        }
        out.consumerGroups = traffic.consumerGroups
        return out
    }
}
