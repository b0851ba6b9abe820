/// `Splitter.plan`: a monolithic cluster's topics packed into target clusters within quotas.
/// Pure and deterministic: the same snapshot and request always give the same plan.
public enum Splitter {
    /// MirrorMaker 2's alias of the cluster being split.
    public static let sourceAlias = "source"

    public static func plan(_ snapshot: ClusterSnapshot, _ request: SplitRequest) throws -> SplitPlan {
        let limits = request.limits
        let usable = try limits.usable()
        guard usable.write != nil || usable.read != nil || usable.partitions != nil || request.clusters != nil else {
            throw InvalidInput("give a cluster limit (--max-cluster-write, --max-cluster-read, --max-cluster-partitions) or --clusters N")
        }
        if let n = request.clusters, n < 1 { throw InvalidInput("--clusters must be at least 1, got \(n)") }
        let topics = try SplitTopics(snapshot, limits: limits)
        guard !topics.topics.isEmpty else { throw InvalidInput("the snapshot has no topics to split (internal topics stay behind)") }
        switch request.strategy {
        case .byOwner: return try byOwner(snapshot, request, topics, usable)
        case .writeRead: return try writeRead(snapshot, request, topics, usable)
        }
    }

    // MARK: by-owner

    private static func byOwner(_ snapshot: ClusterSnapshot, _ request: SplitRequest, _ topics: SplitTopics,
                                _ usable: SplitLoad.Limit) throws -> SplitPlan {
        let groups = try SplitGrouping.groups(topics.topics, snapshot: snapshot, grouping: request.grouping)
        for group in groups where !usable.admits(group.load) {
            throw Refusal("group \(group.name) (\(group.topics.count) topics: \(group.load.text)) does not fit one cluster: "
                          + "\(usable.excess(group.load).joined(separator: ", ")) \(limitNote(request.limits)); a group is never split across clusters")
        }
        let total = groups.reduce(SplitLoad.zero) { $0 + $1.load }
        let bound = SplitBound(total: total, usable: usable)
        if let n = request.clusters {
            if n < bound.clusters { throw tooFew(n, bound, total, usable, what: "the groups") }
            if n > groups.count { throw Refusal("--clusters \(n) is more than the \(groups.count) groups: a group is never split, so at most \(groups.count) clusters can hold them") }
        }
        let packer = SplitPacker(items: groups.map { PackItem(own: $0.load, shared: []) }, shared: [], usable: usable)
        guard let bins = packer.pack(from: bound.clusters, exact: request.clusters) else {
            throw Refusal("--clusters \(request.clusters ?? 0): the groups do not pack into that many clusters within the limits (the lower bound is \(bound.clusters)); the largest group is \(largest(groups))")
        }
        let byTopic = Dictionary(uniqueKeysWithValues: topics.topics.map { ($0.name, $0) })
        let ordered = bins.filter { !$0.isEmpty }.sorted { groups[$0[0]].name < groups[$1[0]].name }
        let targets = ordered.enumerated().map { index, bin -> SplitTarget in
            let members = bin.map { groups[$0] }
            let names = members.flatMap(\.topics).sorted()
            let load = members.reduce(SplitLoad.zero) { $0 + $1.load }
            return target(name: "split-\(index + 1)", role: .cluster, groups: members.map(\.name), topics: names.compactMap { byTopic[$0] },
                          consumerGroups: Set(members.flatMap(\.consumerGroups)).sorted(), load: load,
                          mirrorFrom: sourceAlias, permanent: false, basis: request.sizing)
        }
        return SplitPlan(
            format: SplitPlan.formatName, strategy: request.strategy.rawValue, grouping: request.grouping.description,
            limits: request.limits, usable: usable, lowerBound: bound, clusters: targets.count, targets: targets, groups: groups,
            partitionIncreases: topics.increases, staysBehind: topics.stayBehind,
            replication: total.write, replicationPermanent: false,
            warnings: spanningConsumers(snapshot, targets) + increaseNotes(topics.increases))
    }

    // MARK: write-read

    /// Consumer groups that read the same topics, packed together into one read cluster.
    private struct ReadUnit {
        var name: String
        var members: [String]
        var topics: [Int]
        var read: Int64
    }

