import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// Drives one run to its end: paces submissions, throttles each partition just before it starts and
/// unthrottles it when it finishes, journals every step first, reports progress and stalls, and at
/// the end puts every broker rate back. `resume` is the same loop started from the journal.
public final class ReassignmentExecutor {
    public let admin: any ClusterAdmin
    public let clock: any KScaleClock
    public let journal: Journal
    public let emit: EventSink
    public private(set) var state: RunState
    private var options = RunOptions()
    private var rate: Int64?
    private var moves: [TopicPartition: Move] = [:]
    private var pending: [Move] = []
    private var inFlight: [TopicPartition: Move] = [:]
    private var attempts: [TopicPartition: Int] = [:]
    /// Moves in flight the controller stopped listing while the metadata did not yet show them
    /// ended (`MoveEnd.recheck`), with when it first stopped listing them.
    private var unlistedSince: [TopicPartition: Double] = [:]
    private var failed: [TopicPartition: String] = [:]
    private var tracker = ProgressTracker()
    /// The run's replica sizes as each broker last reported them (a broker that cannot be read,
    /// or is offline, keeps its last sizes), and the brokers whose log dirs the last poll could not
    /// read.
    private var reading = SizeReading(at: 0)
    /// Progress of recent polls, oldest first, over the tracker's window: per-broker rates.
    private var recent: [RunProgress] = []
    /// Pending moves that could not start at the last poll, with why.
    private var waiting: [TopicPartition: String] = [:]
    private var sizeGaps: Set<BrokerID> = []
    private var lastThrottleStep: Double = 0
    private var startedAt: Double = 0
    private var controller: ThrottleController { ThrottleController(admin: admin, journal: journal, clock: clock, knownRates: knownRates) }
    /// Rates other kscale runs set (`ThrottleController.knownRates`).
    public var knownRates: [RunOverlap.KnownRate] = []
    /// Called with each `--auto-throttle` rate before it is set on the brokers, so the cluster's
    /// run record carries the rate the run sets (`PlanRun` writes it), as the journal does.
    public var recordRetune: (@Sendable (Int64) async throws -> Void)?
    /// Where the latest progress report is kept (replaced atomically each poll) for `kscale status`.
    public var progressFile: String?

    /// How often a move is resubmitted after its reassignment vanished without reaching the target.
    static let maxAttempts = 3
    /// Consecutive failed polls before the run gives up (its journal stays, for `resume`).
    static let maxPollFailures = 30

    public init(admin: any ClusterAdmin, journal: Journal, clock: any KScaleClock = SystemClock(), emit: @escaping EventSink = { _ in }) throws {
        self.admin = admin
        self.journal = journal
        self.clock = clock
        self.emit = emit
        self.state = RunState(records: try Journal.read(path: journal.path))
    }

    /// Partitions the journal says this run submitted.
    public var submitted: Set<TopicPartition> { state.submitted }

    /// Starts (or, with the same plan in the same state dir, continues) a run from a checked plan.
    public func execute(_ inspection: Inspection, options: RunOptions, bootstrap: String?, commandConfig: String?) async throws -> ExecutionSummary {
        try options.validate()
        let id = RunDirectory.runID(for: inspection.plan)
        try state.refuseUnlessSamePlan(inspection.plan, in: (journal.path as NSString).deletingLastPathComponent)
        let resumed = state.plan != nil
        var r = JournalRecord(.run, at: clock.now())
        r.runID = id
        r.bootstrap = bootstrap
        r.commandConfig = commandConfig
        r.options = options
        try record(r)
        if state.plan == nil {
            var p = JournalRecord(.plan, at: clock.now())
            p.partitions = JournalRecord.lines(inspection.plan, sizes: inspection.view.partitionSizes)
            try record(p)
            var rb = JournalRecord(.rollback, at: clock.now())
            rb.partitions = JournalRecord.lines(inspection.rollback)
            try record(rb)
        }
        return try await drive(inspection, options: options, resumed: resumed)
    }

