import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// Is every partition of a plan at its target? Read-only; `RunEnd` removes a finished run's throttles.
public struct VerifyReport: Sendable, Equatable {
    public var atTarget: [TopicPartition]
    public var inFlight: [TopicPartition]
    /// Neither at target nor moving: with the replicas they have now.
    public var elsewhere: [TopicPartition: [BrokerID]]
    public var unknown: [TopicPartition]
    /// Partitions of topics that no longer exist (deleted during or after the run): skipped, so
    /// the rest of the plan is judged and its run can end, its throttles removed.
    public var gone: [TopicPartition] = []
    public var complete: Bool { inFlight.isEmpty && elsewhere.isEmpty && unknown.isEmpty }
    /// The deleted topics `gone` belongs to.
    public var goneTopics: [String] { Array(Set(gone.map(\.topic))).sorted() }

    public static func check(plan: ReassignmentPlan, admin: any ClusterAdmin) async throws -> VerifyReport {
        let topics = Array(Set(plan.partitions.map(\.topic))).sorted()
        let view = try await ClusterObservation.read(from: admin, parts: .metadata, topics: topics)
        var r = VerifyReport(atTarget: [], inFlight: [], elsewhere: [:], unknown: [])
        for line in plan.partitions.sorted(by: { $0.topicPartition < $1.topicPartition }) {
            let tp = line.topicPartition
            if view.missingTopics.contains(tp.topic) { r.gone.append(tp); continue }
            guard let p = view.partition(tp) else { r.unknown.append(tp); continue }
            if view.reassignments[tp] != nil { r.inFlight.append(tp) }
            else if p.replicas == line.replicas { r.atTarget.append(tp) }
            else { r.elsewhere[tp] = p.replicas }
        }
        return r
    }
}

/// Ends runs: undoes the ledger and journals the end. Shared by verify, cancel and throttle clear so
/// all three undo throttles the same way. Through a dry-run gate the undo is validated and
/// recorded by the gate, and nothing is journaled (`RunAccess`).
public enum RunEnd {
    /// Ends the run in `dir`; returns the broker rates restored and the replica entries removed
    /// (in a dry run, the ones that would be).
    public static func finish(runIn dir: String, admin: DryRunAdmin, clock: any KScaleClock, as endState: String) async throws -> (rates: Int, entries: Int) {
        let state = try RunDirectory.readState(dir)
        var ledger = state.ledger
        let run = try RunAccess.open(dir, through: admin)
        let recordState: RunRecord.State = endState == "cancelled" ? .cancelled : .finished
        do {
            let counts = try await run.holding {
                try await finish(ledger: &ledger, journal: run.journal, admin: admin, clock: clock, as: endState)
            }
            try await endClaim(of: state, in: dir, admin: admin, clock: clock, as: recordState)
            return counts
        } catch let error as ExecutionError where error.ledgerSettled {
            try await endClaim(of: state, in: dir, admin: admin, clock: clock, as: recordState)
            throw error
        }
    }

    /// The run's claim in the cluster's run record ended too (not in a dry run, nor for a run kept local).
    static func endClaim(of state: RunState, in dir: String, admin: DryRunAdmin, clock: any KScaleClock, as recordState: RunRecord.State) async throws {
        guard !admin.isDryRun, state.options?.localStateOnly != true, let runID = state.runID else { return }
        try await RunRegistry(admin: admin).endClaim(runID: runID, stateDir: dir, state: recordState, at: clock.now())
    }

    static func finish(ledger: inout ThrottleLedger, journal: any JournalWriting, admin: any ClusterAdmin, clock: any KScaleClock,
                       as endState: String) async throws -> (rates: Int, entries: Int) {
        let c = ThrottleController(admin: admin, journal: journal, clock: clock)
        let counts: (rates: Int, entries: Int)
        do {
            counts = try await c.restoreAll(ledger: &ledger)
        } catch let error as ExecutionError where error.ledgerSettled {
            // Settled, one rate left as it was: the run ends all the same (and the command fails).
            var r = JournalRecord(.end, at: clock.now())
            r.state = endState
            try journal.append(r)
            throw error
        }
        var r = JournalRecord(.end, at: clock.now())
        r.state = endState
        try journal.append(r)
        return counts
    }
}

