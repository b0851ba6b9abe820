import KScaleCore
import KafkaAdmin

/// How bad a finding is. The order matters: a report is as bad as its worst finding, and the
/// exit code of `kscale check` is that severity's `exitCode`.
public enum Severity: Int, Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    case ok = 0
    case warn = 1
    case critical = 2

    public static func < (a: Severity, b: Severity) -> Bool { a.rawValue < b.rawValue }
    public var exitCode: Int32 { Int32(rawValue) }
    public var description: String {
        switch self {
        case .ok: "OK"
        case .warn: "WARN"
        case .critical: "CRITICAL"
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description.lowercased())
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "ok": self = .ok
        case "warn": self = .warn
        case "critical": self = .critical
        default: throw InvalidInput("unknown severity \"\(text)\"")
        }
    }
}

/// The lines a check is judged against. The defaults are the usual alarm lines: disks at 70% and
/// 85%, about 4,000 replicas per broker, and spreads a finished rebalance stays well inside.
public struct HealthThresholds: Sendable, Hashable {
    public var diskWarnPercent: Double = 70
    public var diskCriticalPercent: Double = 85
    public var partitionsPerBrokerWarn: Int = 4_000
    /// Replica and leader counts: warn when max - min exceeds this many, or this share of the mean.
    public var countSpreadWarn: Int = 2
    public var countSpreadWarnShare: Double = 0.05
    /// Bytes: warn when the fullest broker holds more than this times the emptiest and more than
    /// a replica beyond it (`BalanceGoal.bytesEven`, the planner's byte goal: a gap of one whole
    /// replica is what the count goal leaves).
    public var byteRatioWarn: Double = 1.25
    public init() {}
}

/// One thing a check found.
public struct Finding: Sendable, Hashable, Codable {
    public var severity: Severity
    /// The checklist line it belongs to, e.g. `under-min-isr`; stable, for automation.
    public var check: String
    public var message: String
    /// What the finding is about, for automation and for excusing findings a scale-in fixes.
    public var brokers: [BrokerID]?
    public var partitions: [String]?

    public init(_ severity: Severity, _ check: String, _ message: String, brokers: [BrokerID]? = nil, partitions: [TopicPartition]? = nil) {
        self.severity = severity
        self.check = check
        self.message = message
        self.brokers = brokers
        self.partitions = partitions?.map(\.description)
    }
}

/// The checklist's result: each line's findings, the per-broker table and the worst severity.
public struct HealthReport: Sendable, Hashable, Codable {
    public var status: Severity
    public var findings: [Finding]
    public var brokers: [BrokerLoad]
    public var counts: Counts

    public struct Counts: Sendable, Hashable, Codable {
        public var partitions: Int
        public var underReplicated: Int
        public var underMinISR: Int
        public var offline: Int
        public var reassignmentsInFlight: Int

        enum CodingKeys: String, CodingKey {
            case partitions
            case underReplicated = "under_replicated"
            case underMinISR = "under_min_isr"
            case offline
            case reassignmentsInFlight = "reassignments_in_flight"
        }
    }

    /// Findings at or above a severity, e.g. what blocks a pre-flight.
    public func findings(atLeast severity: Severity) -> [Finding] { findings.filter { $0.severity >= severity } }
}

/// The pre/post-flight checklist, as a pure function of an observation.
public enum HealthCheck {
    /// `retiring` brokers (drained by a scale-in, about to be stopped) are left out of the balance
    /// rules: they are meant to be empty.
    public static func evaluate(_ o: ClusterObservation, thresholds t: HealthThresholds = HealthThresholds(),
                                retiring: Set<BrokerID> = []) -> HealthReport {
        var findings: [Finding] = []
        let partitions = o.partitions
        let counts = partitionFindings(o, partitions, into: &findings)
        brokerStateFindings(o, into: &findings)
        let loads = o.brokerLoads
        diskFindings(loads, t, into: &findings)
        for l in loads where l.replicas > t.partitionsPerBrokerWarn {
            findings.append(Finding(.warn, "partitions-per-broker",
                                    "broker \(l.id) holds \(l.replicas) replicas (above \(t.partitionsPerBrokerWarn))", brokers: [l.id]))
        }
        cordonFindings(loads, into: &findings)
        // Cordoned brokers take no new replica, as retiring ones: their emptiness is no imbalance.
        let largestReplica = o.logDirs.largestReplicaByBroker
        balanceFindings(loads.filter { $0.state == .online && !retiring.contains($0.id) && !$0.cordoned }, largestReplica: largestReplica, t,
                        into: &findings)
        throttleFindings(o, into: &findings)
        gapFindings(o, into: &findings)
        if findings.isEmpty { findings.append(Finding(.ok, "summary", "no problems found")) }
        let status = findings.map(\.severity).max() ?? .ok
        return HealthReport(status: status, findings: findings, brokers: loads, counts: counts)
    }

