import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// A plan run to its end against a copy of a cluster on stepped simulated time (`kscale
/// rehearse`), measured against the bound no schedule beats.
///
/// The caller gives the way to build an in-process cluster from a snapshot (KafkaSim's
/// `SimAdmin`); its engine runs on the rehearsal's `ManualClock` with `autoAdvance`: time jumps to the next deadline
/// whenever every task of the clock sleeps, so the executor's polls happen at the simulated
/// instants they would, and hours of copying take seconds. The run is the real one
/// (`PlanRun.execute`: journal, throttles, pacing, the cluster's run record), in a scratch state
/// directory removed at the end. Alongside it, tasks of the same clock sample the cluster's
/// health and stop a run that cannot end (ingest above the throttle).
public enum Rehearsal {
    /// One broker's bytes copied so far at one moment of the run.
    public struct BrokerBytes: Sendable, Equatable, Codable {
        public var broker: BrokerID
        public var bytesIn: Int64
        public var bytesOut: Int64

        enum CodingKeys: String, CodingKey { case broker, bytesIn = "bytes_in", bytesOut = "bytes_out" }
    }

    /// The brokers' bytes at `seconds` into the run.
    public struct Sample: Sendable, Equatable, Codable {
        public var seconds: Double
        public var brokers: [BrokerBytes]
    }