    private static func writeRead(_ snapshot: ClusterSnapshot, _ request: SplitRequest, _ topics: SplitTopics,
                                  _ usable: SplitLoad.Limit) throws -> SplitPlan {
        guard let consumerGroups = snapshot.consumerGroups, !consumerGroups.isEmpty else {
            throw InvalidInput(SplitGrouping.needsConsumerGroups)
        }
        let all = topics.topics
        let index = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($0.element.name, $0.offset) })
        let total = all.reduce(SplitLoad.zero) { $0 + $1.load }
        let writeCluster = SplitLoad(write: total.write, read: 0, partitions: total.partitions)
        if let over = usable.excess(writeCluster).first {
            throw Refusal("write-read puts every producer on one write cluster, which would take \(writeCluster.text): \(over) \(limitNote(request.limits)); split by owner instead (--strategy by-owner)")
        }
        // Each topic's read rate shared among the groups that read it (the snapshot records the sum).
        var readers: [Int: [String]] = [:]
        var readTopics: [String: [Int]] = [:]
        var warnings: [String] = []
        for group in consumerGroups.sorted(by: { $0.group < $1.group }) {
            let known = Set(group.topics.compactMap { index[$0] }).sorted()
            if known.isEmpty {
                warnings.append("consumer group \(group.group) reads no topic that moves; it stays on the source cluster")
                continue
            }
            readTopics[group.group] = known
            for t in known { readers[t, default: []].append(group.group) }
        }
        func share(of group: String, in t: Int) -> Int64 {
            guard let list = readers[t], let rank = list.firstIndex(of: group) else { return 0 }
            let n = Int64(list.count)
            return all[t].read / n + (Int64(rank) < all[t].read % n ? 1 : 0)
        }
        var unitsByTopics: [[Int]: ReadUnit] = [:]
        for (group, read) in readTopics.sorted(by: { $0.key < $1.key }) {
            let rate = read.reduce(Int64(0)) { $0 + share(of: group, in: $1) }
            if var unit = unitsByTopics[read] {
                unit.members.append(group)
                unit.read += rate
                unitsByTopics[read] = unit
            } else {
                unitsByTopics[read] = ReadUnit(name: group, members: [group], topics: read, read: rate)
            }
        }
        let units = unitsByTopics.values.sorted { $0.name < $1.name }
        let mirrored = all.map { SplitLoad(write: $0.write, read: 0, partitions: $0.partitions) }
        let packer = SplitPacker(items: units.map { PackItem(own: SplitLoad(read: $0.read), shared: $0.topics) }, shared: mirrored, usable: usable)
        for (i, unit) in units.enumerated() where !usable.admits(packer.alone(i)) {
            let load = packer.alone(i)
            throw Refusal("consumer groups \(unit.members.joined(separator: ", ")) (\(unit.topics.count) topics: \(load.text)) do not fit one read cluster: "
                          + "\(usable.excess(load).joined(separator: ", ")) \(limitNote(request.limits))")
        }
        let readTotal = Set(units.flatMap(\.topics)).reduce(SplitLoad(read: units.reduce(0) { $0 + $1.read })) { $0 + mirrored[$1] }
        let bound = SplitBound(total: readTotal, usable: usable)
        if let n = request.clusters {
            if n < bound.clusters { throw tooFew(n, bound, readTotal, usable, what: "the consumer groups") }
            if n > units.count { throw Refusal("--clusters \(n) is more than the \(units.count) sets of consumer groups reading distinct topics: at most \(units.count) read clusters") }
        }
        guard let bins = packer.pack(from: bound.clusters, exact: request.clusters) else {
            throw Refusal("--clusters \(request.clusters ?? 0): the consumer groups do not pack into that many read clusters within the limits (the lower bound is \(bound.clusters))")
        }
        let writeName = "write"
        let ordered = bins.filter { !$0.isEmpty }.sorted { units[$0[0]].name < units[$1[0]].name }
        var readTargets: [SplitTarget] = []
        for (number, bin) in ordered.enumerated() {
            let members = bin.map { units[$0] }
            let held = Set(members.flatMap(\.topics)).sorted()
            let load = held.reduce(SplitLoad(read: members.reduce(0) { $0 + $1.read })) { $0 + mirrored[$1] }
            readTargets.append(target(name: "read-\(number + 1)", role: .read, groups: members.map(\.name), topics: held.map { all[$0] },
                                      consumerGroups: members.flatMap(\.members).sorted(), load: load,
                                      mirrorFrom: writeName, permanent: true, basis: request.sizing))
        }
        let replication = readTargets.reduce(Int64(0)) { $0 + $1.load.write }
        var write = writeCluster
        write.read = replication
        if let over = usable.excess(write).first {
            throw Refusal("mirroring to \(readTargets.count) read clusters reads \(ByteUnits.formatRate(replication)) from the write cluster: \(over) \(limitNote(request.limits)); split by owner instead (--strategy by-owner)")
        }
        let writeTarget = target(name: writeName, role: .write, groups: [], topics: all, consumerGroups: [], load: write,
                                 mirrorFrom: sourceAlias, permanent: false, basis: request.sizing)
        let unread = all.indices.filter { readers[$0] == nil }.count
        if unread > 0 { warnings.append("\(unread) topics no consumer group reads stay on the write cluster only") }
        return SplitPlan(
            format: SplitPlan.formatName, strategy: request.strategy.rawValue, grouping: "consumers",
            limits: request.limits, usable: usable, lowerBound: bound, clusters: readTargets.count,
            targets: [writeTarget] + readTargets,
            groups: units.map { unit in
                SplitGroup(name: unit.name, topics: unit.topics.map { all[$0].name }, consumerGroups: unit.members,
                           load: unit.topics.reduce(SplitLoad(read: unit.read)) { $0 + mirrored[$1] })
            },
            partitionIncreases: topics.increases, staysBehind: topics.stayBehind,
            replication: replication, replicationPermanent: true,
            warnings: warnings + increaseNotes(topics.increases))
    }

    // MARK: shared

    private static func target(name: String, role: SplitTarget.Role, groups: [String], topics: [SplitTopic], consumerGroups: [String],
                               load: SplitLoad, mirrorFrom: String, permanent: Bool, basis: SplitSizingBasis) -> SplitTarget {
        let stored = topics.reduce(Int64(0)) { $0 + $1.storedBytes }
        let replicationFactor = topics.map(\.replicationFactor).max() ?? 1
        let (sizing, note) = brokers(load: load, stored: stored, replicationFactor: replicationFactor, basis: basis)
        return SplitTarget(name: name, role: role, groups: groups, topics: topics.map(\.name), consumerGroups: consumerGroups, load: load,
                           storedBytes: stored, replicationFactor: replicationFactor, mirrorFrom: mirrorFrom, mirrorPermanent: permanent,
                           sizing: sizing, brokersNote: note, brokers: sizing?.brokers)
    }

    /// `kscale size brokers` for a target: its write as ingress, its read as egress, and the
    /// retention that makes `ingress x retention` the bytes its topics hold now.
    static func brokers(load: SplitLoad, stored: Int64, replicationFactor: Int, basis: SplitSizingBasis) -> (BrokerSizing?, String?) {
        guard let network = basis.brokerNetwork, let disk = basis.brokerDisk else {
            return (nil, "not sized: give --broker-network and --broker-disk (or a snapshot whose brokers record network_in/out_capacity and disk_total_bytes)")
        }
        guard load.write > 0, stored > 0 else { return (nil, "not sized: the topics record no write rate or no size") }
        let secondsPerHour = 3600.0
        let inputs = BrokerSizing.Inputs(ingress: load.write, egress: load.read, replicationFactor: replicationFactor,
                                         retentionHours: Double(stored) / Double(load.write) / secondsPerHour,
                                         brokerNetwork: network, brokerDisk: disk, targetUtilization: basis.targetUtilization)
        do {
            return (try BrokerSizing(inputs), nil)
        } catch let e as InvalidInput {
            return (nil, "not sized: \(e.message)")
        } catch {
            return (nil, "not sized: \(error)")
        }
    }

    private static func limitNote(_ limits: SplitLimits) -> String {
        "(each cluster limit less \(Percentage.formatted(limits.headroom * 100))% headroom)"
    }

    private static func largest(_ groups: [SplitGroup]) -> String {
        guard let g = groups.max(by: { ($0.load.write, $0.load.read, $0.name) < ($1.load.write, $1.load.read, $1.name) }) else { return "none" }
        return "\(g.name) (\(g.load.text))"
    }

    private static func tooFew(_ n: Int, _ bound: SplitBound, _ total: SplitLoad, _ usable: SplitLoad.Limit, what: String) -> Refusal {
        var terms: [String] = []
        if let w = bound.write, let u = usable.write { terms.append("write \(ByteUnits.formatRate(total.write)) / \(ByteUnits.formatRate(u)) -> \(w)") }
        if let r = bound.read, let u = usable.read { terms.append("read \(ByteUnits.formatRate(total.read)) / \(ByteUnits.formatRate(u)) -> \(r)") }
        if let p = bound.partitions, let u = usable.partitions { terms.append("partitions \(total.partitions) / \(u) -> \(p)") }
        return Refusal("--clusters \(n) is too few: \(what) need at least \(bound.clusters) clusters (\(terms.joined(separator: ", ")))")
    }

    /// Consumer groups whose topics landed on more than one target (possible with prefix or file groups).
    private static func spanningConsumers(_ snapshot: ClusterSnapshot, _ targets: [SplitTarget]) -> [String] {
        var home: [String: String] = [:]
        for t in targets { for topic in t.topics { home[topic] = t.name } }
        return (snapshot.consumerGroups ?? []).sorted { $0.group < $1.group }.compactMap { group in
            let clusters = Set(group.topics.compactMap { home[$0] }).sorted()
            guard clusters.count > 1 else { return nil }
            return "consumer group \(group.group) reads topics on \(clusters.joined(separator: ", ")): it needs a consumer per cluster (or --group-by consumers)"
        }
    }

    private static func increaseNotes(_ increases: [PartitionIncrease]) -> [String] {
        increases.compactMap { i in i.note.map { "\(i.topic): \($0)" } }
    }
}
