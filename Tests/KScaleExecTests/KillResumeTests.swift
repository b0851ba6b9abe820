import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
@testable import KScaleExec

/// The real `kscale` binary, killed with SIGKILL at random points while it executes against a
/// KafkaSim cluster in this process, then resumed until done.
@Suite(.serialized) struct KillResumeTests {
    /// The `kscale` executable next to this test bundle (SwiftPM builds it with the tests).
    static func kscaleBinary() throws -> URL {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("kscale")
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        throw InvalidInput("kscale binary not found near \(CommandLine.arguments[0]); run `swift build` first")
    }

    func launch(_ args: [String], home: String, output: FileHandle = .nullDevice) throws -> Process {
        let p = Process()
        p.executableURL = try Self.kscaleBinary()
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["KSCALE_HOME"] = home
        p.environment = env
        p.standardOutput = output
        p.standardError = output
        try p.run()
        return p
    }

    /// Runs kscale to its end and returns its exit status and stdout.
    func runKscale(_ args: [String], home: String, timeout: Double = 60) async throws -> (Int32, String) {
        let out = home + "/out-\(UUID().uuidString).txt"
        FileManager.default.createFile(atPath: out, contents: nil)
        let p = try launch(args, home: home, output: try FileHandle(forWritingTo: URL(fileURLWithPath: out)))
        let status = try await waitExit(p, timeout: timeout)
        return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "")
    }

    func waitExit(_ p: Process, timeout: Double) async throws -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning {
            if Date() > deadline {
                kill(p.processIdentifier, SIGKILL)
                throw ExecutionError("kscale \(p.arguments ?? []) did not finish within \(timeout) s")
            }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        return p.terminationStatus
    }

    /// Waits until a run under `home` has a readable state, or `p` has ended.
    func waitForRun(home: String, while p: Process, timeout: Double = 60) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline {
            if let run = RunDirectory.all(root: home + "/runs").first, (try? RunDirectory.readState(run))?.plan != nil { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
    }

    @Test func sigkillAtRandomPointsThenResumeEndsAtTargetWithNoThrottle() async throws {
        let scale = 20.0
        let h = try await SimHarness.start(manual: false, timeScale: scale)
        let original = await h.sim.state().snapshot
        let plan = try await h.scaleOutPlan()
        let home = temporaryDirectory()
        let planPath = home + "/plan.json"
        try plan.encoded().write(to: URL(fileURLWithPath: planPath))
        let common = ["--bootstrap-server", h.sim.bootstrapServers, "--time-scale", String(scale)]
        let pacing = ["--throttle", "50MB/s", "--max-moves-per-broker", "2", "--poll-interval", "1", "--output", "json"]
        var kills: [Double] = []
        for round in 0..<3 {
            let args = round == 1 ? ["resume", "--execute"] + common + ["--output", "json"]
                                  : ["execute", "--plan", planPath, "--execute"] + common + pacing
            let p = try launch(args, home: home)
            // The first kill lands after the run has recorded itself (a process killed before
            // that leaves nothing to resume, and a loaded machine can take a second to start it).
            if round == 0 { try await waitForRun(home: home, while: p) }
            let wait = Double.random(in: 0.2...1.2)
            kills.append(wait)
            try await Task.sleep(nanoseconds: UInt64(wait * 1e9))
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            _ = try await waitExit(p, timeout: 30)
        }
        let midway = try await h.throttlesLeft()
        let final = try launch(["resume", "--execute"] + common + ["--output", "json"], home: home)
        let status = try await waitExit(final, timeout: 120)
        #expect(status == 0, "resume exit \(status), kills at \(kills)")
        #expect(await h.offTarget(plan, original: original) == [], "kills at \(kills)")
        #expect(try await h.throttlesLeft() == [], "kills at \(kills); throttles seen after the kills: \(midway)")
        let runs = RunDirectory.all(root: home + "/runs")
        #expect(runs.count == 1)
        let state = try RunDirectory.readState(try #require(runs.first))
        #expect(state.ledger.isEmpty)
        #expect(state.ended == "completed")
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
        let (dry, dryOut) = try await runKscale(["execute", "--plan", planPath, "--throttle", "50MB/s"] + common, home: home)
        #expect(dry == 0)
        #expect(dryOut.contains("DRY RUN"))
        #expect(dryOut.contains("batch 1"))
        #expect(dryOut.contains("estimated duration"))
        #expect(await h.sim.state().snapshot.topics == original.topics)
        #expect(try await h.throttlesLeft() == [])

        // A plan naming an unknown topic is refused with exit 2.
        let bad = home + "/bad.json"
        try Data(#"{"version":1,"partitions":[{"topic":"nope","partition":0,"replicas":[1,2]}]}"#.utf8).write(to: URL(fileURLWithPath: bad))
        let (refused, refusedOut) = try await runKscale(["execute", "--plan", bad, "--execute"] + common, home: home)
        #expect(refused == 2)
        #expect(refusedOut.contains("unknown topic nope"))

        let (run, runOut) = try await runKscale(["execute", "--plan", planPath, "--throttle", "50MB/s", "--poll-interval", "1", "--execute"] + common, home: home, timeout: 120)
        #expect(run == 0, "\(runOut)")
        #expect(runOut.contains("finished run"))
        #expect(await h.offTarget(plan, original: original) == [])

        let (st, stOut) = try await runKscale(["status"] + common, home: home)
        #expect(st == 0)
        #expect(stOut.contains("\(plan.partitions.count) done, 0 in flight, 0 pending"))
        let (ver, verOut) = try await runKscale(["verify", "--plan", planPath, "--execute"] + common, home: home)
        #expect(ver == 0)
        #expect(verOut.contains("\(plan.partitions.count) of \(plan.partitions.count) partitions at target"))
        let (aud, audOut) = try await runKscale(["throttle", "audit"] + common, home: home)
        #expect(aud == 0)
        #expect(audOut.contains("no replication throttles"))
        await h.stop()
    }
}
