import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleIO
import KScaleTestSupport

/// `kscale plan` records what each partition was planned from, and `kscale execute` refuses a
/// plan whose partitions moved since (exit 2, nothing changed), naming them, unless
/// `--allow-drift` (issue 13 item 6).
@Suite(.serialized) struct DriftCommandTests {
    @Test func executeRefusesAPlanThatDriftedNamingTheMovedPartition() async throws {
        let snapshot = DryRunGateTests.snapshot()
        let snapshotFile = DryRunGateTests.temporaryPath("cluster.json")
        let planFile = DryRunGateTests.temporaryPath("plan.json")
        let rollbackFile = DryRunGateTests.temporaryPath("rollback.json")
        try KScaleFiles.writeSnapshot(snapshot, to: snapshotFile)
        let planned = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", snapshotFile, "--add-brokers", "7",
                                                  "--exclude-topics", "logs", "--output", planFile, "--rollback", rollbackFile])
        #expect(planned.status == 0, "\(planned.stderr)")
        let plan = try KScaleFiles.readPlan(planFile)
        let rollback = try KScaleFiles.readPlan(rollbackFile)
        // The plan file holds its rollback: each line's original replicas are the rollback's line.
        #expect(plan.partitions.map(\.originalReplicas) == rollback.partitions.map(\.replicas))
        let moved = try #require(plan.partitions.first { $0.replicas.contains(7) })
        let recorded = try #require(moved.originalReplicas)
        let elsewhere = Array(recorded.reversed())

        try await withSimCluster(snapshot) { sim in
            // Someone reorders the partition after the plan was made (a reorder completes at once).
            let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
            _ = try await client.alterReassignments([moved.topicPartition: elsewhere])
            await client.close()
            try await waitUntil("the reorder is applied") { await DryRunGateTests.replicas(sim)[moved.topicPartition] == elsewhere }
            let mutatingBefore = await DryRunGateTests.mutating(sim)

            let common = ["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile,
                          "--state-dir", DryRunGateTests.temporaryPath("run"), "--throttle", "50MB/s"]
            for extra in [[], ["--execute"]] {
                let r = try await KScaleBinary.run(common + extra)
                #expect(r.status == 2, "\(extra): \(r.stdout)\(r.stderr)")
                #expect(r.stderr.hasPrefix("error: refused: refusing the plan, nothing was changed: 1 of its partitions moved since the plan was made"), "\(r.stderr)")
                #expect(r.stderr.contains("\(moved.topicPartition): planned from \(recorded), now \(elsewhere)"), "\(r.stderr)")
                #expect(r.stderr.contains("--allow-drift"), "\(r.stderr)")
            }
            #expect(await DryRunGateTests.mutating(sim) == mutatingBefore, "a refused plan sent nothing")
            #expect(await DryRunGateTests.replicas(sim)[moved.topicPartition] == elsewhere)

            let allowed = try await KScaleBinary.run(common + ["--allow-drift", "--output", "json"])
            #expect(allowed.status == 0, "\(allowed.stderr)")
            let preview = try OutputJSONTests.object(allowed.stdout)
            let drift = try #require(preview["drift"] as? [[String: Any]], "\(allowed.stdout)")
            #expect(drift.map { $0["partition"] as? String } == [moved.topicPartition.description])
            #expect(drift.first?["recorded"] as? [Int] == recorded.map(Int.init))
            #expect(drift.first?["now"] as? [Int] == elsewhere.map(Int.init))

            let text = try await KScaleBinary.run(common + ["--allow-drift"])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("--allow-drift: running the plan over 1 partitions that moved since it was made: \(moved.topicPartition)"), "\(text.stdout)")
            #expect(await DryRunGateTests.mutating(sim) == mutatingBefore, "the dry runs sent nothing")
        }
    }
}
