import Foundation
import KScaleCore
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleExec

/// The plan summary's per-broker numbers (the planner's own count, on its layout) are the same
/// numbers as `BrokerBalance` (from the snapshot), before and after the plan: one rule, counted
/// twice only for speed.
@Suite struct BrokerBalanceTests {
    @Test(arguments: ["scale-out-racks.json", "racks-drift.json", "no-racks.json"])
    func planSummaryAgreesWithBrokerBalance(_ fixture: String) throws {
        let snapshot = try KScaleFiles.readSnapshot(Repository.url("Fixtures/snapshots/\(fixture)").path)
        let result = try Planner.plan(snapshot, PlanRequest(kind: .rebalance(brokers: nil)))
        let before = BrokerBalance.of(snapshot)
        let after = BrokerBalance.of(snapshot.applying(result.plan))
        #expect(result.summary.brokers.map(\.broker) == before.map(\.broker))
        for (index, summary) in result.summary.brokers.enumerated() {
            #expect(summary.replicasBefore == before[index].replicas, "broker \(summary.broker)")
            #expect(summary.leadersBefore == before[index].leaders, "broker \(summary.broker)")
            #expect(summary.bytesBefore == before[index].bytes, "broker \(summary.broker)")
            #expect(summary.replicasAfter == after[index].replicas, "broker \(summary.broker)")
            #expect(summary.leadersAfter == after[index].leaders, "broker \(summary.broker)")
            #expect(summary.bytesAfter == after[index].bytes, "broker \(summary.broker)")
        }
    }
}
