import Foundation
import Testing
import KafkaSim
import KScaleCore
import KScaleIO
import KScaleTestSupport

/// `--output json` answers with JSON whatever there is to say (issue 13 items 9 and 11): the
/// execute dry run, and a throttle audit that finds nothing.
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
}