/// `kscale verify`: the plan's partitions checked and, when every one is at its target, the run
/// ended and its throttles removed.
public struct Verification: Sendable, Equatable {
    public enum RunEnding: Sendable, Equatable {
        /// No kscale run of this plan in the directory: no throttles of ours to remove.
        case noRun
        /// Some partition is not at its target: the run's throttles stay.
        case notFinished(outstanding: Int)
        case noThrottlesLeft
        /// The run ended (in a dry run: would end) and its throttles came off.
        case throttlesRemoved(rates: Int, entries: Int)
    }
    public var report: VerifyReport
    public var ending: RunEnding

    public static func run(plan: ReassignmentPlan, runIn dir: String, admin: DryRunAdmin, clock: any KScaleClock) async throws -> Verification {
        let report = try await VerifyReport.check(plan: plan, admin: admin)
        guard let state = try? RunDirectory.readState(dir) else { return Verification(report: report, ending: .noRun) }
        guard report.complete else { return Verification(report: report, ending: .notFinished(outstanding: state.ledger.outstanding)) }
        guard state.ledger.outstanding > 0 else { return Verification(report: report, ending: .noThrottlesLeft) }
        guard !RunLock.isHeld(directory: dir) else {
            throw Refusal("the run in \(dir) is still being driven by a kscale process; it removes its throttles itself")
        }
        let counts = try await RunEnd.finish(runIn: dir, admin: admin, clock: clock, as: "verified")
        return Verification(report: report, ending: .throttlesRemoved(rates: counts.rates, entries: counts.entries))
    }
}

/// `kscale cancel`: stops this run's moves in flight (Kafka reverts them to their original
/// replicas) and removes its throttles; with rollback, the caller then executes the rollback plan.
public enum Canceller {
    public struct Outcome: Sendable {
        public var cancelled: [TopicPartition]
        public var failures: [TopicPartition: String]
        /// The part of the rollback still needed: partitions whose replicas differ from the original.
        public var rollback: ReassignmentPlan
        /// Partitions of the run whose topic was deleted (or, in ZooKeeper mode, is queued for
        /// deletion), with why: skipped, ended as gone; the cancel goes on with the rest.
        public var gone: [TopicPartition: String] = [:]
        /// Cancelled partitions left without a leader: ZooKeeper's controller reassigns back to
        /// the original replicas even when none of them is in sync (KRaft refuses that cancel).
        public var leaderless: [TopicPartition] = []
    }

    /// What cancel would do, without changing anything.
    public static func preview(state: RunState, admin: any ClusterAdmin) async throws -> Outcome {
        let view = try await ClusterObservation.read(from: admin, parts: .metadata, topics: state.plan.map { Array(Set($0.partitions.map(\.topic))).sorted() })
        let ours = state.partitions.filter { $0.value.phase == .submitted && view.reassignments[$0.key] != nil }.map(\.key).sorted()
        var outcome = Outcome(cancelled: ours, failures: [:], rollback: rollbackNeeded(state: state, view: view, cancelling: Set(ours)))
        for (tp, p) in state.partitions where (p.phase == .pending || p.phase == .submitted) && view.missingTopics.contains(tp.topic) {
            outcome.gone[tp] = "topic \(tp.topic) was deleted: nothing to cancel there"
        }
        return outcome
    }

    /// What the operator reads for a cancel Kafka refused for `tp` (`error`): the reason in
    /// words and what to do. KRaft refuses a cancel whose revert would need an unclean leader
    /// election (no original replica in the ISR: `ReplicationControlManager.
    /// cancelPartitionReassignment`) with INVALID_REPLICA_ASSIGNMENT.
    static func cancelRefusal(_ tp: TopicPartition, _ error: KafkaAPIError, original: [BrokerID]?) -> String {
        guard error.name == "INVALID_REPLICA_ASSIGNMENT" else { return "cancel failed: \(error)" }
        let replicas = original.map { " \($0)" } ?? ""
        return "Kafka refused to cancel the move of \(tp) (INVALID_REPLICA_ASSIGNMENT: \(error.message ?? "")): none of its original replicas\(replicas) is in sync, so reverting would need an unclean leader election, which could lose data. The move stays in flight, now without kscale's throttle. Let it finish (`kscale verify` then shows it at target), or bring an original replica back in sync (restart its broker) and cancel again; only if losing data is acceptable, set unclean.leader.election.enable=true on topic \(tp.topic) and cancel again"
    }