    /// Continues the run in this journal after its process died.
    public func resume(additional: Bool = false) async throws -> ExecutionSummary {
        guard state.plan != nil, let options = state.options else {
            throw InvalidInput("the journal \(journal.path) holds no run to resume")
        }
        // Read first: a refused resume journals nothing.
        let left = try await PlanRun.leftToDrive(state, admin: admin)
        let deleted = Set(state.planLeft?.partitions.map(\.topic) ?? []).subtracting(left.partitions.map(\.topic))
        let inspection = left.partitions.isEmpty ? nil : try await Preflight.inspect(
            plan: left, admin: admin, additional: additional || options.additional, ours: submitted,
            allowReplicationFactorChange: options.allowReplicationFactorChange ?? false,
            drift: Self.resumeDriftCheck(options), everSubmitted: state.everSubmitted)
        var r = JournalRecord(.run, at: clock.now())
        r.runID = state.runID
        try record(r)
        try await endPartitions(ofDeleted: deleted)
        guard let inspection else { return try await finishWithNothingLeft(options: options) }
        for note in inspection.drift?.notes ?? [] { emit(.message(note)) }
        return try await drive(inspection, options: options, resumed: true)
    }

    /// A resume judges drift for the partitions the run has not started (the plan's recorded
    /// replicas against the cluster now; its own moves are never drift): refused unless the run
    /// was started with `--allow-drift`.
    static func resumeDriftCheck(_ options: RunOptions) -> DriftCheck { options.allowDrift == true ? .allow : .refuse }

    /// Partitions of the plan whose topic no longer exists (deleted while no process drove the
    /// run) end as gone before anything else, so the resume drives the rest.
    private func endPartitions(ofDeleted deleted: Set<String>) async throws {
        guard let plan = state.plan, !deleted.isEmpty else { return }
        let open = plan.partitions.map(\.topicPartition).filter { tp in
            guard deleted.contains(tp.topic) else { return false }
            guard let phase = state.partitions[tp]?.phase else { return true }
            return phase == .pending || phase == .submitted
        }
        for tp in open.sorted() { try endGone(tp) }
        var ledger = state.ledger
        defer { state.ledger = ledger }
        if !deleted.isEmpty { try await controller.release(Array(ledger.replicas.keys.filter { deleted.contains($0.topic) }), ledger: &ledger) }
    }

    /// Every partition of the run ended as gone: only the rates are left to restore.
    private func finishWithNothingLeft(options: RunOptions) async throws -> ExecutionSummary {
        self.options = options
        startedAt = clock.now()
        return try await restoreAndEnd(total: 0)
    }

    // MARK: - The loop