    /// One broker over the whole run: its bytes at the bound and as copied, its own bound, and
    /// when it last moved a byte.
    public struct BrokerSummary: Sendable, Equatable, Codable {
        public var broker: BrokerID
        /// What the plan copies onto it and what it sends, as measured before the run.
        public var plannedIn: Int64
        public var plannedOut: Int64
        /// What it took in and sent by the end (more than planned when producers kept writing).
        public var bytesIn: Int64
        public var bytesOut: Int64
        /// max(plannedIn, plannedOut) / throttle.
        public var boundSeconds: Double
        /// Seconds into the run of the last poll that saw its bytes change; nil if they never did.
        public var lastActiveSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case broker, plannedIn = "planned_in", plannedOut = "planned_out", bytesIn = "bytes_in", bytesOut = "bytes_out"
            case boundSeconds = "bound_seconds", lastActiveSeconds = "last_active_seconds"
        }
    }

    /// The broker that limits the finish: the one busy longest, with the flow that keeps it busy.
    public struct Limit: Sendable, Equatable, Codable {
        public var broker: BrokerID
        public var direction: TransferBound.Direction
        /// Its bytes in that direction at the bound.
        public var bytes: Int64
        public var boundSeconds: Double
        /// Seconds into the run its last copy ended (the last poll that saw its bytes change).
        public var lastActiveSeconds: Double?

        enum CodingKeys: String, CodingKey {
            case broker, direction, bytes, boundSeconds = "bound_seconds", lastActiveSeconds = "last_active_seconds"
        }
    }

    public struct Report: Sendable, Equatable, Codable {
        public var partitions: Int
        public var bytes: Int64
        /// The throttle the bound is taken at (the top of `--auto-throttle`'s range when given).
        public var throttle: Int64
        public var simulatedSeconds: Double
        public var boundSeconds: Double
        /// simulatedSeconds / boundSeconds (1 when nothing is copied).
        public var ratio: Double
        /// The broker the bound comes from (most bytes in or out), and the one whose copies ended
        /// last: the same broker unless pacing left the busiest one idle while others still copied.
        public var boundBroker: Limit?
        public var limitingBroker: Limit?
        public var brokers: [BrokerSummary]
        /// Per-broker bytes at evenly spaced moments of the run, the last at its end.
        public var timeline: [Sample]
        /// The most partitions under-replicated, and under min.insync.replicas, at once, over
        /// `healthSamples` readings of the whole cluster during the run.
        public var peakUnderReplicated: Int
        public var peakUnderMinISR: Int
        public var healthSamples: Int
        /// Partitions whose topic's min.insync.replicas is unknown, left out of the min ISR count.
        public var unknownMinISR: Int
        /// Partitions that produce into the cluster during the run (rates in the snapshot).
        public var ingestingPartitions: Int
        public var done: Int
        public var failed: [String: String]
        /// Every `partition_started` event by partition, to check each was started once.
        public var startedEvents: Int
        /// Whether the run finished (false: stopped at `deadlineSeconds`, moves still in flight).
        public var finished: Bool
        public var deadlineSeconds: Double

        enum CodingKeys: String, CodingKey {
            case partitions, bytes, throttle, ratio, brokers, timeline, done, failed, finished
            case simulatedSeconds = "simulated_seconds", boundSeconds = "bound_seconds"
            case boundBroker = "bound_broker", limitingBroker = "limiting_broker"
            case peakUnderReplicated = "peak_under_replicated", peakUnderMinISR = "peak_under_min_isr"
            case healthSamples = "health_samples", unknownMinISR = "unknown_min_isr", ingestingPartitions = "ingesting_partitions"
            case startedEvents = "started_events", deadlineSeconds = "deadline_seconds"
        }
    }

    /// How the rehearsal samples and when it gives up.
    public struct Sampling: Sendable, Equatable {
        /// Moments in the report's timeline.
        public var timelinePoints: Int
        /// Readings of the cluster's health over the run (at least one per poll interval apart).
        public var healthReadings: Int
        /// The run is stopped after this many times the pacing estimate (or `minimumDeadline`
        /// seconds, when larger) of simulated time.
        public var deadlineFactor: Double
        public var minimumDeadline: Double

        public init(timelinePoints: Int = 12, healthReadings: Int = 200, deadlineFactor: Double = 20, minimumDeadline: Double = 86_400) {
            self.timelinePoints = timelinePoints
            self.healthReadings = healthReadings
            self.deadlineFactor = deadlineFactor
            self.minimumDeadline = minimumDeadline
        }
    }

    /// Runs `plan` on a copy of `snapshot` that `cluster` builds in process on the clock it is
    /// given (KafkaSim's `SimAdmin`), and measures it. `emit` gets the run's events as `execute`
    /// reports them. Partitions with a `bytes_in_per_sec` in the snapshot keep growing at it
    /// during the run when the cluster models traffic (KafkaSim's `Engine/Traffic.swift` does).
    public static func run(_ plan: ReassignmentPlan, snapshot: ClusterSnapshot,
                           cluster: (ClusterSnapshot, ManualClock) throws -> any ClusterAdmin, options given: RunOptions,
                           drift: DriftCheck = .refuse, sampling: Sampling = Sampling(),
                           emit: @escaping EventSink = { _ in }) async throws -> Report {
        var options = given
        if drift == .allow { options.allowDrift = true }
        try options.validate()
        guard let throttle = options.autoThrottleMax ?? options.throttle else {
            throw InvalidInput("a rehearsal measures the run against its throttle: give --throttle RATE or --auto-throttle MIN..MAX")
        }
        // One clock for the cluster and the run, advanced only when every task of it sleeps.
        let clock = ManualClock(autoAdvance: true)
        let admin = try cluster(snapshot, clock)
        // The moves as they stand before the run, for the bound (refused as execute refuses them).
        let inspection = try await Preflight.inspect(plan: plan, admin: admin, additional: options.additional,
                                                     allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
                                                     adopt: options.adopt ?? false, drift: drift)
        // The snapshot's produce rates keep flowing in the rehearsal (KafkaSim's ingest), so the
        // bound and the estimate count them too (`Move.copySeconds(at:)`).
        let moves = inspection.moves.withProduceRates(from: snapshot)
        let bound = TransferBound(moves: moves)
        let boundSeconds = bound.seconds(throttle: throttle)
        let estimate = RunEstimate.simulate(moves: moves, throttle: options.initialThrottle,
                                            scheduler: MoveScheduler(options: options, throttle: options.initialThrottle),
                                            order: options.order)
        let deadline = max(sampling.minimumDeadline, estimate.seconds * sampling.deadlineFactor)
        let ingesting = snapshot.allPartitions.filter { ($0.1.bytesInPerSec ?? 0) > 0 }.count

        let root = NSTemporaryDirectory() + "kscale-rehearse-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let record = EventRecord()
        let start = clock.now()
        let health = HealthPeaks()
        let interval = max(options.pollInterval, estimate.seconds / Double(max(1, sampling.healthReadings)))
        let sampler = clock.spawn {
            while true {
                try await health.read(admin)
                try await clock.sleep(seconds: interval)
            }
        }
        let interruption = Interruption()
        let watchdog = clock.spawn {
            try await clock.sleep(seconds: deadline)
            interruption.interrupt()
        }
        defer {
            sampler.cancel()
            watchdog.cancel()
        }
        let run = PlanRun(admin: DryRunAdmin(admin, execute: true), clock: InterruptibleClock(clock, interruption: interruption),
                          emit: { event in
                              record.take(event, at: clock.now() - start)
                              emit(event)
                          })
        var summary: ExecutionSummary?
        do {
            if case let .finished(ended) = try await run.execute(plan, in: root + "/run", options: options, drift: drift) { summary = ended }
        } catch is CancellationError where interruption.isRaised {
            summary = nil
        }
        let seconds = clock.now() - start
        sampler.cancel()
        watchdog.cancel()
        let peaks = await health.peaks
        let reports = record.reports
        let brokers = summaries(bound: bound, throttle: throttle, reports: reports)
        return Report(partitions: inspection.moves.count, bytes: inspection.moves.reduce(0) { $0 + $1.copyBytes }, throttle: throttle,
                      simulatedSeconds: seconds, boundSeconds: boundSeconds, ratio: boundSeconds > 0 ? seconds / boundSeconds : 1,
                      boundBroker: boundLimit(bound, throttle: throttle, brokers: brokers),
                      limitingBroker: finishLimit(brokers),
                      brokers: brokers, timeline: timeline(reports, points: sampling.timelinePoints, end: seconds),
                      peakUnderReplicated: peaks.underReplicated, peakUnderMinISR: peaks.underMinISR, healthSamples: peaks.readings,
                      unknownMinISR: peaks.unknownMinISR, ingestingPartitions: ingesting,
                      done: summary?.done ?? 0, failed: Dictionary(uniqueKeysWithValues: (summary?.failed ?? [:]).map { ($0.key.description, $0.value) }),
                      startedEvents: record.startedEvents, finished: summary != nil, deadlineSeconds: deadline)
    }

    /// The bound's broker: most bytes in or out.
    static func boundLimit(_ bound: TransferBound, throttle: Int64, brokers: [BrokerSummary]) -> Limit? {
        guard let top = bound.limiting else { return nil }
        return Limit(broker: top.broker, direction: top.direction, bytes: top.bytes, boundSeconds: Double(top.bytes) / Double(throttle),
                     lastActiveSeconds: brokers.first { $0.broker == top.broker }?.lastActiveSeconds)
    }

    /// The broker whose copies ended last; on a tie, the one with the larger bound.
    static func finishLimit(_ brokers: [BrokerSummary]) -> Limit? {
        let active = brokers.filter { $0.lastActiveSeconds != nil }
        guard let last = active.max(by: { a, b in
            (a.lastActiveSeconds ?? 0, a.boundSeconds, -Double(a.broker)) < (b.lastActiveSeconds ?? 0, b.boundSeconds, -Double(b.broker))
        }) else { return nil }
        let into = last.plannedIn >= last.plannedOut
        return Limit(broker: last.broker, direction: into ? .into : .out, bytes: into ? last.plannedIn : last.plannedOut,
                     boundSeconds: last.boundSeconds, lastActiveSeconds: last.lastActiveSeconds)
    }

    /// Each broker's planned bytes, bytes as copied by the last report, and its last activity.
    static func summaries(bound: TransferBound, throttle: Int64, reports: [(Double, RunProgress)]) -> [BrokerSummary] {
        var lastActive: [BrokerID: Double] = [:]
        var previous: [BrokerID: (Int64, Int64)] = [:]
        for (seconds, progress) in reports {
            for flow in progress.brokers {
                let now = (flow.bytesIn, flow.bytesOut)
                let before = previous[flow.broker] ?? (0, 0)
                if now != before { lastActive[flow.broker] = seconds }
                previous[flow.broker] = now
            }
        }
        return bound.brokers.filter(\.copies).map { entry in
            let copied = previous[entry.broker] ?? (0, 0)
            return BrokerSummary(broker: entry.broker, plannedIn: entry.bytesIn, plannedOut: entry.bytesOut,
                                 bytesIn: copied.0, bytesOut: copied.1, boundSeconds: Double(entry.busiest) / Double(throttle),
                                 lastActiveSeconds: lastActive[entry.broker])
        }
    }

    /// The reports at `points` evenly spaced moments (the latest report at or before each), the
    /// last at `end`.
    static func timeline(_ reports: [(Double, RunProgress)], points: Int, end: Double) -> [Sample] {
        guard points > 0, !reports.isEmpty else { return [] }
        var out: [Sample] = []
        var index = 0
        for point in 1...points {
            let moment = end * Double(point) / Double(points)
            while index + 1 < reports.count, reports[index + 1].0 <= moment { index += 1 }
            let (_, progress) = reports[index]
            out.append(Sample(seconds: moment, brokers: progress.brokers.map { BrokerBytes(broker: $0.broker, bytesIn: $0.bytesIn, bytesOut: $0.bytesOut) }))
        }
        return out
    }
}