    /// Cancels the run in `dir`. Through a dry-run gate the cancellation is checked against the
    /// cluster's metadata, the throttle removal validated, and nothing is journaled.
    public static func cancel(runIn dir: String, admin: DryRunAdmin, clock: any KScaleClock) async throws -> Outcome {
        let state = try RunDirectory.readState(dir)
        guard state.plan != nil else { throw InvalidInput("\(dir) holds no run") }
        guard !RunLock.isHeld(directory: dir) else {
            throw Refusal("a kscale process is still driving the run in \(dir); stop it first (Ctrl-C), then cancel")
        }
        let run = try RunAccess.open(dir, through: admin)
        let outcome = try await run.holding { try await cancel(state: state, journal: run.journal, admin: admin, clock: clock) }
        try await RunEnd.endClaim(of: state, in: dir, admin: admin, clock: clock, as: .cancelled)
        return outcome
    }

    static func cancel(state: RunState, journal: any JournalWriting, admin: any ClusterAdmin, clock: any KScaleClock) async throws -> Outcome {
        var outcome = try await preview(state: state, admin: admin)
        // Partitions the cancel's answer found gone, journaled there.
        var goneByCancel: Set<TopicPartition> = []
        if !outcome.cancelled.isEmpty {
            let errors = try await admin.alterReassignmentsInChunks(Dictionary(uniqueKeysWithValues: outcome.cancelled.map { ($0, [BrokerID]?.none) }))
            // NO_REASSIGNMENT_IN_PROGRESS: the move finished between the reading and the cancel
            // (Kafka's answer for a partition with nothing moving). It is done, not a failed
            // cancel, and the rollback, if asked for, moves it back like any finished one.
            let finished = Set(outcome.cancelled.filter { errors[$0]?.name == "NO_REASSIGNMENT_IN_PROGRESS" })
            let originals = Dictionary((state.rollback?.partitions ?? []).map { ($0.topicPartition, $0.replicas) }, uniquingKeysWith: { first, _ in first })
            for tp in outcome.cancelled {
                var r = JournalRecord(.partition, at: clock.now())
                r.topic = tp.topic
                r.partition = tp.partition
                if finished.contains(tp) {
                    r.state = PartitionPhase.done.rawValue
                    r.detail = "finished before the cancel reached it"
                } else if let e = errors[tp], e.isUnknownTopic {
                    // Deleted after the reading, or (ZooKeeper) queued for deletion: Kafka takes no
                    // reassignment of a topic being deleted; its move ends and the topic goes.
                    outcome.gone[tp] = "topic \(tp.topic) is deleted or queued for deletion (\(e)): its move is not cancelled; the topic goes once it ends"
                    r.state = PartitionPhase.gone.rawValue
                    r.detail = outcome.gone[tp]
                    goneByCancel.insert(tp)
                } else if let e = errors[tp], e.code != 0 {
                    outcome.failures[tp] = cancelRefusal(tp, e, original: originals[tp])
                    r.state = PartitionPhase.submitted.rawValue
                    r.detail = outcome.failures[tp]
                } else {
                    r.state = PartitionPhase.cancelled.rawValue
                }
                try journal.append(r)
            }
            outcome.cancelled.removeAll { outcome.gone[$0] != nil }
            if !finished.isEmpty {
                outcome.cancelled.removeAll { finished.contains($0) }
                let view = try await ClusterObservation.read(from: admin, parts: .metadata, topics: Array(Set(finished.map(\.topic))).sorted())
                let back = rollbackNeeded(state: state, view: view, cancelling: Set(outcome.cancelled))
                    .partitions.filter { finished.contains($0.topicPartition) }
                outcome.rollback = ReassignmentPlan(partitions: (outcome.rollback.partitions + back).sorted { $0.topicPartition < $1.topicPartition })
            }
        }
        if !outcome.cancelled.isEmpty {
            try await restoreOrder(of: outcome, state: state, journal: journal, admin: admin, clock: clock)
            let reverted = outcome.cancelled.filter { outcome.failures[$0] == nil }
            let after = try await ClusterObservation.read(from: admin, parts: .metadata, topics: Array(Set(reverted.map(\.topic))).sorted())
            outcome.leaderless = reverted.filter { tp in after.partition(tp).map { $0.leader == nil } ?? false }
            for tp in outcome.leaderless {
                var note = JournalRecord(.note, at: clock.now())
                note.topic = tp.topic
                note.partition = tp.partition
                note.detail = "reverted without a leader: none of its original replicas was in sync"
                try journal.append(note)
            }
        }
        for (tp, p) in state.partitions.sorted(by: { $0.key < $1.key }) where (p.phase == .pending || p.phase == .submitted) && outcome.gone[tp] != nil && !goneByCancel.contains(tp) {
            // The preview's partitions of deleted topics (those the cancel itself found are journaled above).
            var r = JournalRecord(.partition, at: clock.now())
            r.topic = tp.topic
            r.partition = tp.partition
            r.state = PartitionPhase.gone.rawValue
            r.detail = outcome.gone[tp]
            try journal.append(r)
        }
        for (tp, p) in state.partitions where p.phase == .pending && outcome.gone[tp] == nil {
            var r = JournalRecord(.partition, at: clock.now())
            r.topic = tp.topic
            r.partition = tp.partition
            r.state = PartitionPhase.cancelled.rawValue
            r.detail = "never started"
            try journal.append(r)
        }
        // The run did not put the brokers it gave replicas back in service: their cordons return.
        _ = try await CordonLift.restore(state.liftedCordons, admin: admin, journal: journal, clock: clock)
        var ledger = state.ledger
        _ = try await RunEnd.finish(ledger: &ledger, journal: journal, admin: admin, clock: clock, as: "cancelled")
        return outcome
    }

