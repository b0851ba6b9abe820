import KScaleCore

/// What a scale operation asks the planner for.
public enum LifecycleGoal: Sendable, Hashable {
    case scaleOut(add: [BrokerID])
    /// `keepOff`: brokers that take no new replica (those other steps of the same scale-in remove).
    case scaleIn(remove: [BrokerID], keepOff: [BrokerID] = [])
}

/// A plan and the rollback that restores the partitions it lists.
public struct LifecyclePlan: Sendable, Hashable {
    public var plan: ReassignmentPlan
    public var rollback: ReassignmentPlan
    public init(plan: ReassignmentPlan, rollback: ReassignmentPlan) {
        self.plan = plan
        self.rollback = rollback
    }
}

/// The planner, seen from the flows. A protocol so that the flows do not depend on how the plan
/// is computed, and so a test can hand them a plan it constructed.
public protocol LifecyclePlanning: Sendable {
    func plan(_ goal: LifecycleGoal, from snapshot: ClusterSnapshot) throws -> LifecyclePlan
}

/// The executor, seen from the flows: carry a plan out to the end (throttled, paced, verified,
/// throttles removed) and return, or throw naming what stopped it.
public protocol LifecycleRunning: Sendable {
    func run(_ plan: LifecyclePlan, label: String) async throws
    /// What running `moves` would copy and take, at this runner's throttle and pacing; nil when
    /// the runner cannot say.
    func estimate(_ moves: [Move]) -> TransferEstimate?
    /// Earlier runs this runner's state root holds that no process drives any more (killed, or
    /// interrupted): one with nothing left moving has its throttles removed and is ended; one
    /// still moving is named with how to continue it (the pre-flight then refuses to start
    /// alongside it). One line per run, for the flow to report. The runs in `except` are the
    /// calling flow's own, which it continues itself.
    func settleEarlierRuns(except: Set<String>) async throws -> [String]
    /// Where the run of `plan` is journaled (nil when the runner keeps no journal): a flow records
    /// it before the run starts, so a continued flow, `kscale resume` and `status` find it.
    func runDirectory(for plan: LifecyclePlan) -> String?
    /// kscale's own runs that have submitted some of `partitions` and not ended, each in words with
    /// how to continue or stop it: what the pre-flight's "reassignments in flight" refusal names.
    func runsMoving(_ partitions: Set<TopicPartition>) -> [String]
}

extension LifecycleRunning {
    public func estimate(_ moves: [Move]) -> TransferEstimate? { nil }
    public func settleEarlierRuns(except: Set<String>) async throws -> [String] { [] }
    public func runDirectory(for plan: LifecyclePlan) -> String? { nil }
    public func runsMoving(_ partitions: Set<TopicPartition>) -> [String] { [] }
}
