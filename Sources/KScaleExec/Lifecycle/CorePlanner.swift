import KScaleCore

/// The flows' planner: KScaleCore's rack-aware, minimal-movement planner. Scale-in moves only the
/// replicas on the removed brokers (no `--rebalance`), so a drain moves the least data possible.
/// No plan puts a new replica on a broker the snapshot records as cordoned (a broker drained
/// earlier, waiting to be stopped), except a broker the scale-out adds.
public struct CorePlanner: LifecyclePlanning {
    public var excludeTopics: String?
    public var rackAware: Bool

    public init(excludeTopics: String? = nil, rackAware: Bool = true) {
        self.excludeTopics = excludeTopics
        self.rackAware = rackAware
    }

    /// The same, refusing an `excludeTopics` that is not a regular expression now, before a flow
    /// waits for registration or reads the cluster (the planner would refuse it only at planning).
    public static func checked(excludeTopics: String?, rackAware: Bool = true) throws -> CorePlanner {
        _ = try PlanRequest.excludePattern(excludeTopics)
        return CorePlanner(excludeTopics: excludeTopics, rackAware: rackAware)
    }

    public func plan(_ goal: LifecycleGoal, from snapshot: ClusterSnapshot) throws -> LifecyclePlan {
        let (kind, keepOff): (PlanKind, [BrokerID]) = switch goal {
        case .scaleOut(let add): (.scaleOut(add: add), [])
        case .scaleIn(let remove, let keepOff): (.scaleIn(remove: remove, rebalance: false), keepOff)
        }
        let keptOff = Set(keepOff).union(snapshot.cordonKeepOff(for: kind))
        let result = try Planner.plan(snapshot, PlanRequest(kind: kind, excludeTopics: excludeTopics, rackAware: rackAware, keepOff: keptOff))
        return LifecyclePlan(plan: result.plan, rollback: result.rollback)
    }
}