    /// Kafka's revert of a cancelled move (KIP-455: the replicas minus the adding ones) keeps the
    /// order of the in-flight list, which starts with the move's target, so the original preferred
    /// leader can lose its place (KRaft's `PartitionReassignmentRevert`). A reverted partition whose
    /// replicas are the original set in another order gets its exact original order back with a
    /// reorder-only reassignment, which copies nothing. A partition still moving after the cancel
    /// (a dry run sent nothing; ZooKeeper mode reassigns back) is judged by where the revert lands
    /// (its replicas minus the adding ones), so the dry run lists the same reorders as the run, and
    /// in ZooKeeper mode the reorder replaces the revert's target with the exact original order.
    static func restoreOrder(of outcome: Outcome, state: RunState, journal: any JournalWriting, admin: any ClusterAdmin, clock: any KScaleClock) async throws {
        let originals = Dictionary((state.rollback?.partitions ?? []).map { ($0.topicPartition, $0.replicas) }, uniquingKeysWith: { first, _ in first })
        let topics = Array(Set(outcome.cancelled.map(\.topic))).sorted()
        let after = try await ClusterObservation.read(from: admin, parts: .metadata, topics: topics)
        var reorder: [TopicPartition: [BrokerID]?] = [:]
        for tp in outcome.cancelled where outcome.failures[tp] == nil {
            guard let original = originals[tp], let now = after.originalReplicas(tp) else { continue }
            if now != original && Set(now) == Set(original) { reorder[tp] = original }
        }
        guard !reorder.isEmpty else { return }
        let errors = try await admin.alterReassignmentsInChunks(reorder)
        for tp in reorder.keys.sorted() {
            var note = JournalRecord(.note, at: clock.now())
            note.topic = tp.topic
            note.partition = tp.partition
            note.detail = errors[tp].map { "restoring the original replica order failed: \($0)" } ?? "original replica order restored after the revert"
            try journal.append(note)
        }
    }

    /// What `cancel --rollback` does after the cancel: start the rollback run in `<dir>-rollback`,
    /// or continue the one already there, or nothing.
    public struct RollbackStep: Sendable {
        public enum Action: Sendable, Equatable {
            /// Nothing is off its original replicas and no rollback run was started before.
            case nothing
            /// A new rollback run of this plan.
            case start(ReassignmentPlan)
            /// The rollback run an earlier `cancel --rollback` started (and was killed in, or
            /// finished): continued from its journal, as `resume` does.
            case continueRun(runID: String, plan: ReassignmentPlan, ended: String?)
        }
        /// `<dir>-rollback`.
        public var dir: String
        public var action: Action
        /// Partitions off their original replicas that the continued rollback run does not hold
        /// (moved since it started): it cannot take them on, so they are reported, not moved.
        public var outside: [TopicPartition]
    }