    private func drive(_ inspection: Inspection, options: RunOptions, resumed: Bool) async throws -> ExecutionSummary {
        self.options = options
        rate = options.initialThrottle
        startedAt = clock.now()
        lastThrottleStep = startedAt
        var ledger = state.ledger
        let ongoing = Set(inspection.inFlight)
        // Reconcile the journal with the cluster: at target is done, in flight keeps going, the rest is submitted.
        for tp in inspection.atTarget where state.partitions[tp]?.phase != .done {
            try transition(tp, .done, move: nil, detail: "already at target")
        }
        for m in inspection.moves {
            var m = m
            if let known = state.partitions[m.tp], let from = known.from, known.phase == .submitted || ongoing.contains(m.tp) {
                m.from = from
                if let b = known.bytes, m.bytes == 0 { m.bytes = b }
            }
            moves[m.tp] = m
            if ongoing.contains(m.tp) {
                inFlight[m.tp] = m
                if state.partitions[m.tp]?.phase != .submitted { try transition(m.tp, .submitted, move: m, detail: "adopted: already in flight with this target") }
            } else {
                if state.partitions[m.tp]?.phase != .pending { try transition(m.tp, .pending, move: m, detail: resumed ? "not in flight on the cluster" : nil) }
                pending.append(m)
            }
        }
        pending = MoveScheduler.sorted(pending, by: options.order)
        try await CordonLift.lift(before: inspection.moves, admin: admin, journal: journal, lifted: state.liftedCordons, clock: clock, emit: emit)
        // Partitions finished while the process was down still hold their throttle entries.
        let stale = ledger.replicas.keys.filter { inFlight[$0] == nil }
        if !stale.isEmpty { try await controller.release(Array(stale), ledger: &ledger) }
        if let rate, !inFlight.isEmpty {
            try await controller.throttle(Array(inFlight.values), rate: rate, alive: inspection.view.aliveBrokers, ledger: &ledger)
        }
        state.ledger = ledger

        let total = inspection.moves.reduce(0) { $0 + $1.copyBytes }
        emit(.started(runID: state.runID ?? "", partitions: inspection.moves.count, bytes: total, throttle: rate, resumed: resumed))

        var pollFailures = 0
        while !(pending.isEmpty && inFlight.isEmpty) {
            do {
                try await step()
                pollFailures = 0
            } catch let e as any KindedError where !e.kind.isTransient {
                throw e
            } catch {
                pollFailures += 1
                emit(.message("poll failed (\(pollFailures)/\(Self.maxPollFailures)): \(error)"))
                if pollFailures >= Self.maxPollFailures {
                    throw ExecutionError("giving up after \(pollFailures) failed polls (\(error)); the run is journaled, continue with `kscale resume`")
                }
            }
            if pending.isEmpty && inFlight.isEmpty { break }
            try await clock.sleep(seconds: options.pollInterval)
        }
        return try await restoreAndEnd(total: total)
    }

    /// The end of every run: every rate restored, every entry of ours removed, the journal ended.
    private func restoreAndEnd(total: Int64) async throws -> ExecutionSummary {
        var restored = 0
        var ledgerNow = state.ledger
        defer { state.ledger = ledgerNow }
        let counts: (rates: Int, entries: Int)
        do {
            counts = try await controller.restoreAll(ledger: &ledgerNow)
        } catch let error as ExecutionError where error.ledgerSettled {
            // Every throttle line is settled, one rate left as it was: the run ends, as failed.
            var end = JournalRecord(.end, at: clock.now())
            end.state = "failed"
            try record(end)
            throw error
        }
        restored = counts.rates
        emit(.throttlesRemoved(rates: counts.rates, entries: counts.entries))
        var end = JournalRecord(.end, at: clock.now())
        end.state = failed.isEmpty ? "completed" : "failed"
        try record(end)
        let summary = ExecutionSummary(runID: state.runID ?? "", done: state.count(.done), failed: failed, bytes: total,
                                       seconds: clock.now() - startedAt, throttlesRestored: restored, gone: state.gone.sorted())
        emit(.finished(summary))
        return summary
    }

