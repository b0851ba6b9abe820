import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// The cluster failed a request a run cannot do without (kind `cluster`); the run is journaled and
/// the operator can retry it, as opposed to bad input.
public struct ExecutionError: KindedError, Sendable {
    public var message: String
    /// The run's throttle ledger is settled (every line journaled as restored or left) though the
    /// run did not end cleanly: it left a rate it could not restore. The run is ended (journal and
    /// run record) before this is thrown on, and still does not exit 0.
    public var ledgerSettled = false
    public init(_ message: String, ledgerSettled: Bool = false) {
        self.message = message
        self.ledgerSettled = ledgerSettled
    }
    public var description: String { message }
    public var kind: ErrorKind { .cluster }
}

/// Sets and undoes this run's throttles. Every change is journaled before it is made, with the
/// value it replaces, so whatever instant the process dies at, the ledger can undo it; and it only
/// ever appends entries that were not already there, so undoing never removes someone else's.
public struct ThrottleController: Sendable {
    public let admin: any ClusterAdmin
    public let journal: any JournalWriting
    public let clock: any KScaleClock
    /// Rates other kscale runs set (other ledgers in the state root, the cluster's run record):
    /// a broker found holding one of them records that run's previous value, the operator's own,
    /// as the one to restore (`RunOverlap.operatorOriginal`), never the other run's rate.
    public var knownRates: [RunOverlap.KnownRate]

    public init(admin: any ClusterAdmin, journal: any JournalWriting, clock: any KScaleClock, knownRates: [RunOverlap.KnownRate] = []) {
        self.admin = admin
        self.journal = journal
        self.clock = clock
        self.knownRates = knownRates
    }

    /// Throttles the replicas of `moves` before they start and sets `rate` on every broker they touch.
    /// Throttles `moves`: their replica entries on the topics, and `rate` on every broker of
    /// `alive` they touch (a dead broker sends and receives nothing, and cannot be configured).
    public func throttle(_ moves: [Move], rate: Int64, alive: Set<BrokerID>, ledger: inout ThrottleLedger) async throws {
        guard !moves.isEmpty else { return }
        // Topic entries: sources lead, new replicas follow, as kafka-reassign-partitions.sh sets them.
        let topics = Array(Set(moves.map(\.tp.topic))).sorted()
        let current = try await caughtUpConfigs(topics, ledger: ledger)
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for t in topics {
            let entries = current[.topic(t)] ?? []
            let stored: [String: String] = Dictionary(uniqueKeysWithValues: ThrottleKeys.replicas.compactMap { k in
                entries.first { $0.name == k && !$0.isDefault }?.value.map { (k, $0) }
            })
            let existing = stored.mapValues { ThrottleKeys.parse($0) }
            var append: [String: [String]] = [:]
            for m in moves where m.tp.topic == t {
                let wanted = [
                    ThrottleKeys.leaderReplicas: m.from.map { "\(m.tp.partition):\($0)" },
                    ThrottleKeys.followerReplicas: m.adding.map { "\(m.tp.partition):\($0)" },
                ]
                for (key, list) in wanted.sorted(by: { $0.key < $1.key }) {
                    let have = existing[key] ?? []
                    if have.contains("*") { continue }
                    // Entries already there are someone else's (or ours, applied): never recorded as ours.
                    let new = list.filter { !have.contains($0) }
                    guard !new.isEmpty else { continue }
                    var r = JournalRecord(.replicas, at: clock.now())
                    r.topic = t
                    r.partition = m.tp.partition
                    r.key = key
                    r.entries = new
                    try journal.append(r)
                    ledger.apply(r)
                    append[key, default: []] += new
                }
            }
            let ops = append.sorted { $0.key < $1.key }.map { key, new in
                Self.addition(key: key, stored: stored[key], new: new)
            }
            if !ops.isEmpty { changes[.topic(t)] = ops }
        }
        try await apply(changes, what: "throttled replicas")
        let brokers = Set(moves.flatMap { $0.from + $0.to }).intersection(alive)
        try await setRate(rate, on: brokers, ledger: &ledger)
    }

