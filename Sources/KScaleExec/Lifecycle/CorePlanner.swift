import KScaleCore

/// The flows' planner: KScaleCore's rack-aware, minimal-movement planner. Scale-in moves only the
/// replicas on the removed brokers (no `--rebalance`), so a drain moves the least data possible.
/// No plan puts a new replica on a broker the snapshot records as cordoned (a broker drained
/// earlier, waiting to be stopped), except a broker the scale-out adds. `byteTolerance`
/// (`scale-out --byte-tolerance`) lets a scale-out's plan spend moves beyond the count bound on
/// bytes, as `plan scale-out --byte-tolerance` does; a drain moves only the removed brokers' replicas.
public struct CorePlanner: LifecyclePlanning {
    public var excludeTopics: String?
    public var rackAware: Bool
    public var byteTolerance: Double?

    public init(excludeTopics: String? = nil, rackAware: Bool = true, byteTolerance: Double? = nil) {
        self.excludeTopics = excludeTopics
        self.rackAware = rackAware
        self.byteTolerance = byteTolerance
    }

    /// The same, refusing an `excludeTopics` that is not a regular expression, or a byte tolerance
    /// that is not a ratio above 1, now, before a flow waits for registration or reads the cluster
    /// (the planner would refuse them only at planning).
    public static func checked(excludeTopics: String?, rackAware: Bool = true, byteTolerance: Double? = nil) throws -> CorePlanner {
        _ = try PlanRequest.excludePattern(excludeTopics)
        if let byteTolerance { try PlanRequest.checkByteTolerance(byteTolerance) }
        return CorePlanner(excludeTopics: excludeTopics, rackAware: rackAware, byteTolerance: byteTolerance)
    }

    public func plan(_ goal: LifecycleGoal, from snapshot: ClusterSnapshot) throws -> LifecyclePlan {
        let (kind, keepOff, tolerance): (PlanKind, [BrokerID], Double?) = switch goal {
        case .scaleOut(let add): (.scaleOut(add: add), [], byteTolerance)
        case .scaleIn(let remove, let keepOff): (.scaleIn(remove: remove, rebalance: false), keepOff, nil)
        }
        let keptOff = Set(keepOff).union(snapshot.cordonKeepOff(for: kind))
        let result = try Planner.plan(snapshot, PlanRequest(kind: kind, excludeTopics: excludeTopics, rackAware: rackAware, keepOff: keptOff,
                                                            byteTolerance: tolerance))
        return LifecyclePlan(plan: result.plan, rollback: result.rollback)
    }
}
