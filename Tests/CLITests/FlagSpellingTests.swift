import ArgumentParser
import Foundation
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import Testing
@testable import kscale

/// One meaning per option name (issue 13 item 9): `--output` is a format everywhere and a file is
/// `--out`; the cap on moves in flight is `--max-in-flight` (`--max-moves` is the planning
/// budget); `--state-dir` is the root of the runs everywhere and `--run` picks one. The old
/// spellings parse to the same meaning, with a note on stderr that never reaches stdout.
@Suite(.serialized) struct FlagSpellingTests {
    static func parse<C: ParsableCommand>(_ words: [String], as _: C.Type) throws -> C {
        try #require(try KScale.parseAsRoot(words) as? C)
    }

    // MARK: - Parsing: old and new spellings, one meaning

    @Test func theInFlightCapParsesTheSameUnderBothSpellings() throws {
        for command in [["execute", "--plan", "p.json"], ["scale-out", "--add-brokers", "7"], ["scale-in", "--remove-brokers", "4"], ["cancel"]] {
            let new = ["--max-in-flight", "7", "--max-in-flight-per-broker", "3"]
            let old = ["--max-moves", "7", "--max-moves-per-broker", "3"]
            func pacing(_ words: [String]) throws -> RunOptions {
                let parsed = try KScale.parseAsRoot(command + words)
                let options: PacingOptions? = switch parsed {
                case let c as ExecuteCommand: c.pacing
                case let c as ScaleOutCommand: c.scale.pacing
                case let c as ScaleInCommand: c.scale.pacing
                case let c as CancelCommand: c.pacing
                default: nil
                }
                return try #require(options).options(movesData: false)
            }
            let byNew = try pacing(new), byOld = try pacing(old)
            #expect(byNew.maxMoves == 7 && byNew.maxMovesPerBroker == 3, "\(command)")
            #expect(byOld == byNew, "\(command)")
            #expect(throws: (any Error).self, "\(command): both spellings at once") { try KScale.parseAsRoot(command + ["--max-in-flight", "7", "--max-moves", "7"]) }
        }
        // The defaults are the executor's.
        let defaults = try Self.parse(["execute", "--plan", "p.json"], as: ExecuteCommand.self).pacing.options(movesData: false)
        #expect(defaults.maxMoves == RunOptions().maxMoves && defaults.maxMovesPerBroker == RunOptions().maxMovesPerBroker)
    }

    @Test func thePlansFileIsOutAndOutputIsTheFormat() throws {
        let base = ["plan", "rebalance", "--snapshot", "s.json"]
        let new = try Self.parse(base + ["--out", "p.json", "--output", "json"], as: PlanRebalance.self).options
        let old = try Self.parse(base + ["--output", "p.json", "--summary", "json"], as: PlanRebalance.self).options
        #expect(try new.output.file(out: new.out) == "p.json")
        #expect(try old.output.file(out: old.out) == "p.json")
        #expect(new.summaryFormat == .json && old.summaryFormat == .json)
        // Without a file: the plan goes to stdout; the default format is text.
        let plain = try Self.parse(base, as: PlanRebalance.self).options
        #expect(try plain.output.file(out: plain.out) == nil && plain.summaryFormat == .text)
        #expect(throws: (any Error).self) { try KScale.parseAsRoot(base + ["--output", "json", "--summary", "json"]) }
        let both = try Self.parse(base + ["--out", "a.json", "--output", "b.json"], as: PlanRebalance.self).options
        #expect(throws: InvalidInput.self) { try both.output.file(out: both.out) }

        let snapshotNew = try Self.parse(["snapshot", "--out", "c.json"], as: SnapshotCommand.self)
        let snapshotOld = try Self.parse(["snapshot", "--output", "c.json"], as: SnapshotCommand.self)
        #expect(try snapshotNew.output.file(out: snapshotNew.out) == "c.json")
        #expect(try snapshotOld.output.file(out: snapshotOld.out) == "c.json")
        #expect(try Self.parse(["snapshot", "--out", "c.json", "--output", "json"], as: SnapshotCommand.self).output.format == .json)
    }