    /// Decides the rollback of the run in `dir` after its cancel (`outcome`). A rollback run in
    /// `<dir>-rollback` is continued when each of its lines is this run's original assignment of
    /// that partition, and refused otherwise (the directory holds something else). Reads only.
    public static func rollbackStep(after outcome: Outcome, runIn dir: String) throws -> RollbackStep {
        let target = rollbackDirectory(of: dir)
        guard let existing = try RunDirectory.existingState(target), let plan = existing.plan else {
            return RollbackStep(dir: target, action: outcome.rollback.partitions.isEmpty ? .nothing : .start(outcome.rollback), outside: [])
        }
        let originals = try RunDirectory.readState(dir).rollback?.partitions ?? []
        let original = Dictionary(originals.map { ($0.topicPartition, $0) }, uniquingKeysWith: { first, _ in first })
        let id = existing.runID ?? RunDirectory.runID(for: plan)
        if let foreign = plan.partitions.first(where: { line in original[line.topicPartition].map { !$0.asksForTheSame(as: line) } ?? true }) {
            let was = original[foreign.topicPartition].map { "its original replicas are \($0.replicas)" } ?? "the run in \(dir) does not hold it"
            throw Refusal("\(target) holds run \(id), which is not this run's rollback (it moves \(foreign.topicPartition) to \(foreign.replicas); \(was)); resume or cancel it with \(RunDirectory.selection(of: target)), or move the directory aside, then cancel --rollback again")
        }
        let held = Set(plan.partitions.map(\.topicPartition))
        let outside = outcome.rollback.partitions.map(\.topicPartition).filter { !held.contains($0) }.sorted()
        return RollbackStep(dir: target, action: .continueRun(runID: id, plan: plan, ended: existing.ended), outside: outside)
    }

    /// `cancel --rollback`: moves the partitions that finished back to their original replicas,
    /// throttled like any run, journaled in `<dir>-rollback`; a rollback run already there is
    /// continued (`resume`: its journaled options, not `options`). Nil when there is nothing to do.
    public static func rollBack(_ step: RollbackStep, with runner: PlanRun, options: RunOptions) async throws -> PlanRun.Outcome? {
        switch step.action {
        case .nothing:
            return nil
        case let .start(plan):
            var options = options
            // The cancelled moves may still be reverting: the rollback runs alongside them.
            options.additional = true
            // The run's own journaled originals, judged by `rollbackNeeded` against a fresh reading.
            return try await runner.execute(plan, in: step.dir, options: options, drift: .skip)
        case .continueRun:
            return try await runner.resume(in: step.dir)
        }
    }

    public static func rollbackDirectory(of dir: String) -> String { dir + rollbackSuffix }
    static let rollbackSuffix = "-rollback"

    /// The run `cancel --rollback` given no `--state-dir` acts on: the most recent run under
    /// `root`, except that a rollback run (`<dir>-rollback` beside a run in `<dir>`, the most
    /// recent one after a killed `cancel --rollback`) stands for the run it rolls back, so the same
    /// command run again continues that rollback instead of rolling the rollback back.
    public static func latestRunToRollBack(root: String = RunDirectory.defaultRoot) throws -> String {
        let latest = try RunDirectory.latest(root: root)
        guard latest.hasSuffix(rollbackSuffix) else { return latest }
        let rolledBack = String(latest.dropLast(rollbackSuffix.count))
        return FileManager.default.fileExists(atPath: rolledBack + "/" + RunDirectory.journalName) ? rolledBack : latest
    }

    /// Partitions of the run that ended somewhere other than their original replicas.
    static func rollbackNeeded(state: RunState, view: ClusterObservation, cancelling: Set<TopicPartition>) -> ReassignmentPlan {
        let lines = (state.rollback?.partitions ?? []).filter { line in
            let tp = line.topicPartition
            if cancelling.contains(tp) { return false }
            guard let p = view.partition(tp) else { return false }
            return p.replicas != line.replicas
        }
        return ReassignmentPlan(partitions: lines)
    }
}

