import Foundation
import Testing
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport
import KScaleTime
#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C or SIGTERM during `drain --execute` (issue 13 item 8): the message names the step and
/// the command that finishes the whole flow; `resume --execute` or the same drain again then ends
/// it with the leader election, the post-flight check and the verdict; another command over the
/// same brokers is refused naming the run.
@Suite(.serialized) struct LifecycleInterruptTests {
    /// Starts `drain --remove-brokers 6 --execute` under `home` and interrupts it with `signalNumber`
    /// once its moves are submitted. The simulated cluster's time moves only when the test says,
    /// so the moves stay in flight. Returns the flow's directory.
    func interruptedDrain(_ sim: SimCluster, home: String, signalNumber: Int32) async throws -> String {
        let flowDir = home + "/runs/flow-scale-in-6"
        let run = try KScaleBinary.start(drain(sim) + ["--execute"], environment: ["KSCALE_HOME": home])
        try await waitUntil("the drain to submit its moves") {
            guard run.isRunning else { throw ExecutionError("the drain ended: \(run.stdoutSoFar) \(run.stderrSoFar)") }
            return ((try? FlowDirectory.standing(flowDir))?.moving ?? 0) > 0
        }
        run.signal(signalNumber)
        let interrupted = try await run.wait(timeout: .seconds(60))
        let runDir = try #require(try FlowDirectory.readState(flowDir).currentRun)
        #expect(interrupted.status == 130, "\(interrupted.stdout)\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("interrupted at step \"step 1 round 1: execute\" of `kscale scale-in --remove-brokers 6`"), "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("partitions are still moving"), "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("continue: kscale resume \(RunDirectory.selection(of: flowDir)) --execute"), "\(interrupted.stderr)")
        #expect(interrupted.stderr.contains("undo:     kscale cancel \(RunDirectory.selection(of: runDir)) --execute"), "\(interrupted.stderr)")
        return flowDir
    }

    func drain(_ sim: SimCluster) -> [String] {
        ["drain", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "6", "--throttle", "10MB/s", "--poll-interval", "0.1"]
    }

    @Test func anInterruptedDrainIsFinishedByResumeWithItsVerdict() async throws {
        let clock = ManualClock()
        try await withSimCluster(LifecycleCommandTests.snapshot(), options: SimOptions(clock: clock)) { sim in
            let home = DryRunGateTests.temporaryPath("home")
            defer { try? FileManager.default.removeItem(atPath: home) }
            let flowDir = try await interruptedDrain(sim, home: home, signalNumber: SIGINT)
            #expect(try await !DryRunGateTests.throttles(sim).isEmpty, "the throttles stay, protecting the copies in flight")

            // Another command over the same broker is refused naming the run; nothing changes.
            let before = await sim.mutatingRequests()
            let other = try await KScaleBinary.run(["drain", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "5,6",
                                                    "--throttle", "10MB/s", "--execute"], environment: ["KSCALE_HOME": home])
            #expect(other.status == 2, "\(other.stdout)\(other.stderr)")
            #expect(other.stderr.contains("run flow-scale-in-6 (`kscale scale-in --remove-brokers 6`), interrupted at step \"step 1 round 1: execute\""), "\(other.stderr)")
            #expect(other.stderr.contains("kscale resume \(RunDirectory.selection(of: flowDir)) --execute"), "\(other.stderr)")
            #expect(await sim.mutatingRequests() == before)

            clock.advance(by: 3_600)        // the copies finish on the cluster
            // No --state-dir: the most recent run, the drain's executor run, stands for its flow.
            let resumed = try await KScaleBinary.run(["resume", "--execute"], environment: ["KSCALE_HOME": home])
            #expect(resumed.status == 0, "\(resumed.stdout)\(resumed.stderr)")
            #expect(resumed.stdout.contains("continuing run flow-scale-in-6, interrupted at step \"step 1 round 1: execute\""), "\(resumed.stdout)")
            #expect(resumed.stdout.contains("post-flight check"), "\(resumed.stdout)")
            #expect(resumed.stdout.contains("broker 6: SAFE TO STOP"), "\(resumed.stdout)")
            #expect(try await DryRunGateTests.throttles(sim).isEmpty)
            #expect(await sim.state().topics.allSatisfy { $0.partitions.allSatisfy { !$0.replicas.contains(6) } })
        }
    }

    @Test func theSameDrainAgainAfterSIGTERMContinuesIt() async throws {
        let clock = ManualClock()
        try await withSimCluster(LifecycleCommandTests.snapshot(), options: SimOptions(clock: clock)) { sim in
            let home = DryRunGateTests.temporaryPath("home")
            defer { try? FileManager.default.removeItem(atPath: home) }
            _ = try await interruptedDrain(sim, home: home, signalNumber: SIGTERM)
            clock.advance(by: 3_600)
            let again = try await KScaleBinary.run(drain(sim) + ["--execute"], environment: ["KSCALE_HOME": home])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(again.stdout.contains("continuing run flow-scale-in-6, interrupted at step \"step 1 round 1: execute\""), "\(again.stdout)")
            #expect(!again.stdout.contains("reassignments in flight"), "\(again.stdout)")
            #expect(again.stdout.contains("broker 6: SAFE TO STOP"), "\(again.stdout)")
            #expect(try await DryRunGateTests.throttles(sim).isEmpty)
        }
    }
}