    @Test func aRunsOwnDirectoryAndTheRootWithItsIdNameTheSameRun() throws {
        let root = DryRunGateTests.temporaryPath("runs")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "orders", partition: 0, replicas: [1, 2, 3])])
        let dir = RunDirectory.directory(for: plan, root: root)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data().write(to: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName))
        let id = RunDirectory.runID(for: plan)
        for command in [["status"], ["resume"], ["cancel"], ["verify", "--plan", "p.json"]] {
            func directory(_ words: [String]) throws -> String {
                let selection: RunSelectionOptions? = switch try KScale.parseAsRoot(command + words) {
                case let c as StatusCommand: c.runSelection
                case let c as ResumeCommand: c.runSelection
                case let c as CancelCommand: c.runSelection
                case let c as VerifyCommand: c.runSelection
                default: nil
                }
                return try #require(selection).directory()
            }
            #expect(try directory(["--state-dir", root]) == dir, "\(command): the latest run under the root")
            #expect(try directory(["--state-dir", root, "--run", id]) == dir, "\(command)")
            #expect(try directory(["--state-dir", dir]) == dir, "\(command): the old meaning, deprecated")
            #expect(throws: InvalidInput.self, "\(command)") { try directory(["--state-dir", root, "--run", "0000000000000000"]) }
            #expect(throws: InvalidInput.self, "\(command)") { try directory(["--state-dir", dir, "--run", id]) }
            #expect(throws: (any Error).self, "\(command)") { try directory(["--run", "../x"]) }
        }
        // execute: the plan's run under the root, or (deprecated) the run's own directory.
        let execute = try Self.parse(["execute", "--plan", "p.json", "--state-dir", root], as: ExecuteCommand.self)
        #expect(execute.stateRoot.directory(for: plan) == dir)
        #expect(try Self.parse(["execute", "--plan", "p.json", "--state-dir", dir], as: ExecuteCommand.self).stateRoot.directory(for: plan) == dir)
        #expect(RunDirectory.selection(of: dir) == "--state-dir \(root) --run \(id)")
    }

    // MARK: - The binary: notes on stderr, stdout untouched

    @Test func oldSpellingsOfPlanWriteTheSamePlanWithANoteOnStderr() async throws {
        let snapshot = Repository.url("Fixtures/snapshots/scale-out-racks.json").path
        let old = DryRunGateTests.temporaryPath("old.json"), new = DryRunGateTests.temporaryPath("new.json")
        defer { for f in [old, new] { try? FileManager.default.removeItem(atPath: f) } }
        let base = ["plan", "scale-out", "--snapshot", snapshot, "--add-brokers", "7,8,9"]
        let byOld = try await KScaleBinary.run(base + ["--output", old, "--summary", "json"])
        let byNew = try await KScaleBinary.run(base + ["--out", new, "--output", "json"])
        #expect(byOld.status == 0 && byNew.status == 0, "\(byOld.stderr)\(byNew.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: old)) == Data(contentsOf: URL(fileURLWithPath: new)))
        #expect(byOld.stdout == byNew.stdout)
        // stdout is the JSON summary, whichever the spelling.
        let summary = try JSONSerialization.jsonObject(with: Data(byOld.stdout.utf8)) as? [String: Any]
        #expect(summary?["kind"] as? String == "scale-out")
        #expect(byOld.stderr.contains("note: --output FILE is deprecated: write --out \(old)"), "\(byOld.stderr)")
        #expect(byOld.stderr.contains("note: --summary is deprecated here: write --output json"), "\(byOld.stderr)")
        #expect(!byNew.stderr.contains("deprecated"), "\(byNew.stderr)")
    }

    @Test func statusFindsTheRunsOfAScaleOutUnderTheSameStateDir() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let root = DryRunGateTests.temporaryPath("runs")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let scale = try await KScaleBinary.run(["scale-out", "--bootstrap-server", sim.bootstrapServers, "--add-brokers", "7", "--state-dir", root,
                                                    "--throttle", "50MB/s", "--poll-interval", "0.2", "--execute"])
            #expect(scale.status == 0, "\(scale.stdout)\(scale.stderr)")

            // The same --state-dir: the run scale-out journaled under it.
            let status = try await KScaleBinary.run(["status", "--state-dir", root])
            #expect(status.status == 0, "\(status.stdout)\(status.stderr)")
            #expect(status.stdout.contains("ended (completed)"), "\(status.stdout)")
            let json = try await KScaleBinary.run(["status", "--state-dir", root, "--output", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            let id = try #require(report["run"] as? String)
            #expect(report["ended"] as? String == "completed")
            #expect((report["done"] as? Int ?? 0) > 0 && report["pending"] as? Int == 0)

            // --run names it; the run's own directory still works, with a note on stderr only.
            let byID = try await KScaleBinary.run(["status", "--state-dir", root, "--run", id, "--output", "json"])
            #expect(byID.status == 0 && byID.stdout == json.stdout, "\(byID.stderr)")
            let legacy = try await KScaleBinary.run(["status", "--state-dir", root + "/" + id, "--output", "json"])
            #expect(legacy.status == 0, "\(legacy.stderr)")
            #expect(legacy.stdout == json.stdout, "the note stays off stdout")
            #expect(legacy.stderr.contains("note: --state-dir \(root)/\(id) names one run's directory, which is deprecated: write --state-dir \(root) --run \(id)"),
                    "\(legacy.stderr)")
            #expect(!json.stderr.contains("deprecated"), "\(json.stderr)")
        }
    }
}
