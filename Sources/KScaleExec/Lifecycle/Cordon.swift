import KScaleCore
import KafkaAdmin

/// KIP-1066 cordoning: a broker whose `cordoned.log.dirs` is `*` gets no new partitions, so topics
/// created while it drains stop landing on it. Only clusters whose brokers know the config
/// (Kafka 4.2 and later, at a metadata version that supports it) can do this; elsewhere the drain's
/// extra rounds catch what lands meanwhile. Cordoning is best effort: a broker that cannot be
/// cordoned is still drained, and the reason is reported.
extension ScaleFlows {
    static let cordonKey = "cordoned.log.dirs"

    /// Cordons every log dir of `brokers` where the cluster supports it.
    func cordon(_ brokers: [BrokerID]) async {
        let supported = await brokersSupportingCordon(brokers)
        let unsupported = brokers.filter { !supported.contains($0) }
        if !unsupported.isEmpty {
            emit(LifecycleEvent("cordon", "brokers \(Self.ids(unsupported)) cannot be cordoned (no \(Self.cordonKey), KIP-1066); partitions created during the drain are drained in extra rounds"))
        }
        guard !supported.isEmpty else { return }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for b in supported { changes[.broker(b)] = [ConfigChange(Self.cordonKey, .set, "*")] }
        do {
            let failed = try await admin.incrementalAlterConfigs(changes, validateOnly: false)
            for (r, e) in failed.sorted(by: { $0.key.name < $1.key.name }) { emit(LifecycleEvent("warning", "could not cordon \(r): \(e)")) }
            let done = supported.filter { failed[.broker($0)] == nil }
            if !done.isEmpty {
                emit(LifecycleEvent("cordon", "cordoned brokers \(Self.ids(done)) (\(Self.cordonKey)=*): no new partitions will be placed on them"))
            }
        } catch {
            emit(LifecycleEvent("warning", "could not cordon brokers \(Self.ids(supported)): \(error)"))
        }
    }

    /// Lifts a cordon from brokers being added back (a broker drained earlier keeps its cordon).
    func uncordon(_ brokers: [BrokerID]) async {
        let resources = brokers.map { ConfigResource.broker($0) }
        guard let configs = try? await admin.describeConfigs(resources) else { return }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for r in resources {
            let entry = configs[r]?.first { $0.name == Self.cordonKey }
            if let entry, entry.source == .dynamicBroker, !(entry.value ?? "").isEmpty {
                changes[r] = [ConfigChange(Self.cordonKey, .delete)]
            }
        }
        guard !changes.isEmpty else { return }
        do {
            let failed = try await admin.incrementalAlterConfigs(changes, validateOnly: false)
            for (r, e) in failed.sorted(by: { $0.key.name < $1.key.name }) { emit(LifecycleEvent("warning", "could not uncordon \(r): \(e)")) }
            let done = changes.keys.filter { failed[$0] == nil }.compactMap { BrokerID($0.name) }.sorted()
            if !done.isEmpty { emit(LifecycleEvent("cordon", "uncordoned brokers \(Self.ids(done)) so they take new partitions again")) }
        } catch {
            emit(LifecycleEvent("warning", "could not uncordon brokers \(Self.ids(brokers)): \(error)"))
        }
    }

    /// Brokers that report `cordoned.log.dirs` in DescribeConfigs. A broker that cannot be asked
    /// (it is down) counts as unsupported.
    private func brokersSupportingCordon(_ brokers: [BrokerID]) async -> [BrokerID] {
        var out: [BrokerID] = []
        for b in brokers {
            let r = ConfigResource.broker(b)
            if let configs = try? await admin.describeConfigs([r]), configs[r]?.contains(where: { $0.name == Self.cordonKey }) == true {
                out.append(b)
            }
        }
        return out
    }
}