    private static func partitionFindings(_ o: ClusterObservation, _ partitions: [(TopicPartition, PartitionDescription)],
                                          into findings: inout [Finding]) -> HealthReport.Counts {
        var under: [TopicPartition] = []
        var underMin: [TopicPartition] = []
        var offline: [TopicPartition] = []
        // The partitions come by topic: each topic's min.insync.replicas is read once.
        var minISR: (topic: String, value: MinInSyncReplicas)?
        for (tp, described) in partitions {
            if minISR?.topic != tp.topic { minISR = (tp.topic, o.minInSyncReplicas(of: tp.topic)) }
            if ClusterObservation.isOffline(described) { offline.append(tp) }
            if o.isUnderReplicated(tp, described) { under.append(tp) }
            if let minISR, ClusterObservation.isUnderMinISR(described, minISR.value) == true { underMin.append(tp) }
        }
        // Never judged as 1 when unknown: say which topics could not be judged.
        let unknownMinISR = o.topicsWithUnknownMinISR
        if !unknownMinISR.isEmpty {
            findings.append(Finding(.warn, "min-isr-unknown",
                                    "min.insync.replicas unknown for \(unknownMinISR.count) topics, not judged for under-min-ISR: \(listed(unknownMinISR))"))
        }
        if !offline.isEmpty {
            findings.append(Finding(.critical, "offline-partitions", "\(offline.count) partitions have no leader: \(listed(offline))", partitions: offline))
        }
        if !underMin.isEmpty {
            findings.append(Finding(.critical, "under-min-isr", "\(underMin.count) partitions are below min.insync.replicas: \(listed(underMin))", partitions: underMin))
        }
        if !under.isEmpty {
            findings.append(Finding(.warn, "under-replicated", "\(under.count) partitions are under-replicated: \(listed(under))", partitions: under))
        }
        let weak = o.weakReplicationFactors
        if !weak.isEmpty {
            findings.append(Finding(.warn, "replication-factor",
                                    "\(weak.count) partitions have a weak replication factor: \(listed(weak.map { "\($0.0) (\($0.1))" }))",
                                    partitions: weak.map(\.0)))
        }
        if !o.reassignments.isEmpty {
            findings.append(Finding(.warn, "reassignments-in-flight",
                                    "\(o.reassignments.count) reassignments in flight: \(listed(o.reassignments.keys.sorted()))"))
        }
        return HealthReport.Counts(partitions: partitions.count, underReplicated: under.count, underMinISR: underMin.count,
                                   offline: offline.count, reassignmentsInFlight: o.reassignments.count)
    }

    private static func brokerStateFindings(_ o: ClusterObservation, into findings: inout [Finding]) {
        let offline = o.offlineBrokers.sorted()
        if !offline.isEmpty {
            findings.append(Finding(.critical, "brokers-offline",
                                    "brokers \(offline.map(String.init).joined(separator: ", ")) hold replicas but are not registered (offline)", brokers: offline))
        }
        let fenced = o.cluster.brokers.filter(\.fenced).map(\.id).sorted()
        if !fenced.isEmpty {
            findings.append(Finding(.critical, "brokers-fenced", "brokers \(fenced.map(String.init).joined(separator: ", ")) are fenced", brokers: fenced))
        }
        for b in o.logDirs {
            for d in b.dirs {
                if let e = d.error {
                    findings.append(Finding(.critical, "log-dir-error", "broker \(b.broker) log dir \(d.path): \(e.name)", brokers: [b.broker]))
                }
            }
        }
    }

