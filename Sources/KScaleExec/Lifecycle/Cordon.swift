import KScaleCore
import KafkaAdmin

/// KIP-1066 cordoning: a broker whose `cordoned.log.dirs` is `*` gets no new partitions, so topics
/// created while it drains stop landing on it. Only a cluster whose `metadata.version` is finalized
/// at 4.3-IV0 or later can do this (`ClusterObservation.cordonUnavailableReason`): 4.3 binaries at
/// an older metadata version accept the config and the controller ignores it, so the broker
/// version alone says nothing. Elsewhere the drain's extra rounds catch what lands meanwhile.
/// Cordoning is best effort: a broker that cannot be cordoned is still drained, and the reason is
/// reported.
///
/// The cordon stays after the drain (the broker is about to be stopped), and the snapshot records
/// it, so no later plan gives the broker data back. `kscale uncordon` (and a scale-out that adds
/// the broker) lifts it.
extension ScaleFlows {
    /// Cordons every log dir of `brokers` where the cluster supports it: its metadata.version is
    /// 4.3-IV0 or later, and the broker reports `cordoned.log.dirs`
    /// (`ClusterObservation.brokersSupportingCordon`).
    func cordon(_ brokers: [BrokerID], in o: ClusterObservation) async {
        let key = ClusterObservation.cordonKey
        let (cordoning, refusals) = Self.cordonable(brokers, in: o)
        for line in refusals { emit(line) }
        guard !cordoning.isEmpty else { return }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for b in cordoning { changes[.broker(b)] = [ConfigChange(key, .set, "*")] }
        do {
            let failed = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
            for (r, e) in failed.sorted(by: { $0.key.name < $1.key.name }) { emit(LifecycleEvent("warning", "could not cordon \(r): \(e)")) }
            let done = cordoning.filter { failed[.broker($0)] == nil }
            if !done.isEmpty {
                emit(LifecycleEvent("cordon", "cordoned brokers \(Self.ids(done)) (\(key)=*): no new partitions will be placed on them"))
            }
        } catch {
            emit(LifecycleEvent("warning", "could not cordon brokers \(Self.ids(cordoning)): \(error)"))
        }
    }

    /// Of `brokers`, those `cordon` would cordon, and a line for each that it would not, with why (pure).
    static func cordonable(_ brokers: [BrokerID], in o: ClusterObservation) -> (cordoning: [BrokerID], refusals: [LifecycleEvent]) {
        if let reason = o.cordonUnavailableReason {
            return ([], [LifecycleEvent("cordon", "brokers \(ids(brokers)) are not cordoned: \(reason); partitions created during the drain are drained in extra rounds")])
        }
        let supported = o.brokersSupportingCordon
        let unsupported = brokers.filter { !supported.contains($0) }
        let refusals = unsupported.isEmpty ? [] : [LifecycleEvent("cordon", "brokers \(ids(unsupported)) cannot be cordoned (no \(ClusterObservation.cordonKey), KIP-1066); partitions created during the drain are drained in extra rounds")]
        return (brokers.filter(supported.contains), refusals)
    }

    /// What a dry run of a drain says of its cordon (pure): which brokers `--execute` cordons, that
    /// the cordon stays after the drain, and that a rollback of the drain's run lifts it
    /// (`CordonLift`: a run moving replicas back onto a cordoned broker deletes its cordon first,
    /// and `kscale cancel` of that rollback puts it back); or why they are not cordoned.
    static func cordonPreview(_ brokers: [BrokerID], in o: ClusterObservation) -> [LifecycleEvent] {
        let (cordoning, refusals) = cordonable(brokers, in: o)
        guard !cordoning.isEmpty else { return refusals }
        return refusals + [LifecycleEvent("cordon", "--execute cordons brokers \(ids(cordoning)) (\(ClusterObservation.cordonKey)=*) before draining them: no new partitions will be placed on them, and the cordon stays after the drain; a rollback (kscale cancel --rollback of the drain's run) lifts it before moving replicas back, and kscale uncordon lifts it otherwise")]
    }

    /// Lifts the cordon of brokers being added back (a broker drained earlier keeps its cordon),
    /// through the gate: a dry run has the brokers validate it and says it would.
    func uncordon(_ brokers: [BrokerID], in o: ClusterObservation) async throws {
        let result = try await Uncordon.run(brokers, in: o, admin: admin)
        if !result.uncordoned.isEmpty {
            let done = result.uncordoned.filter { result.failed[$0] == nil }
            if !done.isEmpty {
                emit(LifecycleEvent("cordon", result.executed
                    ? "uncordoned brokers \(Self.ids(done)) (\(ClusterObservation.cordonKey) deleted): they take new replicas again"
                    : "brokers \(Self.ids(done)) are cordoned; --execute uncordons them before moving data onto them"))
            }
        }
        for (b, e) in result.failed.sorted(by: { $0.key < $1.key }) { emit(LifecycleEvent("warning", "could not uncordon broker \(b): \(e)")) }
        for (b, why) in result.cordonedElsewhere.sorted(by: { $0.key < $1.key }) {
            emit(LifecycleEvent("warning", "broker \(b) stays cordoned: \(why)"))
        }
        if !result.unread.isEmpty {
            emit(LifecycleEvent("warning", "the configs of brokers \(Self.ids(result.unread)) could not be read: a cordon on them, if any, stays (kscale uncordon)"))
        }
    }
}