    /// One poll: finish what finished, start what fits, measure, retune.
    private func step() async throws {
        let topics = Array(Set(moves.keys.map(\.topic))).sorted()
        // Auto-throttle judges min ISR on every step, so it reads the topics' configs too.
        let parts: ReadParts = options.autoThrottleMin == nil ? .metadata : .topicConfigs
        let view = try await ClusterObservation.read(from: admin, parts: parts, topics: topics)
        var ledger = state.ledger
        defer { state.ledger = ledger }

        // Partitions whose topic was deleted (KRaft deletes a topic under reassignment at once;
        // both modes delete one whose moves have not started) end as gone, their throttle entries
        // gone with the topic's configs; the rest of the run goes on.
        let deleted = moves.keys.filter { tp in
            view.missingTopics.contains(tp.topic) || (view.topicNames.contains(tp.topic) && view.partition(tp) == nil)
        }.sorted()
        if !deleted.isEmpty {
            for tp in deleted { try endGone(tp) }
            try await controller.release(deleted, ledger: &ledger)
        }

        // Finished or vanished moves. The controller listed the reassignments before the broker
        // answered the metadata; a move it no longer lists whose metadata may be older than its
        // answer is judged again next poll (`MoveEnd`), not counted as an attempt.
        var finished: [TopicPartition] = []
        for (tp, m) in inFlight.sorted(by: { $0.key < $1.key }) {
            guard view.reassignments[tp] == nil else { unlistedSince[tp] = nil; continue }
            let since = unlistedSince[tp] ?? clock.now()
            let end = MoveEnd.judge(m, replicas: view.partition(tp)?.replicas, unlistedFor: clock.now() - since)
            if end == .recheck {
                unlistedSince[tp] = since
                continue
            }
            unlistedSince[tp] = nil
            inFlight[tp] = nil
            let current = view.partition(tp)?.replicas ?? []
            if end == .reachedTarget {
                finished.append(tp)
                try transition(tp, .done, move: m, detail: nil)
                emit(.partitionDone(tp))
            } else {
                attempts[tp, default: 0] += 1
                if attempts[tp, default: 0] >= Self.maxAttempts {
                    failed[tp] = "reassignment ended \(Self.maxAttempts) times without reaching \(m.to) (now \(current)); cancelled by someone else?"
                    finished.append(tp)
                    try transition(tp, .failed, move: m, detail: failed[tp])
                    emit(.partitionFailed(tp, reason: failed[tp] ?? ""))
                } else {
                    var again = m
                    again.from = current.isEmpty ? m.from : current
                    moves[tp] = again
                    try transition(tp, .pending, move: again, detail: "reassignment ended before reaching its target; resubmitting")
                    pending.insert(again, at: 0)
                }
            }
        }
        if !finished.isEmpty { try await controller.release(finished, ledger: &ledger) }

        // Start what fits among the moves that can start (live target brokers, a live leader); a
        // move waiting says why, once per reason.
        var startable: [Move] = []
        var nowWaiting: [TopicPartition: String] = [:]
        for m in pending {
            if let reason = MoveScheduler.waitReason(m, alive: view.aliveBrokers, leader: view.partition(m.tp)?.leader) {
                nowWaiting[m.tp] = reason
            } else {
                startable.append(m)
            }
        }
        for (tp, reason) in nowWaiting.sorted(by: { $0.key < $1.key }) where waiting[tp] != reason {
            emit(.waiting(Waiting(partition: tp, reason: reason)))
            var note = JournalRecord(.note, at: clock.now())
            note.topic = tp.topic
            note.partition = tp.partition
            note.detail = "waiting: \(reason)"
            try record(note)
        }
        waiting = nowWaiting
        let scheduler = MoveScheduler(options: options, throttle: rate)
        var next = scheduler.next(pending: startable, inFlight: Array(inFlight.values), reading: pacingReading())
        if !next.isEmpty {
            for i in next.indices {
                if let current = view.partition(next[i].tp) { next[i].from = current.replicas; next[i].leader = current.leader }
            }
            if let rate { try await controller.throttle(next, rate: rate, alive: view.aliveBrokers, ledger: &ledger) }
            for m in next { try transition(m.tp, .submitted, move: m, detail: nil) }
            let started = Set(next.map(\.tp))
            pending.removeAll { started.contains($0.tp) }
            for m in next { inFlight[m.tp] = m; moves[m.tp] = m }
            let errors = try await admin.alterReassignmentsInChunks(Dictionary(uniqueKeysWithValues: next.map { ($0.tp, Optional($0.to)) }))
            var rejected: [TopicPartition] = []
            for m in next {
                if let e = errors[m.tp], e.isUnknownTopic {
                    // Deleted since the reading, or (ZooKeeper) queued for deletion: Kafka takes
                    // no reassignment of a topic being deleted.
                    try endGone(m.tp, reason: "topic \(m.tp.topic) is deleted or being deleted (\(e))")
                    rejected.append(m.tp)
                } else if let e = errors[m.tp], e.code != 0 {
                    inFlight[m.tp] = nil
                    failed[m.tp] = "AlterPartitionReassignments rejected it: \(e)"
                    rejected.append(m.tp)
                    try transition(m.tp, .failed, move: m, detail: failed[m.tp])
                    emit(.partitionFailed(m.tp, reason: failed[m.tp] ?? ""))
                } else {
                    emit(.partitionStarted(m.tp, from: m.from, to: m.to, bytes: m.bytes))
                }
            }
            if !rejected.isEmpty { try await controller.release(rejected, ledger: &ledger) }
        }

        try await measure(view)
        try await autoThrottle(view, ledger: &ledger)
    }

