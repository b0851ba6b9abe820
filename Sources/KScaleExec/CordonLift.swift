import KafkaAdmin
import KScaleCore
import KScaleTime

/// A run that moves replicas onto a cordoned broker lifts the cordon first. The usual case is a
/// rollback of a drain (`cancel --rollback` of a scale-in's run): the drain cordoned the broker
/// (KIP-1066, `Cordon.swift`) and the rollback gives it its replicas back, so it is in service
/// again and must take new partitions; left cordoned, it would hold data that no plan balances
/// and no new topic joins. kscale plans never target a cordoned broker otherwise
/// (`ClusterSnapshot.cordonKeepOff`), except brokers a scale-out adds, which it uncordons itself.
///
/// Write ahead, undone exactly: each lift is journaled (`cordon-lifted`, with the value it deletes)
/// before it is sent; `kscale cancel` of the run sets every lifted cordon back to that value
/// (`cordon-restored`), since a cancelled run does not put the broker back in service. A run that
/// finishes leaves the cordon lifted. Only a per-broker cordon can be lifted; one from the
/// cluster-wide default or the properties file is reported and left.
enum CordonLift {
    /// Brokers that gain a replica under `moves` (pure).
    static func gaining(_ moves: [Move]) -> [BrokerID] {
        Array(Set(moves.flatMap { m in m.to.filter { !m.from.contains($0) } })).sorted()
    }

    /// Lifts the per-broker cordon of every broker the run gives a replica, journaling each first.
    static func lift(before moves: [Move], admin: any ClusterAdmin, journal: any JournalWriting, lifted: [BrokerID: String],
                     clock: any KScaleClock, emit: EventSink) async throws {
        let brokers = gaining(moves)
        guard !brokers.isEmpty else { return }
        let key = ClusterObservation.cordonKey
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for b in brokers {
            // A broker's configs are answered by that broker: one that cannot be read (stopped)
            // keeps whatever cordon it has, and the run says so.
            let entries: [ConfigEntry]
            do {
                entries = try await admin.describeConfigs([.broker(b)])[.broker(b)] ?? []
            } catch let error as KafkaAPIError {
                emit(.message("the configs of broker \(b) could not be read (\(error)): a cordon on it, if any, stays"))
                continue
            } catch let error as any AdminTransportFailure where !error.isAuthenticationFailure {
                emit(.message("the configs of broker \(b) could not be read (\(error)): a cordon on it, if any, stays"))
                continue
            }
            guard let entry = entries.first(where: { $0.name == key }), let value = entry.value, !value.isEmpty else { continue }
            guard entry.source == .dynamicBroker else {
                emit(.message("broker \(b) is cordoned (\(key)=\(value), not a per-broker setting); the run moves replicas onto it and leaves that cordon"))
                continue
            }
            if lifted[b] == nil {
                var r = JournalRecord(.cordonLifted, at: clock.now())
                r.broker = b
                r.key = key
                r.previous = value
                try journal.append(r)
            }
            changes[.broker(b)] = [ConfigChange(key, .delete)]
        }
        guard !changes.isEmpty else { return }
        let failed = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        let done = changes.keys.compactMap { BrokerID($0.name) }.filter { failed[.broker($0)] == nil }.sorted()
        for (resource, error) in failed.sorted(by: { $0.key.name < $1.key.name }) {
            emit(.message("could not lift the cordon of \(resource) before moving replicas onto it: \(error)"))
        }
        if !done.isEmpty {
            emit(.message("lifted the cordon of brokers \(done.map(String.init).joined(separator: ",")) (\(key) deleted) before moving replicas onto them; kscale cancel puts it back"))
        }
    }

    /// Sets every cordon the run lifted back to its value, journaling each restore; the number restored.
    static func restore(_ lifted: [BrokerID: String], admin: any ClusterAdmin, journal: any JournalWriting, clock: any KScaleClock) async throws -> Int {
        guard !lifted.isEmpty else { return 0 }
        let key = ClusterObservation.cordonKey
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for (b, value) in lifted { changes[.broker(b)] = [ConfigChange(key, .set, value)] }
        let failed = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        var restored = 0
        for (b, value) in lifted.sorted(by: { $0.key < $1.key }) {
            var r = JournalRecord(.cordonRestored, at: clock.now())
            r.broker = b
            r.key = key
            r.value = value
            if let error = failed[.broker(b)] {
                r.type = .note
                r.detail = "could not restore \(key)=\(value) on broker \(b): \(error); set it back with kafka-configs"
            } else {
                restored += 1
            }
            try journal.append(r)
        }
        return restored
    }
}
