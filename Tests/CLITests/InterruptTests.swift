import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import KScaleTime
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C or SIGTERM during `execute --execute` (issue 13 item 2a): the run stops at its next wait,
/// says what is still moving, which throttles stay and how to continue or undo, and exits 130;
/// `resume --execute` then finishes it and removes every throttle.
@Suite(.serialized) struct InterruptTests {
    /// A throttled `execute --execute` of a scale-out onto broker 7 under `root`, stopped by
    /// `signalNumber` once its first moves are submitted (on a frozen clock they stay in flight).
    static func interruptedRun(_ sim: SimCluster, root: String, signal signalNumber: Int32) async throws
        -> (plan: ReassignmentPlan, planFile: String, dir: String, result: ProcessResult) {
        let plan = try Planner.plan(DryRunGateTests.snapshot(), PlanRequest(kind: .scaleOut(add: [7]), excludeTopics: "logs")).plan
        let planFile = DryRunGateTests.temporaryPath("plan.json")
        try KScaleFiles.writePlan(plan, to: planFile)
        let dir = RunDirectory.directory(for: plan, root: root)
        let run = try KScaleBinary.start(["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile, "--state-dir", root,
                                          "--throttle", "10MB/s", "--poll-interval", "0.1", "--execute"])
        try await waitUntil("the run to submit its first moves") {
            ((try? RunDirectory.readState(dir))?.partitions.values.contains { $0.phase == .submitted }) ?? false
        }
        run.signal(signalNumber)
        return (plan, planFile, dir, try await run.wait(timeout: .seconds(60)))
    }

    @Test(arguments: [SIGTERM, SIGINT])
    func anInterruptedRunExplainsItselfAndResumes(_ signalNumber: Int32) async throws {
        // Time on the simulated cluster moves only when the test says: the moves stay in flight.
        let clock = ManualClock()
        try await withSimCluster(DryRunGateTests.snapshot(), options: SimOptions(clock: clock)) { sim in
            let root = DryRunGateTests.temporaryPath("runs")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let (plan, planFile, _, interrupted) = try await Self.interruptedRun(sim, root: root, signal: signalNumber)
            defer { try? FileManager.default.removeItem(atPath: planFile) }
            #expect(interrupted.status == 130, "\(interrupted.stdout)\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("interrupted: the run stopped submitting moves"), "\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("partitions are still moving"), "\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("stay set: they keep throttling the copies in flight"), "\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("continue: kscale resume --state-dir \(root) --run \(RunDirectory.runID(for: plan)) --execute"), "\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("undo:     kscale cancel --state-dir \(root) --run \(RunDirectory.runID(for: plan)) --execute"), "\(interrupted.stderr)")
            #expect(try await !DryRunGateTests.throttles(sim).isEmpty, "the throttles stay, protecting the copies in flight")

            clock.advance(by: 3_600)        // the copies finish on the cluster
            let resumed = try await KScaleBinary.run(["resume", "--state-dir", root, "--execute", "--output", "text"])
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            #expect(try await DryRunGateTests.throttles(sim).isEmpty)
        }
    }
}
