/// Turns a snapshot and a request into a `Layout`, refusing infeasible requests with messages
/// that name the brokers and partitions involved.
enum LayoutBuilder {
    static func build(_ snapshot: ClusterSnapshot, _ request: PlanRequest) throws -> Layout {
        var brokers = snapshot.brokers
        let known = Set(brokers.map(\.id))

        // Added brokers that are not registered yet join as new, empty brokers.
        if case .scaleOut(let add) = request.kind {
            guard !add.isEmpty else { throw InvalidInput("scale-out needs at least one broker to add") }
            try checkDistinct(add, what: "--add-brokers")
            let clusterHasRacks = brokers.contains { $0.rack != nil }
            for id in add where !known.contains(id) {
                let rack = request.newBrokerRacks[id]
                if rack == nil && clusterHasRacks && request.rackAware {
                    throw InvalidInput("broker \(id) is not in the snapshot and the cluster uses racks: give its rack with --new-broker-racks \(id)=RACK, or pass --disable-rack-aware")
                }
                brokers.append(Broker(id: id, rack: rack))
            }
        }
        brokers.sort { $0.id < $1.id }
        let ids = brokers.map(\.id)
        let all = Set(ids)

        if request.rackAware {
            let withRack = brokers.filter { $0.rack != nil }.map(\.id)
            let without = brokers.filter { $0.rack == nil }.map(\.id)
            if !withRack.isEmpty && !without.isEmpty {
                throw InvalidInput("brokers \(list(withRack)) have a rack but brokers \(list(without)) have none; give every broker a rack, or plan with --disable-rack-aware")
            }
        }

        var isTarget = [Bool](repeating: true, count: ids.count)
        // Broker ids are usually small and dense: a direct table beats a search per replica.
        let base = Int(ids.first ?? 0)
        let span = Int(ids.last ?? 0) - base + 1
        var table = [Int32](repeating: -1, count: span <= 4 * ids.count + 1024 ? span : 0)
        if !table.isEmpty { for (i, id) in ids.enumerated() { table[Int(id) - base] = Int32(i) } }
        func index(_ id: BrokerID) -> Int? {
            if !table.isEmpty {
                let k = Int(id) - base
                guard k >= 0, k < table.count, table[k] >= 0 else { return nil }
                return Int(table[k])
            }
            var lo = 0, hi = ids.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if ids[mid] < id { lo = mid + 1 } else { hi = mid }
            }
            return lo < ids.count && ids[lo] == id ? lo : nil
        }
        switch request.kind {
        case .scaleOut, .leaders:
            break
        case .scaleIn(let remove, _):
            guard !remove.isEmpty else { throw InvalidInput("scale-in needs at least one broker to remove") }
            try checkDistinct(remove, what: "--remove-brokers")
            let unknown = remove.filter { !all.contains($0) }
            guard unknown.isEmpty else { throw InvalidInput("cannot remove broker(s) \(list(unknown)): not in the snapshot (brokers are \(list(ids)))") }
            for id in remove { if let i = index(id) { isTarget[i] = false } }
        case .rebalance(let target):
            if let target {
                guard !target.isEmpty else { throw InvalidInput("--brokers names no broker") }
                try checkDistinct(target, what: "--brokers")
                let unknown = target.filter { !all.contains($0) }
                guard unknown.isEmpty else { throw InvalidInput("unknown broker(s) \(list(unknown)) in --brokers: not in the snapshot (brokers are \(list(ids)))") }
                let wanted = Set(target)
                for (i, id) in ids.enumerated() { isTarget[i] = wanted.contains(id) }
            }
        }

        // Racks: dense indices; one rack for everyone when the plan ignores them.
        var rackIndex: [String: Int] = [:]
        var rack = [Int](repeating: 0, count: ids.count)
        if request.rackAware {
            let names = Set(brokers.compactMap(\.rack)).sorted()
            for (i, n) in names.enumerated() { rackIndex[n] = i }
            for (i, b) in brokers.enumerated() { rack[i] = b.rack.flatMap { rackIndex[$0] } ?? 0 }
        }
        var targetRacks = Set<Int>()
        for i in ids.indices where isTarget[i] { targetRacks.insert(rack[i]) }
        let targetCount = isTarget.filter { $0 }.count

        let exclude = try PlanRequest.excludePattern(request.excludeTopics)