    private static func diskFindings(_ loads: [BrokerLoad], _ t: HealthThresholds, into findings: inout [Finding]) {
        for l in loads {
            guard let used = l.diskUsedPercent else { continue }
            let text = "broker \(l.id) disk \(percent(used)) used"
            if used > t.diskCriticalPercent {
                findings.append(Finding(.critical, "disk", "\(text) (above \(percent(t.diskCriticalPercent)))", brokers: [l.id]))
            } else if used > t.diskWarnPercent {
                findings.append(Finding(.warn, "disk", "\(text) (above \(percent(t.diskWarnPercent)))", brokers: [l.id]))
            }
        }
    }

    /// A cordoned broker (KIP-1066) is one a drain left to be stopped: empty, it is safe to stop
    /// (an OK line says so); holding replicas, stopping it loses them and it takes no new partition
    /// (a warning, `cordoned-holds-replicas`).
    private static func cordonFindings(_ loads: [BrokerLoad], into findings: inout [Finding]) {
        let cordoned = loads.filter(\.cordoned)
        for l in cordoned where l.replicas > 0 {
            findings.append(Finding(.warn, "cordoned-holds-replicas",
                                    "broker \(l.id) is cordoned (\(ClusterObservation.cordonKey)) but holds \(l.replicas) replica\(l.replicas == 1 ? "" : "s"): do not stop it; drain it (kscale scale-in --remove-brokers \(l.id)) or lift the cordon (kscale uncordon --brokers \(l.id))",
                                    brokers: [l.id]))
        }
        let empty = cordoned.filter { $0.replicas == 0 }.map(\.id)
        if !empty.isEmpty {
            let ids = empty.map(String.init).joined(separator: ",")
            findings.append(Finding(.ok, "cordoned", "brokers \(ids) are cordoned and hold no replica: safe to stop, or kscale uncordon --brokers \(ids) to use them again",
                                    brokers: empty))
        }
    }

    /// Balance is judged within each rack when racks differ in size (a smaller rack's brokers must
    /// hold more when partitions spread over racks), and over the whole cluster otherwise.
    private static func balanceFindings(_ loads: [BrokerLoad], largestReplica: [BrokerID: Int64], _ t: HealthThresholds,
                                        into findings: inout [Finding]) {
        guard loads.count > 1 else { return }
        let racks = Dictionary(grouping: loads) { $0.rack ?? "" }
        let groups: [(String, [BrokerLoad])]
        if loads.allSatisfy({ $0.rack != nil }), racks.count > 1, Set(racks.values.map(\.count)).count > 1 {
            groups = racks.sorted { $0.key < $1.key }.map { (" in rack \($0.key)", $0.value) }
        } else {
            groups = [("", loads)]
        }
        for (scope, group) in groups where group.count > 1 {
            countBalance(group, "replica", \.replicas, scope, t, into: &findings)
            countBalance(group, "leader", \.leaders, scope, t, into: &findings)
            // Brokers whose log dirs were not read are left out rather than counted as empty.
            let sized = group.compactMap { load in load.bytes.map { (load.id, $0) } }.sorted { $0.1 < $1.1 }
            guard let lo = sized.first, let hi = sized.last, hi.1 > 0 else { continue }
            let replica = max(largestReplica[lo.0] ?? 0, largestReplica[hi.0] ?? 0)
            if !BalanceGoal.bytesEven(heaviest: hi.1, lightest: lo.1, largestReplica: replica, ratio: t.byteRatioWarn) {
                let ratio = lo.1 == 0 ? "an empty broker" : String(format: "%.2fx", Double(hi.1) / Double(lo.1))
                findings.append(Finding(.warn, "byte-balance",
                                        "bytes per broker\(scope) range from \(ByteUnits.format(lo.1)) (broker \(lo.0)) to \(ByteUnits.format(hi.1)) (broker \(hi.0)), \(ratio)"))
            }
        }
    }