    /// What the scheduler paces by: the bytes each receiving broker held of each move in flight at
    /// the last poll, and each broker's copy rates between the last two polls.
    private func pacingReading() -> MoveScheduler.Reading {
        var r = MoveScheduler.Reading()
        for m in inFlight.values {
            for b in m.adding { if let held = reading.sizes[b]?[m.tp] { r.held[m.tp, default: [:]][b] = held } }
        }
        guard recent.count >= 2, let now = recent.last, let then = recent.dropLast().last,
              let t1 = now.at, let t0 = then.at, t1 > t0 else { return r }
        let before = Dictionary(uniqueKeysWithValues: then.brokers.map { ($0.broker, $0) })
        for flow in now.brokers {
            guard let earlier = before[flow.broker] else { continue }
            r.rateIn[flow.broker] = Double(flow.bytesIn - earlier.bytesIn) / (t1 - t0)
            r.rateOut[flow.broker] = Double(flow.bytesOut - earlier.bytesOut) / (t1 - t0)
        }
        return r
    }

    /// Bytes copied from DescribeLogDirs of the adding replicas (`RunProgress`, the one
    /// computation `kscale status` also uses), rate, ETA and stalls.
    private func measure(_ view: ClusterObservation) async throws {
        var brokers = Set<BrokerID>()
        for m in inFlight.values {
            brokers.formUnion(m.adding)
            if let l = view.partition(m.tp)?.leader { brokers.insert(l) }
        }
        let live = view.cluster.brokers.filter { brokers.contains($0.id) && !$0.fenced }
        let read = live.isEmpty ? (dirs: [], gaps: []) : try await ClusterObservation.readLogDirs(of: live, from: admin)
        // A broker that did not answer this poll, or is offline, keeps the sizes it last reported:
        // its copies are not counted as lost, and the gap is noted once, when it opens.
        var unread = brokers.subtracting(live.map(\.id))
        var notes: [BrokerID: String] = Dictionary(uniqueKeysWithValues: unread.map { ($0, "broker \($0) is offline") })
        for gap in read.gaps {
            guard case let .logDirs(broker, _, _) = gap else { continue }
            unread.insert(broker)
            notes[broker] = gap.description
        }
        for (broker, gap) in notes.sorted(by: { $0.key < $1.key }) where !sizeGaps.contains(broker) {
            var note = JournalRecord(.note, at: clock.now())
            note.detail = "progress: \(gap); its copies count as last seen"
            try record(note)
        }
        sizeGaps = unread
        let ours = read.dirs.replicaSizesByBroker.mapValues { $0.filter { moves[$0.key] != nil } }
        let now = clock.now()
        reading = reading.followed(by: ours, at: now, unread: unread)
        let sizes = reading.sizes
        let leaders = Dictionary(uniqueKeysWithValues: moves.keys.compactMap { tp in view.partition(tp)?.leader.map { (tp, $0) } })
        let progress = RunProgress.compute(RunProgress.entries(of: state, leaders: leaders), reading: reading, earlier: recent.first)
        recent.append(progress)
        while let first = recent.first?.at, now - first > tracker.window, recent.count > 2 { recent.removeFirst() }

        var samples: [TopicPartition: ProgressTracker.Sample] = [:]
        for m in inFlight.values {
            let leader = view.partition(m.tp)?.leader
            let leaderSize = leader.flatMap { sizes[$0]?[m.tp] } ?? m.bytes
            var gap: Int64 = 0
            for b in m.adding { gap += max(0, leaderSize - (sizes[b]?[m.tp] ?? 0)) }
            let isr = Set(view.partition(m.tp)?.isr ?? [])
            let offline = m.adding.filter { !view.aliveBrokers.contains($0) }
            samples[m.tp] = ProgressTracker.Sample(gap: gap, leaderSize: leaderSize, offline: offline,
                                                   notInISR: m.adding.filter { !isr.contains($0) })
        }
        let stalls = tracker.update(now: now, copied: progress.bytesCopied, partitions: samples, timeout: options.stallTimeout, throttle: rate)
        for s in stalls.new {
            emit(.stalled(s))
            var n = JournalRecord(.note, at: now)
            n.topic = s.partition.topic
            n.partition = s.partition.partition
            n.detail = "stalled: \(s.reason)"
            try record(n)
        }
        let left = Double(max(0, progress.bytesTotal - progress.bytesCopied))
        let report = ProgressReport(progress: progress, rate: tracker.rate, etaSeconds: tracker.rate.flatMap { $0 > 0 ? left / $0 : nil },
                                    throttle: rate, stalled: stalls.all,
                                    waiting: waiting.sorted { $0.key < $1.key }.map { Waiting(partition: $0.key, reason: $0.value) })
        emit(.progress(report))
        if let progressFile { try? ProgressFile(report: report, reading: reading).write(to: progressFile) }
    }

