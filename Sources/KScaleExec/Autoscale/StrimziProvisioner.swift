import Foundation
import KScaleCore

/// `provisioner: {kind: strimzi, namespace: kafka, pool: brokers}`: the brokers are one Strimzi
/// `KafkaNodePool` (docs/autoscale.md, "Provisioners"), resized through its `spec.replicas` with
/// kubectl (`kubectl:` in the policy names another binary). Modelled on Strimzi's node pools
/// (the node pools proposal and `NodeIdAssignor` in strimzi-kafka-operator's cluster-operator):
///
/// - Strimzi, not kscale, gives new nodes their ids: the lowest ids of the pool's
///   `strimzi.io/next-node-ids` annotation (`[3]`, `[3, 4, 5]`, `[1000-1010]`) that no pool of the
///   cluster uses, then the lowest ids unused in the cluster (every pool labelled with the same
///   `strimzi.io/cluster`). `idsToAdd` predicts those.
/// - On scale-down Strimzi removes the ids named by the pool's `strimzi.io/remove-node-ids`
///   annotation first, then the highest id in use. kscale drains brokers before they go, so it
///   names them: `remove` sets `strimzi.io/remove-node-ids` to exactly the drained ids before the
///   patch, and refuses ids that are not the pool's.
///
/// Commands (argument vectors, no shell):
/// - read:   `kubectl get kafkanodepool POOL -n NS -o json` (`spec.replicas`, `status.nodeIds`,
///           annotations, the `strimzi.io/cluster` label); for an add also
///           `kubectl get kafkanodepool -n NS -l strimzi.io/cluster=CLUSTER -o json` (ids every pool uses);
/// - add:    `kubectl patch kafkanodepool POOL -n NS --type merge -p {"spec":{"replicas":N+k}}`
///           (N+k: the pool's nodes and the new ids, so a rerun patches to the same size);
/// - remove: `kubectl annotate kafkanodepool POOL -n NS --overwrite strimzi.io/remove-node-ids=[a,b]`,
///           then the patch to N-k.
/// The patch is computed from the replicas read just before it, never from an older reading.
public struct StrimziProvisioner: BrokerProvisioner {
    public static let nextNodeIDs = "strimzi.io/next-node-ids"
    public static let removeNodeIDs = "strimzi.io/remove-node-ids"
    public static let clusterLabel = "strimzi.io/cluster"

    public var namespace: String
    public var pool: String
    public var kubectl: String
    public var runner: ProvisionRunner

    public init(namespace: String, pool: String, kubectl: String? = nil, runner: ProvisionRunner = ProvisionRunner()) {
        self.namespace = namespace
        self.pool = pool
        self.kubectl = kubectl ?? "kubectl"
        self.runner = runner
    }

    public var kind: String { "strimzi" }

    /// What kscale needs of a KafkaNodePool.
    public struct NodePool: Sendable, Hashable {
        public var replicas: Int
        public var nodeIDs: [BrokerID]
        public var cluster: String?
        public var nextNodeIDs: [BrokerID]?
        public var removeNodeIDs: [BrokerID]?
    }

    var getPool: [String] { [kubectl, "get", "kafkanodepool", pool, "-n", namespace, "-o", "json"] }

    func getPools(cluster: String) -> [String] {
        [kubectl, "get", "kafkanodepool", "-n", namespace, "-l", "\(Self.clusterLabel)=\(cluster)", "-o", "json"]
    }

    func patch(replicas: Int) -> [String] { patch(replicasText: String(replicas)) }

    func patch(replicasText: String) -> [String] {
        [kubectl, "patch", "kafkanodepool", pool, "-n", namespace, "--type", "merge", "-p", "{\"spec\":{\"replicas\":\(replicasText)}}"]
    }

    func annotateRemove(_ ids: [BrokerID]) -> [String] {
        [kubectl, "annotate", "kafkanodepool", pool, "-n", namespace, "--overwrite", "\(Self.removeNodeIDs)=\(Self.idList(ids))"]
    }

    /// `[4,5,6]`, the annotations' format.
    public static func idList(_ ids: [BrokerID]) -> String { "[" + ids.map(String.init).joined(separator: ",") + "]" }