/// `kscale throttle audit`: every replication throttle on the cluster, and which run set it.
public struct ThrottleAudit: Sendable {
    public struct Item: Sendable, Equatable {
        public var resource: ConfigResource
        public var key: String
        public var value: String
        /// The run whose ledger holds it, nil when no kscale run set it.
        public var run: String?
        /// False for a broker's static (server.properties) value, which only a restart changes.
        public var isDynamic: Bool = true
    }
    public var items: [Item]
    /// What the audit could not see (a broker that did not answer for its configs).
    public var unseen: [String] = []

    public static func read(admin: any ClusterAdmin, runs: [String]) async throws -> ThrottleAudit {
        var ledgers: [(String, ThrottleLedger)] = []
        for dir in runs {
            if let s = try? RunDirectory.readState(dir) { ledgers.append(((dir as NSString).lastPathComponent, s.ledger)) }
        }
        let observation = try await ClusterObservation.read(from: admin, parts: [.topicConfigs, .brokerConfigs])
        var items: [Item] = []
        for throttle in observation.replicationThrottles {
            switch throttle.resource.kind {
            case .topic:
                // Items as stored (untrimmed: " 0:2" is not a ledger's "0:2"), so subtracting the
                // unowned ones removes exactly them.
                let entries = ThrottleKeys.storedItems(throttle.value).filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                let key = ThrottleLedger.ReplicaKey(topic: throttle.resource.name, key: throttle.key)
                var unowned = entries
                for (run, ledger) in ledgers {
                    let ours = entries.intersection(ledger.replicaEntries[key] ?? [])
                    if !ours.isEmpty {
                        items.append(Item(resource: throttle.resource, key: throttle.key, value: ours.sorted().joined(separator: ","), run: run))
                        unowned.subtract(ours)
                    }
                }
                if !unowned.isEmpty {
                    items.append(Item(resource: throttle.resource, key: throttle.key, value: unowned.sorted().joined(separator: ","), run: nil,
                                      isDynamic: throttle.isDynamic))
                }
            default:
                let owner = BrokerID(throttle.resource.name).flatMap { broker in
                    ledgers.first { $0.1.rates[.init(broker: broker, key: throttle.key)] != nil }?.0
                }
                items.append(Item(resource: throttle.resource, key: throttle.key, value: throttle.value, run: owner, isDynamic: throttle.isDynamic))
            }
        }
        var unseen = observation.warnings
        // Throttles no local ledger knows may be another host's run: the cluster's run record says whose.
        if items.contains(where: { $0.run == nil && $0.isDynamic }) {
            do {
                let recorded = RunOverlap.latest(try await RunRegistry(admin: admin).records()).map(\.record)
                items = items.flatMap { item in item.run == nil && item.isDynamic ? attribute(item, to: recorded) : [item] }
            } catch {
                unseen.append("could not read the run record \(RunRegistry.topicName) (\(error)): throttles of runs on other hosts show as unknown")
            }
        }
        return ThrottleAudit(items: items, unseen: unseen)
    }

    /// `item` split by the recorded runs (not refused) that drive its broker or partitions:
    /// a broker rate belongs to the run that set it there; a replica entry ("p:b") to the run
    /// whose partitions hold that partition. What none claims stays unowned.
    static func attribute(_ item: Item, to records: [RunRecord]) -> [Item] {
        let owners = records.filter { $0.state != .refused }
        func name(_ r: RunRecord) -> String { "\(r.runID) on host \(r.host) (state dir \(r.stateDir))" }
        switch item.resource.kind {
        case .topic:
            var byOwner: [String: [String]] = [:]
            var unowned: [String] = []
            for entry in ThrottleKeys.parse(item.value).sorted() {
                let partition = entry.split(separator: ":").first.map(String.init) ?? ""
                let tp = "\(item.resource.name)-\(partition)"
                if let owner = owners.last(where: { $0.partitions.contains(tp) }) { byOwner[name(owner), default: []].append(entry) } else { unowned.append(entry) }
            }
            var out = byOwner.sorted { $0.key < $1.key }.map { Item(resource: item.resource, key: item.key, value: $0.value.joined(separator: ","), run: $0.key) }
            if !unowned.isEmpty { out.append(Item(resource: item.resource, key: item.key, value: unowned.joined(separator: ","), run: nil)) }
            return out
        default:
            guard let broker = BrokerID(item.resource.name),
                  let owner = owners.last(where: { $0.rate.map(String.init) == item.value && $0.replaced.contains { $0.broker == broker && $0.key == item.key } })
            else { return [item] }
            var owned = item
            owned.run = name(owner)
            return [owned]
        }
    }