    /// `--auto-throttle`: one step up while no partition of the plan's topics is under min ISR, down when one is.
    private func autoThrottle(_ view: ClusterObservation, ledger: inout ThrottleLedger) async throws {
        guard let lo = options.autoThrottleMin, let hi = options.autoThrottleMax, let current = rate else { return }
        let now = clock.now()
        let interval = max(options.pollInterval * 5, 10)
        guard now - lastThrottleStep >= interval else { return }
        lastThrottleStep = now
        let planTopics = Set(moves.keys.map(\.topic))
        let planPartitions = view.partitions.map(\.0).filter { planTopics.contains($0.topic) }
        // A partition whose min ISR is unknown counts as at risk: never speed up blind.
        let under = planPartitions.filter { view.isUnderMinISR($0) != false }
        let stepSize = max((hi - lo) / 8, 1)
        let next = under.isEmpty ? min(hi, current + stepSize) : max(lo, current - 2 * stepSize)
        guard next != current else { return }
        rate = next
        // Write ahead, as the journal: the cluster's run record carries the rate before the brokers do.
        if let recordRetune { try await recordRetune(next) }
        try await controller.retune(next, ledger: &ledger)
        let why = under.isEmpty ? "no partition under min ISR" : "\(under.count) partition(s) under min ISR, e.g. \(under[0])"
        emit(.throttleChanged(next, reason: why))
    }

    /// Ends `tp` as gone: its topic no longer exists.
    private func endGone(_ tp: TopicPartition, reason: String? = nil) throws {
        let reason = reason ?? "topic \(tp.topic) was deleted during the run"
        inFlight[tp] = nil
        pending.removeAll { $0.tp == tp }
        waiting[tp] = nil
        let move = moves.removeValue(forKey: tp)
        try transition(tp, .gone, move: move, detail: reason)
        emit(.partitionGone(tp, reason: reason))
    }

    private func transition(_ tp: TopicPartition, _ phase: PartitionPhase, move: Move?, detail: String?) throws {
        var r = JournalRecord(.partition, at: clock.now())
        r.topic = tp.topic
        r.partition = tp.partition
        r.state = phase.rawValue
        if let move {
            r.from = move.from
            r.to = move.to
            r.bytes = move.bytes
        }
        r.detail = detail
        try record(r)
    }

    private func record(_ r: JournalRecord) throws {
        try journal.append(r)
        state.apply(r)
    }
}