/// `kscale uncordon`: deletes `cordoned.log.dirs` from brokers so they take new replicas again,
/// the explicit way back for a broker a drain left cordoned.
public enum Uncordon {
    /// What an uncordon did, or in a dry run would do.
    public struct Result: Sendable, Hashable, Codable {
        public var executed: Bool
        /// Brokers whose per-broker cordon was (or would be) deleted; refused ones are in `failed`.
        public var uncordoned: [BrokerID]
        /// Named brokers that are not cordoned: nothing to do.
        public var notCordoned: [BrokerID]
        /// Brokers cordoned where a per-broker delete does not reach (the cluster-wide broker
        /// default, the broker's properties file), with what to change instead.
        public var cordonedElsewhere: [BrokerID: String]
        /// Brokers whose configs could not be read (fenced, or not answering): left alone.
        public var unread: [BrokerID]
        /// The brokers' refusals (or, in a dry run, what validate_only refused), by broker.
        public var failed: [BrokerID: String]

        public init(executed: Bool, uncordoned: [BrokerID] = [], notCordoned: [BrokerID] = [],
                    cordonedElsewhere: [BrokerID: String] = [:], unread: [BrokerID] = [], failed: [BrokerID: String] = [:]) {
            self.executed = executed
            self.uncordoned = uncordoned
            self.notCordoned = notCordoned
            self.cordonedElsewhere = cordonedElsewhere
            self.unread = unread
            self.failed = failed
        }

        /// 0 when every named broker takes new replicas (or will, in a dry run); 1 when one stays
        /// cordoned (refused, cordoned where a per-broker delete does not reach, configs unread).
        public var exitCode: Int32 { failed.isEmpty && cordonedElsewhere.isEmpty && unread.isEmpty ? 0 : 1 }

        enum CodingKeys: String, CodingKey {
            case executed, uncordoned, unread, failed
            case notCordoned = "not_cordoned"
            case cordonedElsewhere = "cordoned_elsewhere"
        }
    }

    /// `kscale uncordon --brokers`: checks the list, reads the brokers' configs and lifts their
    /// cordons through the gate.
    public static func run(brokers: [BrokerID], admin: DryRunAdmin) async throws -> Result {
        try ScaleFlows.validateIDs(brokers, option: "--brokers")
        let o = try await ClusterObservation.read(from: admin, parts: [.brokerConfigs])
        return try await run(brokers, in: o, admin: admin)
    }

    /// Sorts `brokers` by what lifting their cordon takes (pure). Brokers the cluster does not
    /// have registered are refused, naming them: nothing is changed.
    public static func judge(_ brokers: [BrokerID], in o: ClusterObservation) throws -> Result {
        let unknown = brokers.filter { !o.registeredBrokers.contains($0) }
        guard unknown.isEmpty else {
            throw InvalidInput("unknown brokers \(ScaleFlows.ids(unknown)): not registered in the cluster (brokers are \(ScaleFlows.ids(o.registeredBrokers.sorted())))")
        }
        let cordons = Dictionary(o.cordons.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
        var result = Result(executed: false)
        for b in Array(Set(brokers)).sorted() {
            guard o.brokerConfigs[b] != nil else {
                result.unread.append(b)
                continue
            }
            guard let cordon = cordons[b] else {
                result.notCordoned.append(b)
                continue
            }
            switch cordon.source {
            case .dynamicBroker:
                result.uncordoned.append(b)
            case .dynamicDefaultBroker:
                result.cordonedElsewhere[b] = "\(ClusterObservation.cordonKey)=\(cordon.value) is the cluster-wide broker default; delete it there (kafka-configs --entity-type brokers --entity-default)"
            default:
                result.cordonedElsewhere[b] = "\(ClusterObservation.cordonKey)=\(cordon.value) is set in the broker's properties file; remove it there and restart the broker"
            }
        }
        return result
    }

    /// Deletes the per-broker cordon of `brokers` through the gate: with `--execute` it is sent;
    /// in a dry run the brokers validate the same request (validate_only) and nothing changes.
    public static func run(_ brokers: [BrokerID], in o: ClusterObservation, admin: DryRunAdmin) async throws -> Result {
        var result = try judge(brokers, in: o)
        result.executed = !admin.isDryRun
        guard !result.uncordoned.isEmpty else { return result }
        var changes: [ConfigResource: [ConfigChange]] = [:]
        for b in result.uncordoned { changes[.broker(b)] = [ConfigChange(ClusterObservation.cordonKey, .delete)] }
        let failed = try await admin.incrementalAlterConfigsInChunks(changes, validateOnly: false)
        for b in result.uncordoned {
            if let error = failed[.broker(b)], error.code != 0 { result.failed[b] = error.description }
        }
        return result
    }
}