    /// The topics' configs, read again (every `removalRecheckSeconds`, for at most
    /// `removalDeadlineSeconds`) while a key shows none of the entries this run's ledger holds
    /// there: the answering broker has not applied them yet (KRaft brokers read configs from their
    /// metadata image), and adding to what it shows would SET the list over entries already in it.
    private func caughtUpConfigs(_ topics: [String], ledger: ThrottleLedger) async throws -> [ConfigResource: [ConfigEntry]] {
        var held: [ThrottleLedger.ReplicaKey: Set<String>] = [:]
        for entries in ledger.replicas.values {
            for (k, e) in entries where topics.contains(k.topic) { held[k, default: []].formUnion(e) }
        }
        let deadline = clock.now() + Self.removalDeadlineSeconds
        let waits = (admin as? DryRunAdmin)?.isDryRun != true
        while true {
            let current = try await admin.describeConfigs(topics.map { ConfigResource.topic($0) })
            let behind = held.contains { entry in
                let shown = current[.topic(entry.key.topic)]?.first { $0.name == entry.key.key && !$0.isDefault }?.value
                return !entry.value.isEmpty && ThrottleKeys.parse(shown).isDisjoint(with: entry.value)
            }
            guard behind, waits, clock.now() < deadline else { return current }
            try await clock.sleep(seconds: Self.removalRecheckSeconds)
        }
    }

    /// The change that adds `new` entries to a throttled-replicas key holding `stored`. APPEND only
    /// onto a clean non-empty list: ZooKeeper-mode brokers before 3.4 split an unset value into
    /// an error (2.4-2.5, KAFKA-9644: UNKNOWN_SERVER_ERROR) or a leading empty item (2.6-3.3,
    /// apache/kafka PR 12503: ",0:1", which every broker's parser then throws on, so nothing is
    /// throttled). Onto an unset or empty key, or one holding empty items or items with spaces
    /// (Kafka never trims them: " 0:2" in "0:1, 0:2" makes broker 2's parser throw, so none of the
    /// topic's throttle applies there), the whole list is SET: what was there (each entry
    /// trimmed, as meant) and ours, as kafka-reassign-partitions.sh does. kscale's own values
    /// never hold a space.
    static func addition(key: String, stored: String?, new: [String]) -> ConfigChange {
        let present = ThrottleKeys.parse(stored)
        let clean = stored.map(ThrottleKeys.isCleanList) ?? false
        if !present.isEmpty, clean { return ConfigChange(key, .append, new.joined(separator: ",")) }
        return ConfigChange(key, .set, (present.sorted() + new.filter { !present.contains($0) }).joined(separator: ","))
    }

    /// Sets `rate` on `brokers`; the first time per broker it records the value it replaces.
    public func setRate(_ rate: Int64, on brokers: Set<BrokerID>, ledger: inout ThrottleLedger) async throws {
        let value = String(rate)
        let unknown = brokers.filter { b in ThrottleKeys.rates.contains { ledger.rates[.init(broker: b, key: $0)] == nil } }.sorted()
        var previous: [ConfigResource: [ConfigEntry]] = [:]
        if !unknown.isEmpty { previous = try await admin.describeConfigs(unknown.map { ConfigResource.broker($0) }) }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for b in brokers.sorted() {
            for key in ThrottleKeys.rates {
                let rk = ThrottleLedger.RateKey(broker: b, key: key)
                // Always set (idempotent, and repairs a crash between journal and call); journal changes only.
                changes[.broker(b), default: []].append(ConfigChange(key, .set, value))
                if ledger.rates[rk]?.current == value { continue }
                var r = JournalRecord(.rate, at: clock.now())
                r.broker = b
                r.key = key
                r.value = value
                if ledger.rates[rk] == nil {
                    let entry = previous[.broker(b)]?.first { $0.name == key && $0.source == .dynamicBroker }
                    if let entry, entry.value == nil {
                        // A set rate reported without a value (sensitive, on Kafka 2.4-2.5) is not "unset".
                        r.previousUnknown = true
                    } else {
                        switch RunOverlap.operatorRate(broker: b, key: key, current: entry?.value, known: knownRates) {
                        case .value(let value): r.previous = value
                        // Another run's rate over an unreadable one: unknown here too, never deleted.
                        case .unknown: r.previousUnknown = true
                        }
                    }
                }
                try journal.append(r)
                ledger.apply(r)
            }
        }
        try await apply(changes, what: "throttle rates")
    }

