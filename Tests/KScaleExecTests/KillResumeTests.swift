import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleTestSupport
@testable import KScaleExec

/// The real `kscale` binary, killed with SIGKILL at random points while it executes against a
/// KafkaSim cluster in this process, then resumed until done.
@Suite(.serialized) struct KillResumeTests {
    /// Runs kscale with its state under `home` to its end.
    func runKscale(_ args: [String], home: String, timeout: Duration = .seconds(60)) async throws -> ProcessResult {
        try await KScaleBinary.run(args, environment: ["KSCALE_HOME": home], timeout: timeout)
    }

    /// Waits until the run `kscale` started under `home` has a readable state with its plan.
    func waitForRun(home: String, of kscale: ChildProcess) async throws {
        func recorded() -> Bool {
            RunDirectory.all(root: home + "/runs").first.flatMap { try? RunDirectory.readState($0) }?.plan != nil
        }
        try await waitUntil("kscale to record its run under \(home)") {
            let running = kscale.isRunning   // read first: a run that records itself and then ends is fine
            if recorded() { return true }
            guard running else {
                throw ExecutionError("kscale ended before recording its run: \(kscale.stdoutSoFar) \(kscale.stderrSoFar)")
            }
            return false
        }
    }

    @Test func sigkillAtRandomPointsThenResumeEndsAtTargetWithNoThrottle() async throws {
        let seed = try TestSeed.fromEnvironment()
        try await seed.withSeedInFailures { try await sigkillAtRandomPointsThenResume(seed) }
    }

    func sigkillAtRandomPointsThenResume(_ seed: TestSeed) async throws {
        var random = seed.generator()
        let scale = 20.0
        let h = try await SimHarness.start(manual: false, timeScale: scale)
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let home = temporaryDirectory()
        let planPath = home + "/plan.json"
        try plan.encoded().write(to: URL(fileURLWithPath: planPath))
        let common = ["--bootstrap-server", h.sim.bootstrapServers, "--time-scale", String(scale)]
        let pacing = ["--throttle", "50MB/s", "--max-in-flight-per-broker", "2", "--poll-interval", "1", "--output", "json"]
        let environment = ["KSCALE_HOME": home]
        var kills: [Double] = []
        for round in 0..<3 {
            let args = round == 1 ? ["resume", "--execute"] + common + ["--output", "json"]
                                  : ["execute", "--plan", planPath, "--execute"] + common + pacing
            let kscale = try KScaleBinary.start(args, environment: environment)
            // The first kill lands after the run has recorded itself (a process killed before
            // that leaves nothing to resume, and a loaded machine can take a second to start it).
            if round == 0 { try await waitForRun(home: home, of: kscale) }
            // The kill moment is what this test varies: a wall-clock pause drawn from the seed.
            let wait = Double.random(in: 0.2...1.2, using: &random)
            kills.append(wait)
            try await Task.sleep(for: .seconds(wait))
            kscale.kill()
            _ = try await kscale.wait(timeout: .seconds(30))
        }
        let midway = try await h.throttlesLeft()
        let final = try await KScaleBinary.run(["resume", "--execute"] + common + ["--output", "json"], environment: environment,
                                               timeout: .seconds(120))
        #expect(final.status == 0, "resume exit \(final.status), kills at \(kills), \(seed): \(final.stderr)")
        #expect(await h.offTarget(plan, original: original) == [], "kills at \(kills), \(seed)")
        #expect(try await h.throttlesLeft() == [], "kills at \(kills), \(seed); throttles seen after the kills: \(midway)")
        let runs = RunDirectory.all(root: home + "/runs")
        #expect(runs.count == 1, "\(seed)")
        let state = try RunDirectory.readState(try #require(runs.first))
        #expect(state.ledger.isEmpty, "\(seed)")
        #expect(state.ended == "completed", "\(seed)")
        await h.stop()
    }

    @Test func commandsEndToEndDryRunExecuteStatusVerifyAudit() async throws {
        let h = try await SimHarness.start(manual: false, timeScale: 50)
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let home = temporaryDirectory()
        let planPath = home + "/plan.json"
        try plan.encoded().write(to: URL(fileURLWithPath: planPath))
        let common = ["--bootstrap-server", h.sim.bootstrapServers, "--time-scale", "50"]

        // Dry run: prints the batches and the estimate, changes nothing.
        let dry = try await runKscale(["execute", "--plan", planPath, "--throttle", "50MB/s"] + common, home: home)
        #expect(dry.status == 0, "\(dry.stderr)")
        #expect(dry.stdout.contains("DRY RUN"))
        #expect(dry.stdout.contains("batch 1"))
        #expect(dry.stdout.contains("estimated duration"))
        #expect(await h.sim.state().snapshot.topics == original.topics)
        #expect(try await h.throttlesLeft() == [])

        // A plan naming an unknown topic is refused with exit 2.
        let bad = home + "/bad.json"
        try Data(#"{"version":1,"partitions":[{"topic":"nope","partition":0,"replicas":[1,2]}]}"#.utf8).write(to: URL(fileURLWithPath: bad))
        let refused = try await runKscale(["execute", "--plan", bad, "--throttle", "10MB/s", "--execute"] + common, home: home)
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("unknown topic nope"), "\(refused.stderr)")

        let run = try await runKscale(["execute", "--plan", planPath, "--throttle", "50MB/s", "--poll-interval", "1", "--execute"] + common, home: home, timeout: .seconds(120))
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("finished run"), "\(run.stdout)")
        #expect(await h.offTarget(plan, original: original) == [])

        let status = try await runKscale(["status"] + common, home: home)
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("\(plan.partitions.count) done, 0 in flight, 0 pending"))
        let verify = try await runKscale(["verify", "--plan", planPath, "--execute"] + common, home: home)
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("\(plan.partitions.count) of \(plan.partitions.count) partitions at target"))
        let audit = try await runKscale(["throttle", "audit"] + common, home: home)
        #expect(audit.status == 0, "\(audit.stderr)")
        #expect(audit.stdout.contains("no replication throttles"))
        await h.stop()
    }
}
