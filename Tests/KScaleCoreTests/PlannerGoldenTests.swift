import Foundation
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// The planner on the committed fixtures: the plan must equal the reviewed file byte for byte
/// (determinism across runs and machines) and must also satisfy the structural goals, so a
/// regenerated golden file cannot silently accept a worse plan.
@Suite(.offThePool) struct PlannerGoldenTests {
    static let fixtures = Repository.url("Fixtures/snapshots")

    struct Case: Sendable, CustomTestStringConvertible {
        var snapshot: String
        var expected: String
        var request: PlanRequest
        var removed: Set<BrokerID> = []
        var testDescription: String { expected }
    }

    static let cases: [Case] = [
        Case(snapshot: "scale-out-racks.json", expected: "scale-out-racks.plan.json", request: PlanRequest(kind: .scaleOut(add: [7, 8, 9]))),
        Case(snapshot: "no-racks.json", expected: "no-racks.plan.json", request: PlanRequest(kind: .scaleOut(add: [6]))),
        Case(snapshot: "racks-drift.json", expected: "racks-drift.rebalance.json", request: PlanRequest(kind: .rebalance(brokers: nil))),
        Case(snapshot: "racks-drift.json", expected: "racks-drift.scale-in.json",
             request: PlanRequest(kind: .scaleIn(remove: [8, 9], rebalance: false)), removed: [8, 9]),
        Case(snapshot: "scale-out-two-racks.json.zst", expected: "scale-out-two-racks.plan.json", request: PlanRequest(kind: .scaleOut(add: [5, 6]))),
    ]

    /// `x.plan.json` -> `x.plan.summary.json`, beside it.
    static func summaryURL(_ plan: URL) -> URL {
        plan.deletingPathExtension().appendingPathExtension("summary.json")
    }

    /// The summary as `kscale plan --summary json` prints it, pretty-printed for review.
    static func encodeSummary(_ summary: PlanSummary) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try encoder.encode(summary) + Data("\n".utf8)
    }

    @Test(arguments: cases)
    func planMatchesTheReviewedFile(_ c: Case) throws {
        let snapshot = try KScaleFiles.readSnapshot(Self.fixtures.appendingPathComponent(c.snapshot).path)
        let result = try Planner.plan(snapshot, c.request)
        let expectedURL = Self.fixtures.appendingPathComponent("expected").appendingPathComponent(c.expected)
        let summaryURL = Self.summaryURL(expectedURL)
        if ProcessInfo.processInfo.environment["KSCALE_UPDATE_GOLDEN"] == "1" {
            try FileManager.default.createDirectory(at: expectedURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try result.plan.encoded().write(to: expectedURL)
            try Self.encodeSummary(result.summary).write(to: summaryURL)
        }
        let expected = try Data(contentsOf: expectedURL)
        #expect(result.plan.encoded() == expected, "plan differs from \(c.expected)")
        // The golden file must parse back to the same plan.
        #expect(try ReassignmentPlan.decode(expected).partitions.count == result.plan.partitions.count)
        // The summary beside it (what a reviewer reads when a golden is regenerated) must be this
        // plan's: compared as values, so JSON formatting differences between platforms do not matter.
        let expectedSummary = try JSONDecoder().decode(PlanSummary.self, from: Data(contentsOf: summaryURL))
        #expect(result.summary == expectedSummary, "summary differs from \(summaryURL.lastPathComponent)")

        let targets = Set(snapshot.brokers.map(\.id)).subtracting(c.removed)
        let check = PlanCheck(snapshot, result.plan)
        let counts = check.counts(check.after)
        let leaders = check.leaders()
        #expect(check.rackViolations(snapshot, targets: targets) == 0)
        #expect(c.removed.allSatisfy { (counts[$0] ?? 0) == 0 })
        let l = targets.map { leaders[$0] ?? 0 }
        #expect((l.max() ?? 0) - (l.min() ?? 0) <= 1, "leader spread")
        if case .scaleIn = c.request.kind {
            let before = check.counts(check.before)
            #expect(check.replicasMoved == c.removed.reduce(0) { $0 + (before[$1] ?? 0) })
        } else {
            // Per rack when racks hold fixed shares, else over all targets.
            let rack = Dictionary(uniqueKeysWithValues: snapshot.brokers.map { ($0.id, $0.rack ?? "") })
            let racks = Set(targets.map { rack[$0] ?? "" })
            let rfs = Set(check.before.values.map(\.count))
            let groups: [[BrokerID]] = rfs == [racks.count] && racks.count > 1
                ? racks.sorted().map { r in targets.filter { rack[$0] == r } }
                : [Array(targets)]
            for g in groups {
                let v = g.map { counts[$0] ?? 0 }
                #expect((v.max() ?? 0) - (v.min() ?? 0) <= 1, "replica spread in \(g.sorted())")
            }
        }
    }
}