    /// Changes every rate this run has set (auto-throttle).
    public func retune(_ rate: Int64, ledger: inout ThrottleLedger) async throws {
        try await setRate(rate, on: Set(ledger.rates.keys.map(\.broker)), ledger: &ledger)
    }

    /// How long `release` keeps reading a topic back for entries it removed that the answering
    /// broker still shows, and how often: brokers apply config changes after the controller
    /// commits them (KRaft brokers from their metadata image), normally within milliseconds.
    static let removalDeadlineSeconds: Double = 30
    static let removalRecheckSeconds: Double = 1

    /// Removes exactly the entries this run appended for `partitions`: a SUBTRACT of ours onto a
    /// list the broker shows set (always, also when it shows nothing but ours), a DELETE of a list
    /// it shows unset (ours may not be applied there yet), then reads the topics back until none
    /// shows any of ours (re-sending the removal), for at most `removalDeadlineSeconds` on the
    /// run's clock; a list the SUBTRACT left empty is DELETEd so no empty value stays. Entries of a
    /// topic that was deleted went with it (Kafka deletes a topic's configs with the topic): they
    /// are journaled removed, with nothing sent, and the rest go on. Not read back in a dry run.
    public func release(_ partitions: [TopicPartition], ledger: inout ThrottleLedger) async throws {
        var byKey: [ThrottleLedger.ReplicaKey: [(TopicPartition, Set<String>)]] = [:]
        for tp in partitions {
            for (k, e) in ledger.replicas[tp] ?? [:] where !e.isEmpty { byKey[k, default: []].append((tp, e)) }
        }
        guard !byKey.isEmpty else { return }
        let topics = Array(Set(byKey.keys.map(\.topic))).sorted()
        var current: [ConfigResource: [ConfigEntry]]
        do {
            current = try await admin.describeConfigs(topics.map { ConfigResource.topic($0) })
        } catch let error as KafkaAPIError where error.isUnknownTopic {
            let deleted = try await admin.missingTopics(topics)
            guard !deleted.isEmpty else { throw error }
            try forgetEntries(ofDeleted: deleted, in: byKey, ledger: &ledger)
            return try await release(partitions.filter { !deleted.contains($0.topic) }, ledger: &ledger)
        }
        let ours = byKey.mapValues { $0.reduce(into: Set<String>()) { $0.formUnion($1.1) } }
        let shownFirst = current
        let deadline = clock.now() + Self.removalDeadlineSeconds
        let confirming = (admin as? DryRunAdmin)?.isDryRun != true
        var left = Array(ours.keys).sorted()
        var deleted = Set<String>()
        var sentTo = Set<ThrottleLedger.ReplicaKey>()
        while true {
            var changes: [ConfigResource: [ConfigChange]] = [:]
            for k in left {
                let change = Self.removal(key: k.key, have: Self.shown(k, in: current), ours: ours[k] ?? [])
                if !change.isEmpty { sentTo.insert(k) }
                changes[.topic(k.topic), default: []] += change
            }
            let errors = changes.isEmpty ? [:] : try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
            // A topic deleted between the reading and the change: its entries went with it.
            deleted.formUnion(errors.filter { $0.key.kind == .topic && $0.value.isUnknownTopic }.map(\.key.name))
            let failed = errors.filter { $0.value.code != 0 && !deleted.contains($0.key.name) }
            if !failed.isEmpty {
                let text = failed.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; ")
                throw ExecutionError("setting throttled replicas failed: \(text)")
            }
            left = left.filter { !deleted.contains($0.topic) }
            guard confirming, !left.isEmpty else { break }
            current = try await topicConfigs(left)
            left = left.filter { !Self.shown($0, in: current).isDisjoint(with: ours[$0] ?? []) }
            if left.isEmpty { break }
            guard clock.now() < deadline else {
                let still = left.map { "topic \($0.topic) \($0.key) still shows \(Self.shown($0, in: current).intersection(ours[$0] ?? []).sorted().joined(separator: ","))" }
                throw ExecutionError("removing this run's throttled replicas: \(still.joined(separator: "; ")) \(Int(Self.removalDeadlineSeconds)) s after their removal; the run's ledger keeps them, run `kscale throttle clear --execute` to remove them")
            }
            try await clock.sleep(seconds: Self.removalRecheckSeconds)
        }
        try forgetEntries(ofDeleted: deleted, in: byKey, ledger: &ledger)
        for (k, parts) in byKey where !deleted.contains(k.topic) {
            for (tp, e) in parts { try journalRemoved(e, of: tp, key: k, detail: nil, ledger: &ledger) }
        }
        // A list the broker showed holding nothing but ours is now empty, or nearly: read it again
        // and DELETE it when the SUBTRACT left it empty, so no empty value stays behind. A broker
        // still showing entries (someone else's, or ours not applied yet) keeps the list as the
        // controller left it. The dry run, which applied nothing, lists the DELETE it expects.
        let onlyOurs = byKey.filter { k, _ in
            !deleted.contains(k.topic) && sentTo.contains(k)
                && !Self.shown(k, in: shownFirst).isEmpty && Self.shown(k, in: shownFirst).subtracting(ours[k] ?? []).isEmpty
        }.keys
        try await deleteEmptied(Array(onlyOurs))
    }