    /// Removes the throttles no kscale ledger knows (left by kafka-reassign-partitions.sh, Cruise
    /// Control or a hand-run command): broker rates are deleted, topic replica entries subtracted
    /// one by one so entries a ledger owns stay. Refused while any reassignment is in flight,
    /// because lifting a throttle under a running move lets it flood the network.
    /// Returns how many configs it changed.
    public static func clearUnowned(admin: any ClusterAdmin, runs: [String]) async throws -> Int {
        let inFlight = try await admin.listReassignments(nil)
        if !inFlight.isEmpty {
            let some = inFlight.keys.sorted().prefix(5).map(\.description).joined(separator: ", ")
            throw Refusal("\(inFlight.count) reassignments are in flight (\(some)); removing throttles now would unthrottle them. Wait for them to finish or cancel them first")
        }
        let audit = try await read(admin: admin, runs: runs)
        var changes: [ConfigResource: [ConfigChange]] = [:]
        let ownedKeys = Set(audit.items.filter { $0.run != nil }.map { "\($0.resource)/\($0.key)" })
        for i in audit.items where i.run == nil && i.isDynamic {
            // A list no ledger shares is deleted whole: a SUBTRACT of all of it would leave an
            // empty value, or on 2.6-3.3 a leading empty item behind.
            let change = i.resource.kind == .topic && ownedKeys.contains("\(i.resource)/\(i.key)")
                ? ConfigChange(i.key, .subtract, i.value)
                : ConfigChange(i.key, .delete)
            changes[i.resource, default: []].append(change)
        }
        guard !changes.isEmpty else { return 0 }
        let failures = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        if let (res, err) = failures.sorted(by: { $0.key.description < $1.key.description }).first {
            throw ExecutionError("could not clear the throttles on \(res): \(err)")
        }
        return changes.values.reduce(0) { $0 + $1.count }
    }
}

/// `kscale throttle clear`: removes the throttles kscale runs left behind, each rate restored to
/// the value it replaced; runs still driven by a process are skipped; throttles no ledger knows are
/// left alone unless `includeUnknown` (then removed, refused while a reassignment is in flight).
public struct ThrottleClear: Sendable, Equatable {
    public struct RunCleared: Sendable, Equatable {
        public enum Result: Sendable, Equatable {
            case drivenByAProcess
            /// In a dry run: what would be restored and removed.
            case cleared(rates: Int, entries: Int)
        }
        public var dir: String
        public var result: Result
        /// Topics the run's ledger held entries of that no longer exist: skipped (their configs
        /// went with them), the run's rates restored all the same.
        public var deletedTopics: [String] = []
    }
    /// Throttles no kscale run set.
    public var unknown: [ThrottleAudit.Item]
    /// Whether they were asked to go (`includeUnknown`) and there were any to remove.
    public var unknownRemoved: Bool
    /// Every run whose ledger still held settings.
    public var runs: [RunCleared]

    public static func run(admin: DryRunAdmin, runs dirs: [String], includeUnknown: Bool, clock: any KScaleClock) async throws -> ThrottleClear {
        let audit = try await ThrottleAudit.read(admin: admin, runs: dirs)
        var report = ThrottleClear(unknown: audit.items.filter { $0.run == nil }, unknownRemoved: false, runs: [])
        if includeUnknown { report.unknownRemoved = try await ThrottleAudit.clearUnowned(admin: admin, runs: dirs) > 0 }
        for dir in dirs {
            guard let state = try? RunDirectory.readState(dir), !state.ledger.isEmpty else { continue }
            if RunLock.isHeld(directory: dir) {
                report.runs.append(RunCleared(dir: dir, result: .drivenByAProcess))
                continue
            }
            let deleted = try await admin.missingTopics(Array(Set(state.ledger.replicaEntries.keys.map(\.topic))).sorted())
            let counts = try await RunEnd.finish(runIn: dir, admin: admin, clock: clock, as: state.ended ?? "throttles-cleared")
            report.runs.append(RunCleared(dir: dir, result: .cleared(rates: counts.rates, entries: counts.entries), deletedTopics: deleted.sorted()))
        }
        return report
    }
}