        var names: [TopicPartition] = []
        var firstSlot: [SlotIndex] = [SlotIndex(0)]
        var slotPartition: [PartitionIndex] = []
        var replicas: [BrokerIndex] = []
        var size: [Int64] = []
        var movable: [Bool] = []
        let replicaTotal = snapshot.replicaCount
        names.reserveCapacity(replicaTotal / 2)
        replicas.reserveCapacity(replicaTotal)
        slotPartition.reserveCapacity(replicaTotal)
        var tooWide: [String] = []
        var needsRacks: [String] = []
        var pinned: [String] = []
        let allRacks = request.rackAware ? Set(brokers.compactMap(\.rack)).count : 1
        let topics = isSorted(snapshot.topics) { $0.name < $1.name } ? snapshot.topics : snapshot.topics.sorted { $0.name < $1.name }
        for topic in topics {
            let excluded = exclude.map { (try? $0.wholeMatch(in: topic.name)) != nil } ?? false
            let parts = isSorted(topic.partitions) { $0.partition < $1.partition } ? topic.partitions : topic.partitions.sorted { $0.partition < $1.partition }
            for part in parts {
                let p = names.count
                let tp = TopicPartition(topic.name, part.partition)
                names.append(tp)
                size.append(part.size ?? 0)
                let forced = part.replicas.contains { id in index(id).map { !isTarget[$0] } ?? false }
                movable.append(!excluded && (topic.name != PlanRequest.runRecordTopic || forced))
                for id in part.replicas {
                    guard let b = index(id) else { throw InvalidInput("partition \(tp) has a replica on broker \(id), which is not in the snapshot's broker list") }
                    replicas.append(BrokerIndex(b))
                    slotPartition.append(PartitionIndex(p))
                    if excluded && !isTarget[b] { pinned.append("\(tp) on broker \(id)") }
                }
                firstSlot.append(SlotIndex(replicas.count))
                let rf = part.replicas.count
                if rf > targetCount { tooWide.append("\(tp) (RF \(rf))") }
                // A rack the partition spans today must not disappear when it needs every rack it has.
                if request.rackAware && min(rf, allRacks) > targetRacks.count
                    && Set(part.replicas.compactMap { index($0).map { rack[$0] } }).count > targetRacks.count {
                    needsRacks.append("\(tp) (RF \(rf))")
                }
            }
        }
        let targetIDs = ids.indices.filter { isTarget[$0] }.map { ids[$0] }
        if !tooWide.isEmpty {
            throw InvalidInput("\(tooWide.count) partition(s) have more replicas than the \(targetCount) target broker(s) \(list(targetIDs)): \(sample(tooWide))")
        }
        if !needsRacks.isEmpty {
            let emptied = Set(ids.indices.map { rack[$0] }).subtracting(targetRacks).sorted()
            let rackNames = emptied.map { r in brokers[ids.indices.first { rack[$0] == r } ?? 0].rack ?? "?" }
            throw InvalidInput("the plan empties rack(s) \(rackNames.joined(separator: ", ")), leaving \(targetRacks.count) rack(s), but \(needsRacks.count) partition(s) need more racks: \(sample(needsRacks)); keep a broker in each rack, or plan with --disable-rack-aware")
        }
        if !pinned.isEmpty {
            throw InvalidInput("excluded topics still have replicas on brokers being removed: \(sample(pinned))")
        }

        let unknownKeepOff = request.keepOff.filter { !all.contains($0) }.sorted()
        guard unknownKeepOff.isEmpty else { throw InvalidInput("cannot keep new replicas off broker(s) \(list(unknownKeepOff)): not in the snapshot (brokers are \(list(ids)))") }
        let acceptsNew = ids.map { !request.keepOff.contains($0) }
        if request.kind != .leaders, !ids.indices.contains(where: { isTarget[$0] && acceptsNew[$0] }) {
            throw InvalidInput("no target broker may take new replicas: every one is kept off")
        }

        return Layout(brokerIDs: PerBroker(ids), rackNames: PerBroker(brokers.map(\.rack)), rack: PerBroker(rack),
                      disk: PerBroker(brokers.map(\.diskTotalBytes)),
                      isTarget: PerBroker(isTarget), acceptsNew: PerBroker(acceptsNew),
                      targetRackCount: targetRacks.count, names: PerPartition(names), firstSlot: firstSlot,
                      slotPartition: PerSlot(slotPartition), replicas: PerSlot(replicas), original: PerSlot(replicas),
                      size: PerPartition(size), movable: PerPartition(movable))
    }

    private static func isSorted<T>(_ items: [T], by less: (T, T) -> Bool) -> Bool {
        for i in items.indices.dropFirst() where less(items[i], items[i - 1]) { return false }
        return true
    }

    private static func checkDistinct(_ ids: [BrokerID], what: String) throws {
        var seen = Set<BrokerID>()
        let dups = ids.filter { !seen.insert($0).inserted }
        if !dups.isEmpty { throw InvalidInput("\(what) lists broker(s) \(list(dups)) twice") }
    }

    static func list(_ ids: [BrokerID]) -> String { ids.map(String.init).joined(separator: ",") }

    private static func sample(_ items: [String]) -> String {
        items.prefix(5).joined(separator: ", ") + (items.count > 5 ? ", ..." : "")
    }
}
