import Foundation
import KafkaClient
import KScaleCore

/// The executor behind the lifecycle flows' `LifecycleRunning` seam: each plan runs as its own
/// journaled run (state dir `<root>/<plan id>`), to the end, and is verified before returning, so a
/// scale-out or drain step never starts on a cluster that is still moving or still throttled.
public struct ExecutorRunner: LifecycleRunning {
    public var admin: any ClusterAdmin
    public var options: RunOptions
    public var stateRoot: String
    public var clock: any ExecClock
    public var bootstrap: String?
    public var emit: EventSink

    public init(admin: any ClusterAdmin, options: RunOptions, stateRoot: String = RunDirectory.defaultRoot,
                clock: any ExecClock = SystemClock(), bootstrap: String? = nil, emit: @escaping EventSink = { _ in }) {
        self.admin = admin
        self.options = options
        self.stateRoot = stateRoot
        self.clock = clock
        self.bootstrap = bootstrap
        self.emit = emit
    }

    public func run(_ plan: LifecyclePlan, label: String) async throws {
        let dir = RunDirectory.directory(for: plan.plan, root: stateRoot)
        let lock = try RunLock(directory: dir)
        defer { withExtendedLifetime(lock) {} }
        let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName), clock: clock, emit: emit)
        exec.progressFile = dir + "/progress.json"
        let inspection = try await Preflight.inspect(plan: plan.plan, admin: admin, additional: options.additional, ours: exec.submitted)
        let summary = try await exec.execute(inspection, options: options, bootstrap: bootstrap, commandConfig: nil)
        if !summary.failed.isEmpty {
            let names = summary.failed.keys.sorted().prefix(5).map(\.description).joined(separator: ", ")
            throw ExecutionError("\(label): \(summary.failed.count) partitions did not reach their target (\(names)); run state in \(dir)")
        }
        let report = try await VerifyReport.check(plan: plan.plan, admin: admin)
        guard report.complete else {
            throw ExecutionError("\(label): verify found \(report.inFlight.count) partitions in flight and \(report.elsewhere.count) off target; run state in \(dir)")
        }
    }
}