/// What a rehearsal's event sink keeps: each poll's progress, on the run's simulated seconds, and
/// how many times partitions were reported started.
private final class EventRecord: @unchecked Sendable {
    private let lock = NSLock()
    private var progress: [(Double, RunProgress)] = []
    private var started = 0

    func take(_ event: ExecutionEvent, at seconds: Double) {
        lock.withLock {
            switch event {
            case let .progress(report): progress.append((seconds, report.progress))
            case .partitionStarted: started += 1
            default: break
            }
        }
    }

    var reports: [(Double, RunProgress)] { lock.withLock { progress } }
    var startedEvents: Int { lock.withLock { started } }
}

/// The most partitions under-replicated and under min ISR at once, over readings of the whole
/// cluster (`ClusterObservation`'s facts, the one place they are judged).
private actor HealthPeaks {
    struct Peaks: Sendable {
        var underReplicated = 0
        var underMinISR = 0
        var unknownMinISR = 0
        var readings = 0
    }
    private var current = Peaks()

    func read(_ admin: any ClusterAdmin) async throws {
        let view = try await ClusterObservation.read(from: admin, parts: .topicConfigs, topics: nil)
        var under = 0, belowMin = 0, unknown = 0
        for (tp, _) in view.partitions {
            if view.isUnderReplicated(tp) { under += 1 }
            switch view.isUnderMinISR(tp) {
            case true?: belowMin += 1
            case nil: unknown += 1
            case false?: break
            }
        }
        current.underReplicated = max(current.underReplicated, under)
        current.underMinISR = max(current.underMinISR, belowMin)
        current.unknownMinISR = max(current.unknownMinISR, unknown)
        current.readings += 1
    }

    var peaks: Peaks { current }
}
