import Foundation
import Testing
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import KScaleTime
#if canImport(Glibc)
import Glibc
#endif

/// `--output json` answers with JSON whatever there is to say (issue 13 items 9 and 11): the
/// execute dry run, a throttle audit that finds nothing, and verify, cancel and throttle clear.
@Suite(.serialized) struct OutputJSONTests {
    static func object(_ text: String) throws -> [String: Any] {
        let line = try #require(text.split(separator: "\n").last.map(String.init))
        return try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }

    @Test func theExecuteDryRunAndAnEmptyAuditAnswerInJSON() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let audit = try await KScaleBinary.run(["throttle", "audit", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(audit.status == 0, "\(audit.stderr)")
            #expect(try Self.object(audit.stdout)["throttles"] as? [Any] != nil, "\(audit.stdout)")
            #expect((try Self.object(audit.stdout)["throttles"] as? [Any])?.isEmpty == true)

            let plan = try Planner.plan(DryRunGateTests.snapshot(), PlanRequest(kind: .scaleOut(add: [7]), excludeTopics: "logs")).plan
            let planFile = DryRunGateTests.temporaryPath("plan.json")
            try KScaleFiles.writePlan(plan, to: planFile)
            let dry = try await KScaleBinary.run(["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile,
                                                  "--state-dir", DryRunGateTests.temporaryPath("run"), "--throttle", "50MB/s", "--output", "json"])
            #expect(dry.status == 0, "\(dry.stderr)")
            let preview = try Self.object(dry.stdout)
            #expect(preview["event"] as? String == "dry_run")
            #expect(preview["to_move"] as? Int == plan.partitions.count)
            #expect(preview["throttle"] as? Int == 50_000_000)
            #expect(await DryRunGateTests.mutating(sim) == 0)
        }
    }

    static func document(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    @Test func verifyCancelAndThrottleClearAnswerInJSON() async throws {
        // Time on the simulated cluster moves only when the test says: the moves stay in flight.
        let clock = ManualClock()
        try await withSimCluster(DryRunGateTests.snapshot(), options: SimOptions(clock: clock)) { sim in
            let root = DryRunGateTests.temporaryPath("runs")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let (plan, planFile, dir, interrupted) = try await InterruptTests.interruptedRun(sim, root: root, signal: SIGTERM)
            defer { try? FileManager.default.removeItem(atPath: planFile) }
            #expect(interrupted.status == 130, "\(interrupted.stderr)")
            #expect(interrupted.stderr.contains("continue: kscale resume \(RunDirectory.selection(of: dir)) --execute"), "\(interrupted.stderr)")
            let moving = Set(await sim.state().moves.map(\.topicPartition.description))
            #expect(!moving.isEmpty, "moves stay in flight: the simulated clock is frozen")
            let common = ["--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--output", "json"]

            // verify: moves in flight, the run not finished, exit 3.
            let verify = try await KScaleBinary.run(["verify", "--plan", planFile] + common)
            #expect(verify.status == 3, "\(verify.stdout)\(verify.stderr)")
            let verified = try Self.document(verify.stdout)
            #expect(verified["complete"] as? Bool == false)
            #expect(verified["ending"] as? String == "not_finished")
            #expect((verified["in_flight"] as? [String]).map(Set.init) == moving)
            #expect(verified["partitions"] as? Int == plan.partitions.count)
            #expect(verified["run_dir"] as? String == dir)
            #expect((verified["throttles_outstanding"] as? Int ?? 0) > 0)
            #expect(verified["mutations"] as? [Any] != nil)

            // throttle clear, a dry run: the run's throttles would be undone.
            let clear = try await KScaleBinary.run(["throttle", "clear"] + common)
            #expect(clear.status == 0, "\(clear.stderr)")
            let cleared = try Self.document(clear.stdout)
            #expect(cleared["executed"] as? Bool == false)
            let runs = try #require(cleared["runs"] as? [[String: Any]])
            #expect(runs.count == 1 && runs.first?["run_dir"] as? String == dir && runs.first?["result"] as? String == "cleared")
            #expect((runs.first?["rates_restored"] as? Int ?? 0) > 0)
            #expect(cleared["unknown"] as? [Any] != nil)

            // cancel, a dry run, then for real: the moves in flight and the throttles.
            let dry = try await KScaleBinary.run(["cancel"] + common)
            #expect(dry.status == 0, "\(dry.stderr)")
            let wouldCancel = try Self.object(dry.stdout)
            #expect(wouldCancel["executed"] as? Bool == false)
            #expect((wouldCancel["cancelled"] as? [String]).map(Set.init) == moving)
            #expect(wouldCancel["run_dir"] as? String == dir && wouldCancel["run"] as? String == RunDirectory.runID(for: plan))
            #expect((wouldCancel["rates_removed"] as? Int ?? 0) > 0)
            #expect(await DryRunGateTests.mutating(sim) > 0, "the interrupted run's own changes")
            let real = try await KScaleBinary.run(["cancel", "--execute"] + common)
            #expect(real.status == 0, "\(real.stderr)")
            let cancelled = try Self.object(real.stdout)
            #expect(cancelled["executed"] as? Bool == true)
            #expect((cancelled["cancelled"] as? [String]).map(Set.init) == moving)
            #expect(cancelled["failures"] as? [Any] != nil && (cancelled["failures"] as? [Any])?.isEmpty == true)
            #expect((cancelled["mutations"] as? [Any])?.isEmpty == false)
            #expect(try await DryRunGateTests.throttles(sim).isEmpty)

            // Nothing left: throttle clear's answer is still one object.
            let empty = try await KScaleBinary.run(["throttle", "clear", "--execute"] + common)
            #expect(empty.status == 0, "\(empty.stderr)")
            #expect((try Self.document(empty.stdout)["runs"] as? [Any])?.isEmpty == true)
        }
    }
}