    /// DELETEs each of `keys` the cluster shows set to an empty list now.
    private func deleteEmptied(_ keys: [ThrottleLedger.ReplicaKey]) async throws {
        guard !keys.isEmpty else { return }
        var emptied = keys
        if !((admin as? DryRunAdmin)?.isDryRun ?? false) {
            let now = try await admin.describeConfigs(Array(Set(keys.map { ConfigResource.topic($0.topic) })))
            emptied = keys.filter { k in
                guard let entry = now[.topic(k.topic)]?.first(where: { $0.name == k.key && !$0.isDefault }), let value = entry.value else { return false }
                return ThrottleKeys.parse(value).isEmpty
            }
        }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for k in emptied.sorted() { changes[.topic(k.topic), default: []].append(ConfigChange(k.key, .delete)) }
        guard !changes.isEmpty else { return }
        let errors = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        let failed = errors.filter { $0.value.code != 0 && !$0.value.isUnknownTopic }
        if !failed.isEmpty {
            throw ExecutionError("deleting emptied throttled-replicas lists failed: \(failed.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; "))")
        }
    }

    private func journalRemoved(_ entries: Set<String>, of tp: TopicPartition, key: ThrottleLedger.ReplicaKey, detail: String?,
                                ledger: inout ThrottleLedger) throws {
        var r = JournalRecord(.replicasRemoved, at: clock.now())
        r.topic = key.topic
        r.partition = tp.partition
        r.key = key.key
        r.entries = entries.sorted()
        r.detail = detail
        try journal.append(r)
        ledger.apply(r)
    }

    /// The change that removes `ours` from a throttled-replicas key whose value the answering
    /// broker shows as `have`: a SUBTRACT of every entry of ours, always, also those the broker
    /// does not show yet and also when it shows nothing but ours. The controller applies a
    /// SUBTRACT to the value it holds, so an entry someone else added that this broker has not
    /// applied yet (KRaft brokers apply configs late) survives, where a DELETE would take it too.
    /// A key the broker shows unset gets a DELETE: ours may be applied at the controller and not
    /// on this broker yet (a KRaft broker's configs come from its metadata image), and a SUBTRACT
    /// onto an unset key fails on 2.4-2.5 (KAFKA-9644).
    static func removal(key: String, have: Set<String>, ours: Set<String>) -> [ConfigChange] {
        guard !ours.isEmpty else { return [] }
        guard !have.isEmpty else { return [ConfigChange(key, .delete)] }
        return [ConfigChange(key, .subtract, ours.sorted().joined(separator: ","))]
    }

    /// Journals the entries of `deleted` topics as removed: the topic's configs were deleted with it.
    private func forgetEntries(ofDeleted deleted: Set<String>, in byKey: [ThrottleLedger.ReplicaKey: [(TopicPartition, Set<String>)]],
                               ledger: inout ThrottleLedger) throws {
        for (k, parts) in byKey.sorted(by: { $0.key < $1.key }) where deleted.contains(k.topic) {
            for (tp, e) in parts {
                try journalRemoved(e, of: tp, key: k, detail: "topic \(k.topic) was deleted: its throttled-replicas list went with it", ledger: &ledger)
            }
        }
    }

    /// The topics' configs holding `keys`, as the answering broker shows them.
    private func topicConfigs(_ keys: [ThrottleLedger.ReplicaKey]) async throws -> [ConfigResource: [ConfigEntry]] {
        try await admin.describeConfigs(Array(Set(keys.map(\.topic))).sorted().map { ConfigResource.topic($0) })
    }

    /// The items a throttled-replicas key shows, untrimmed, as SUBTRACT matches them (none when
    /// it is unset).
    private static func shown(_ k: ThrottleLedger.ReplicaKey, in configs: [ConfigResource: [ConfigEntry]]) -> Set<String> {
        ThrottleKeys.storedItems(configs[.topic(k.topic)]?.first { $0.name == k.key && !$0.isDefault }?.value)
    }

    /// Undoes everything in the ledger: every entry removed, every rate back to its prior value.
    /// Brokers that cannot be reached keep their ledger lines so a later `throttle clear` finishes the job.
    @discardableResult
    public func restoreAll(ledger: inout ThrottleLedger) async throws -> (rates: Int, entries: Int) {
        let entries = ledger.replicaEntryCount
        try await release(Array(ledger.replicas.keys), ledger: &ledger)
        var restored = 0
        var failures: [String] = []
        var kept: [String] = []
        let byBroker = Dictionary(grouping: ledger.rates.keys, by: \.broker)
        for (b, keys) in byBroker.sorted(by: { $0.key < $1.key }) {
            // A rate whose earlier value could not be read is left as it is: deleting it would
            // lose the operator's setting, and there is no value to put back.
            let unknown = keys.filter { ledger.rates[$0]?.previousUnknown == true }.sorted()
            let ops = keys.sorted().filter { !unknown.contains($0) }.map { k -> ConfigChange in
                let prev = ledger.rates[k]?.previous
                return prev.map { ConfigChange(k.key, .set, $0) } ?? ConfigChange(k.key, .delete)
            }
            do {
                if !ops.isEmpty { try await apply([.broker(b): ops], what: "throttle rates") }
            } catch {
                failures.append("broker \(b): \(error)")
                continue
            }
            for k in unknown {
                kept.append("broker \(b) \(k.key) is left at \(ledger.rates[k]?.current ?? "?")")
                var r = JournalRecord(.rateRestored, at: clock.now())
                r.broker = b
                r.key = k.key
                r.detail = "left at \(ledger.rates[k]?.current ?? "?"): the value before the run could not be read"
                try journal.append(r)
                ledger.apply(r)
            }
            for k in keys.sorted() where !unknown.contains(k) {
                var r = JournalRecord(.rateRestored, at: clock.now())
                r.broker = b
                r.key = k.key
                r.value = ledger.rates[k]?.previous
                try journal.append(r)
                ledger.apply(r)
                restored += 1
            }
        }
        if !failures.isEmpty {
            throw ExecutionError("could not restore throttle rates (\(failures.joined(separator: "; "))); the ledger keeps them: run `kscale throttle clear --execute` when the brokers are back")
        }
        if !kept.isEmpty {
            throw ExecutionError("\(kept.joined(separator: "; ")): the brokers reported the rate set before the run as sensitive, without its value (Kafka 2.4-2.5), so kscale cannot restore it and does not delete it; set it back with kafka-configs.sh",
                                 ledgerSettled: true)
        }
        return (restored, entries)
    }

    private func apply(_ changes: [ConfigResource: [ConfigChange]], what: String) async throws {
        guard !changes.isEmpty else { return }
        let errors = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        let failed = errors.filter { $0.value.code != 0 }
        if !failed.isEmpty {
            let text = failed.map { "\($0.key): \($0.value)" }.sorted().joined(separator: "; ")
            throw ExecutionError("setting \(what) failed: \(text)")
        }
    }
}