    /// An annotation's ids in its order: `[3]`, `[3, 4, 5]`, `[1000-1010]`, `[2, 4-6]`; nil when it
    /// is not that format (Strimzi then falls back to its default, and so does the prediction).
    public static func parseIDs(_ text: String) -> [BrokerID]? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { return nil }
        var ids: [BrokerID] = []
        for part in trimmed.dropFirst().dropLast().split(separator: ",") {
            let bounds = part.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let low = bounds.first.flatMap({ BrokerID($0) }), low >= 0 else { return nil }
            if bounds.count == 1 {
                ids.append(low)
            } else if bounds.count == 2, let high = BrokerID(bounds[1]), high >= low, high - low < 100_000 {
                ids.append(contentsOf: low...high)
            } else {
                return nil
            }
        }
        return ids
    }

    /// One KafkaNodePool object from `kubectl get ... -o json`.
    public static func nodePool(_ object: [String: Any], name: String) throws -> NodePool {
        let metadata = object["metadata"] as? [String: Any] ?? [:]
        let annotations = metadata["annotations"] as? [String: String] ?? [:]
        let labels = metadata["labels"] as? [String: String] ?? [:]
        guard let spec = object["spec"] as? [String: Any], let replicas = integer(spec["replicas"]) else {
            throw ProvisionFailure(message: "strimzi provisioner: KafkaNodePool \(name) has no spec.replicas", steps: [])
        }
        let ids = nodeIDs(object)
        return NodePool(replicas: replicas, nodeIDs: ids, cluster: labels[clusterLabel],
                        nextNodeIDs: annotations[nextNodeIDs].flatMap(parseIDs), removeNodeIDs: annotations[removeNodeIDs].flatMap(parseIDs))
    }

    /// A JSON number as an Int (JSONSerialization answers NSNumber or a Swift number).
    static func integer(_ value: Any?) -> Int? {
        switch value {
        case let n as Int: n
        case let n as Int64: Int(exactly: n)
        case let n as Double: Int(exactly: n)
        case let n as NSNumber: n.intValue
        default: nil
        }
    }

    /// `status.nodeIds` of a KafkaNodePool object, sorted (none before Strimzi reconciled it).
    static func nodeIDs(_ object: [String: Any]) -> [BrokerID] {
        let list = (object["status"] as? [String: Any])?["nodeIds"] as? [Any] ?? []
        return list.compactMap { integer($0).flatMap { BrokerID(exactly: $0) } }.sorted()
    }

    static func json(_ step: ProvisionStep) throws -> [String: Any] {
        guard let text = step.output, let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw ProvisionFailure(message: "strimzi provisioner: `\(step.command.joined(separator: " "))` did not answer a JSON object",
                                   steps: [step])
        }
        return object
    }

    /// Reads the pool, appending the step.
    /// The event log keeps what was read, not the whole object.
    func readPool(_ steps: inout [ProvisionStep]) async throws -> NodePool {
        let step = await runner.run(getPool, outputLimit: Self.readLimit)
        steps.append(step)
        try ProvisionRunner.check(step, steps: steps, what: "strimzi provisioner: reading KafkaNodePool \(pool) in \(namespace)")
        do {
            let nodePool = try Self.nodePool(try Self.json(step), name: pool)
            steps[steps.count - 1].output = "spec.replicas \(nodePool.replicas), status.nodeIds \(Self.idList(nodePool.nodeIDs))"
            return nodePool
        } catch let failure as ProvisionFailure {
            throw ProvisionFailure(message: failure.message, steps: steps)
        }
    }

    /// A `get` answer is parsed whole, so it is kept up to this size (an object with managedFields
    /// is tens of KiB), not the runner's event-log bound.
    static let readLimit = 8 * 1024 * 1024

    /// Ids every pool of the pool's cluster uses (the pool's own when it has no cluster label).
    func idsInUse(by nodePool: NodePool, _ steps: inout [ProvisionStep]) async throws -> Set<BrokerID> {
        guard let cluster = nodePool.cluster else { return Set(nodePool.nodeIDs) }
        let step = await runner.run(getPools(cluster: cluster), outputLimit: Self.readLimit)
        steps.append(step)
        try ProvisionRunner.check(step, steps: steps, what: "strimzi provisioner: listing the node pools of \(cluster)")
        let items = (try Self.json(step)["items"] as? [[String: Any]]) ?? []
        var used = Set(nodePool.nodeIDs)
        for item in items { used.formUnion(Self.nodeIDs(item)) }
        steps[steps.count - 1].output = "\(items.count) node pool(s), node ids in use \(Self.idList(used.sorted()))"
        return used
    }

    /// The ids Strimzi gives `count` new nodes of `nodePool` when `used` are taken.
    public static func assignedIDs(count: Int, nodePool: NodePool, used: Set<BrokerID>) -> [BrokerID] {
        var taken = used
        var ids: [BrokerID] = []
        for id in nodePool.nextNodeIDs ?? [] where ids.count < count && !taken.contains(id) {
            ids.append(id)
            taken.insert(id)
        }
        var next: BrokerID = 0
        while ids.count < count {
            if !taken.contains(next) {
                ids.append(next)
                taken.insert(next)
            }
            next += 1
        }
        return ids
    }

    /// The ids Strimzi removes when `nodePool` shrinks by `count` with no new annotation: its
    /// `remove-node-ids` in use first, then the highest.
    public static func defaultRemoved(count: Int, nodePool: NodePool) -> [BrokerID] {
        var remaining = nodePool.nodeIDs
        var ids: [BrokerID] = []
        for id in nodePool.removeNodeIDs ?? [] where ids.count < count {
            if let at = remaining.firstIndex(of: id) {
                ids.append(id)
                remaining.remove(at: at)
            }
        }
        while ids.count < count, let last = remaining.popLast() { ids.append(last) }
        return ids
    }

    public func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID] {
        var steps: [ProvisionStep] = []
        let nodePool = try await readPool(&steps)
        return Self.assignedIDs(count: requested.count, nodePool: nodePool, used: try await idsInUse(by: nodePool, &steps))
    }

    /// The candidates that are the pool's (kscale will name them with the annotation); when fewer
    /// than `count` are, the ids Strimzi would remove by itself, for the decision to drain instead.
    public func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID] {
        var steps: [ProvisionStep] = []
        let nodePool = try await readPool(&steps)
        let ours = candidates.filter(nodePool.nodeIDs.contains)
        return ours.count >= count ? Array(ours.prefix(count)) : Self.defaultRemoved(count: count, nodePool: nodePool)
    }

    public func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep] {
        switch action {
        case .add(let requests):
            return [ProvisionStep(command: getPool), ProvisionStep(command: patch(replicasText: "<replicas + \(requests.count)>"))]
        case .remove(let ids):
            return [ProvisionStep(command: getPool), ProvisionStep(command: annotateRemove(ids)),
                    ProvisionStep(command: patch(replicasText: "<replicas - \(ids.count)>"))]
        }
    }

    /// The pool's size once it holds `ids`: its nodes and those ids, or its `spec.replicas` when
    /// that is already more. So an add run again (the autoscaler crashed between the patch and
    /// recording it, then finished the action) patches to the same size, never to N + 2k, whether
    /// Strimzi has reconciled the first patch (the ids are nodes now) or not (`spec.replicas`
    /// already says N + k). A resize someone else left pending is not added to.
    static func replicasAfterAdding(_ ids: [BrokerID], to nodePool: NodePool) -> Int {
        max(nodePool.replicas, Set(nodePool.nodeIDs).union(ids).count)
    }

    public func run(_ action: ProvisionAction) async throws -> [ProvisionStep] {
        var steps: [ProvisionStep] = []
        let nodePool = try await readPool(&steps)
        switch action {
        case .add(let requests):
            guard !requests.isEmpty else { return steps }
            let target = Self.replicasAfterAdding(requests.map(\.id), to: nodePool)
            let step = await runner.run(patch(replicas: target))
            steps.append(step)
            try ProvisionRunner.check(step, steps: steps, what: "strimzi provisioner: scaling KafkaNodePool \(pool) to \(target)")
        case .remove(let ids):
            guard !ids.isEmpty else { return steps }
            let foreign = ids.filter { !nodePool.nodeIDs.contains($0) }
            guard foreign.isEmpty else {
                throw ProvisionFailure(message: "strimzi provisioner: broker(s) \(foreign.map(String.init).joined(separator: ", ")) are not nodes of KafkaNodePool \(pool) (its nodes: \(Self.idList(nodePool.nodeIDs))); nothing was changed",
                                       steps: steps)
            }
            guard nodePool.replicas >= ids.count else {
                throw ProvisionFailure(message: "strimzi provisioner: KafkaNodePool \(pool) has \(nodePool.replicas) replicas, cannot remove \(ids.count)", steps: steps)
            }
            for argv in [annotateRemove(ids), patch(replicas: nodePool.replicas - ids.count)] {
                let step = await runner.run(argv)
                steps.append(step)
                try ProvisionRunner.check(step, steps: steps, what: "strimzi provisioner: removing node(s) \(Self.idList(ids)) from KafkaNodePool \(pool)")
            }
        }
        return steps
    }
}
