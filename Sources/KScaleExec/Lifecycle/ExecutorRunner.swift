import Foundation
import KafkaAdmin
import KScaleCore
import KScaleTime

/// The flows' runner: the executor engine, exactly as `kscale execute --execute` drives it (a
/// journal and lock per plan under the state root, throttles with a ledger, pacing), followed by
/// a verify. A scale operation's runs are ordinary runs: `kscale status`, `resume` and `cancel`
/// see them, and a killed scale-in continues with `kscale resume` then `kscale drain` again.
public struct ExecutorRunner: LifecycleRunning {
    public var admin: DryRunAdmin
    public var options: RunOptions
    /// Where run directories go (`~/.kscale/runs` by default); one per plan, named by its id.
    public var stateRoot: String
    public var clock: any KScaleClock
    public var bootstrap: String?
    public var commandConfig: String?
    public var emit: EventSink

    public init(admin: DryRunAdmin, options: RunOptions, stateRoot: String = RunDirectory.defaultRoot,
                clock: any KScaleClock = SystemClock(), bootstrap: String? = nil, commandConfig: String? = nil,
                emit: @escaping EventSink = { _ in }) {
        self.admin = admin
        self.options = options
        self.stateRoot = stateRoot
        self.clock = clock
        self.bootstrap = bootstrap
        self.commandConfig = commandConfig
        self.emit = emit
    }

    public func estimate(_ moves: [Move]) -> TransferEstimate? {
        TransferEstimate(moves: moves, throttle: options.initialThrottle,
                         scheduler: MoveScheduler(options: options, throttle: options.initialThrottle), order: options.order)
    }

    public func runDirectory(for plan: LifecyclePlan) -> String? { RunDirectory.directory(for: plan.plan, root: stateRoot) }

    public func runsMoving(_ partitions: Set<TopicPartition>) -> [String] {
        RunDirectory.all(root: stateRoot).compactMap { dir in
            guard let state = try? RunDirectory.readState(dir), state.ended == nil, !state.submitted.isDisjoint(with: partitions) else { return nil }
            if let flow = FlowDirectory.owning(runIn: dir) { return "\(flow.description); \(flow.howToGoOn)" }
            return "run \(state.runID ?? (dir as NSString).lastPathComponent) in \(dir); continue it with `kscale resume \(RunDirectory.selection(of: dir)) --execute` or stop it with `kscale cancel \(RunDirectory.selection(of: dir)) --execute`"
        }
    }

    public func settleEarlierRuns(except: Set<String>) async throws -> [String] {
        var lines: [String] = []
        let moving = try await admin.listReassignments(nil)
        for dir in RunDirectory.all(root: stateRoot) where !except.contains(dir) {
            guard let state = try? RunDirectory.readState(dir), state.plan != nil, state.ended == nil,
                  !RunLock.isHeld(directory: dir) else { continue }
            let id = state.runID ?? (dir as NSString).lastPathComponent
            let stillMoving = state.partitions.filter { $0.value.phase == .submitted && moving[$0.key] != nil }.count
            if stillMoving > 0 {
                if let flow = FlowDirectory.owning(runIn: dir) {
                    lines.append("earlier \(flow.description): \(flow.howToGoOn)")
                } else {
                    lines.append("earlier run \(id) in \(dir) still has \(stillMoving) partitions moving: continue it with `kscale resume \(RunDirectory.selection(of: dir)) --execute` or stop it with `kscale cancel \(RunDirectory.selection(of: dir)) --execute`")
                }
                continue
            }
            // Nothing of it moving: its claim on the cluster's run record ends too, throttles or not.
            guard state.ledger.outstanding > 0 else {
                try await RunEnd.endClaim(of: state, in: dir, admin: admin, clock: clock, as: .finished)
                continue
            }
            let counts = try await RunEnd.finish(runIn: dir, admin: admin, clock: clock, as: "settled")
            let verb = admin.isDryRun ? "would remove" : "removed"
            lines.append("earlier run \(id) in \(dir) had stopped with nothing moving: \(verb) the throttles it left (\(counts.rates) broker rates restored, \(counts.entries) replica entries)")
        }
        return lines
    }

    public func run(_ plan: LifecyclePlan, label: String) async throws {
        guard !plan.plan.partitions.isEmpty else { return }
        let dir = RunDirectory.directory(for: plan.plan, root: stateRoot)
        emit(.message("\(label): run \(RunDirectory.runID(for: plan.plan)) in \(dir)"))
        let run = PlanRun(admin: admin, clock: clock, bootstrap: bootstrap, commandConfig: commandConfig, emit: emit)
        // Planned from the reading the flow has just taken: nothing to drift from.
        guard case let .finished(summary) = try await run.execute(plan.plan, in: dir, options: options, drift: .skip) else {
            // The flows stop before executing in a dry run (`ScaleFlows`); reaching here is a bug.
            throw ExecutionError("\(label): the plan was not executed: the admin is a dry-run gate")
        }
        if !summary.failed.isEmpty {
            let first = summary.failed.sorted { $0.key < $1.key }.prefix(5).map { "\($0.key): \($0.value)" }.joined(separator: "; ")
            throw ExecutionError("\(label): \(summary.failed.count) partitions failed (\(first)); the run is journaled in \(dir)")
        }
        let verify = try await VerifyReport.check(plan: plan.plan, admin: admin)
        guard verify.complete else {
            let off = verify.inFlight.map(\.description) + verify.elsewhere.keys.sorted().map(\.description) + verify.unknown.map(\.description)
            throw ExecutionError("\(label): verify found \(off.count) partitions off target: \(off.prefix(8).joined(separator: ", "))")
        }
    }
}