/// `kscale status`: a run's partitions as the journal and the cluster see them now, measured by
/// the executor's own computation (`RunProgress`).
public struct LiveStatus: Sendable {
    /// Progress now: phases as the cluster shows them, sizes from this reading (a broker that
    /// cannot be read, or is offline, keeps the sizes the run's last poll saw, from `progress.json`).
    public var progress: RunProgress
    public var inFlight: [TopicPartition]
    public var failed: [TopicPartition: String]
    /// What could not be read.
    public var unseen: [String]
    /// The running executor's last report (rate, ETA, stalls, waits), when there is one.
    public var last: ProgressReport?

    /// The report status prints: this reading's progress; the rates, ETA, stalls and waits of
    /// the executor's last poll when `active` (a process is driving the run), none otherwise.
    public func report(active: Bool) -> ProgressReport {
        guard active, let last else { return ProgressReport(progress: progress) }
        var now = progress
        let rates = Dictionary(uniqueKeysWithValues: last.progress.brokers.map { ($0.broker, $0) })
        for i in now.brokers.indices {
            now.brokers[i].rateIn = rates[now.brokers[i].broker]?.rateIn
            now.brokers[i].rateOut = rates[now.brokers[i].broker]?.rateOut
        }
        return ProgressReport(progress: now, rate: last.rate, etaSeconds: last.etaSeconds, throttle: last.throttle,
                              stalled: last.stalled, waiting: last.waiting)
    }

    public static func read(state: RunState, admin: any ClusterAdmin, last: ProgressFile?, now: Double) async throws -> LiveStatus {
        guard let plan = state.plan else { throw InvalidInput("the journal holds no plan") }
        let topics = Array(Set(plan.partitions.map(\.topic))).sorted()
        let view = try await ClusterObservation.read(from: admin, parts: .logDirs, topics: topics)
        var leaders: [TopicPartition: BrokerID] = [:]
        for line in plan.partitions { leaders[line.topicPartition] = view.partition(line.topicPartition)?.leader }
        var entries = RunProgress.entries(of: state, leaders: leaders, from: view.originalReplicas)
        var inFlight: [TopicPartition] = []
        var failed: [TopicPartition: String] = [:]
        let targets = Dictionary(plan.partitions.map { ($0.topicPartition, $0.replicas) }, uniquingKeysWith: { first, _ in first })
        for i in entries.indices {
            let tp = entries[i].move.tp
            let journaled = state.partitions[tp]
            if view.reassignments[tp] != nil {
                entries[i].phase = .submitted
                inFlight.append(tp)
            } else if view.partition(tp)?.replicas == targets[tp] {
                entries[i].phase = .done
            } else if journaled?.phase == .gone {
                entries[i].phase = .gone
            } else if journaled?.phase == .failed || journaled?.phase == .cancelled {
                entries[i].phase = journaled?.phase ?? .pending
                if journaled?.phase == .failed { failed[tp] = journaled?.detail ?? "failed" }
            } else {
                entries[i].phase = .pending
            }
        }
        // Brokers the reading could not ask (down, fenced, not answering) keep the run's last sizes.
        var unread = Set(entries.flatMap { $0.move.adding }).subtracting(view.aliveBrokers)
        for gap in view.gaps { if case let .logDirs(broker, _, _) = gap { unread.insert(broker) } }
        let planned = Set(targets.keys)
        let fresh = view.logDirs.replicaSizesByBroker.mapValues { $0.filter { planned.contains($0.key) } }
        let reading = (last?.reading ?? SizeReading(at: now)).followed(by: fresh, at: now, unread: unread)
        return LiveStatus(progress: RunProgress.compute(entries, reading: reading), inFlight: inFlight, failed: failed,
                          unseen: view.warnings, last: last?.report)
    }
}