    private static func countBalance(_ group: [BrokerLoad], _ what: String, _ key: KeyPath<BrokerLoad, Int>, _ scope: String,
                                     _ t: HealthThresholds, into findings: inout [Finding]) {
        let values = group.map { $0[keyPath: key] }
        guard let lo = values.min(), let hi = values.max() else { return }
        let mean = Double(values.reduce(0, +)) / Double(values.count)
        let allowed = max(t.countSpreadWarn, Int((mean * t.countSpreadWarnShare).rounded(.up)))
        if hi - lo > allowed {
            let low = group.filter { $0[keyPath: key] == lo }.map { String($0.id) }.joined(separator: ",")
            let high = group.filter { $0[keyPath: key] == hi }.map { String($0.id) }.joined(separator: ",")
            findings.append(Finding(.warn, "\(what)-balance",
                                    "\(what)s per broker\(scope) range from \(lo) (broker \(low)) to \(hi) (broker \(high)), spread \(hi - lo) > \(allowed)"))
        }
    }

    /// What the reading could not see and no other line reports (a down, fenced or offline-dir
    /// broker has its own finding): a check that could not look must not pass as clean.
    private static func gapFindings(_ o: ClusterObservation, into findings: inout [Finding]) {
        for gap in o.gaps {
            switch gap {
            case .brokerUnregistered, .brokerFenced, .logDirOffline: continue
            case let .logDirs(id, _, _), let .brokerConfigs(id, _):
                findings.append(Finding(.warn, "not-seen", gap.description, brokers: [id]))
            case .topicConfigs, .quorum:
                findings.append(Finding(.warn, "not-seen", gap.description))
            }
        }
    }

    /// Throttles are a leftover when nothing is moving: a forgotten one silently caps the
    /// replication of every later reassignment and of followers catching up after a restart.
    private static func throttleFindings(_ o: ClusterObservation, into findings: inout [Finding]) {
        let set = o.replicationThrottles.map { "\($0.resource) \($0.key)=\($0.value)" }
        guard !set.isEmpty else { return }
        if o.reassignments.isEmpty {
            findings.append(Finding(.warn, "leftover-throttles",
                                    "\(set.count) replication throttles set with no reassignment in flight: \(set.prefix(10).joined(separator: "; "))\(set.count > 10 ? "; ..." : "")"))
        } else {
            findings.append(Finding(.ok, "throttles", "\(set.count) replication throttles set for the reassignments in flight"))
        }
    }

    /// What stops a scale operation before it changes anything: critical findings, and a
    /// reassignment already in flight (two runs would fight over the same partitions). Warnings do
    /// not block: a scale-out starts from an imbalanced cluster by definition.
    ///
    /// A scale-in is how a dead broker is replaced, so findings caused only by the brokers being
    /// removed (they are offline or fenced, their partitions short of replicas) do not block it.
    /// Offline partitions always block: with no leader there is nothing to copy from.
    public static func blocking(_ report: HealthReport, in o: ClusterObservation, removing: Set<BrokerID> = []) -> [Finding] {
        let down = removing.filter { id in !o.cluster.brokers.contains { $0.id == id && !$0.fenced } }
        var touching = Set<String>()
        for (tp, p) in o.partitions where p.replicas.contains(where: down.contains) { touching.insert(tp.description) }
        func excused(_ f: Finding) -> Bool {
            guard !down.isEmpty else { return false }
            switch f.check {
            case "brokers-offline", "brokers-fenced": return Set(f.brokers ?? []).isSubset(of: down)
            case "under-min-isr", "under-replicated": return Set(f.partitions ?? []).isSubset(of: touching)
            default: return false
            }
        }
        return report.findings.filter { ($0.severity == .critical || $0.check == "reassignments-in-flight") && !excused($0) }
    }

    static func percent(_ v: Double) -> String { String(format: "%.1f%%", v) }
}

/// A short list for messages: the first few items and how many more.
func listed<T: CustomStringConvertible>(_ items: [T], limit: Int = 8) -> String {
    let head = items.prefix(limit).map(\.description).joined(separator: ", ")
    return items.count > limit ? "\(head), ... (\(items.count - limit) more)" : head
}
