import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import KScaleTime

/// Two operators (two kscale processes with different homes, so different state dirs) start the
/// same plan at the same moment (issue 18 item 1, issue 13 item 2c): the cluster's run record lets
/// exactly one drive; the other is refused naming the owner's host and run id, with nothing
/// changed, and the operator's own rates set before survive the run.
@Suite(.serialized) struct ClusterRecordCLITests {
    @Test func twoHomesStartingOnePlanAtOnceOneDrivesAndTheOtherIsRefused() async throws {
        // Simulated time moves only when the test says: the winner's moves stay in flight until then.
        let clock = ManualClock()
        try await withSimCluster(DryRunGateTests.snapshot(), options: SimOptions(clock: clock)) { sim in
            let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
            // The operator's own rates, set before any kscale run, on brokers the plan touches.
            let operatorRates = [ConfigResource.broker(1): [ConfigChange(ThrottleKeys.leaderRate, .set, "99000000")],
                                 ConfigResource.broker(7): [ConfigChange(ThrottleKeys.followerRate, .set, "77000000")]]
            #expect(try await client.incrementalAlterConfigs(operatorRates, validateOnly: false).isEmpty)
            let plan = try Planner.plan(DryRunGateTests.snapshot(), PlanRequest(kind: .scaleOut(add: [7]), excludeTopics: "logs")).plan
            let runID = RunDirectory.runID(for: plan)
            let planFile = DryRunGateTests.temporaryPath("plan.json")
            let homes = [DryRunGateTests.temporaryPath("home-a"), DryRunGateTests.temporaryPath("home-b")]
            defer {
                try? FileManager.default.removeItem(atPath: planFile)
                for home in homes { try? FileManager.default.removeItem(atPath: home) }
            }
            try KScaleFiles.writePlan(plan, to: planFile)
            let arguments = ["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile, "--throttle", "10MB/s",
                             "--poll-interval", "0.1", "--output", "text", "--execute"]
            let runs = try homes.map { home in try KScaleBinary.start(arguments, environment: ["HOME": home, "KSCALE_HOME": ""]) }

            try await waitUntil("one of the two runs to end") { runs.contains { !$0.isRunning } }
            let refusedIndex = try #require(runs.firstIndex { !$0.isRunning })
            let refused = try await runs[refusedIndex].wait(timeout: .seconds(60))
            let winner = runs[1 - refusedIndex]
            let winnerDir = homes[1 - refusedIndex] + "/.kscale/runs/" + runID
            #expect(refused.status == 2, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stderr.contains("run \(runID) on host \(RunRegistry.hostName) (state dir \(winnerDir))"), "\(refused.stderr)")
            #expect(refused.stderr.contains("nothing was changed"), "\(refused.stderr)")
            // The refused run set nothing: its journal (if it wrote one) holds no throttle.
            let refusedDir = homes[refusedIndex] + "/.kscale/runs/" + runID
            #expect(((try? RunDirectory.readState(refusedDir))?.ledger.isEmpty) ?? true)

            // The winner drives to the end as simulated time passes.
            try await waitUntil("the winning run to finish", timeout: .seconds(120)) {
                clock.advance(by: 600)
                return !winner.isRunning
            }
            let finished = try await winner.wait(timeout: .seconds(30))
            #expect(finished.status == 0, "\(finished.stdout)\(finished.stderr)")
            for line in plan.partitions {
                #expect(await DryRunGateTests.replicas(sim)[line.topicPartition] == line.replicas, "\(line.topicPartition)")
            }
            // Only the operator's own rates are left, at their own values.
            let left = try await client.describeConfigs([.broker(1), .broker(7)] + (2...6).map { ConfigResource.broker(BrokerID($0)) })
            var rates: [String] = []
            for (resource, entries) in left {
                for e in entries where ThrottleKeys.rates.contains(e.name) && e.source == .dynamicBroker { rates.append("\(resource) \(e.name)=\(e.value ?? "")") }
            }
            #expect(rates.sorted() == ["broker 1 \(ThrottleKeys.leaderRate)=99000000", "broker 7 \(ThrottleKeys.followerRate)=77000000"])
            // The record on the cluster: the winner finished; the other refused, on the record when it
            // had claimed before it saw the winner, or with no record at all when it started late
            // enough that its pre-flight already saw the winner's moves in flight (it refused naming
            // the owner from the record, checked above) and never claimed.
            let states = RunOverlap.latest(try await RunRegistry(admin: client).records()).map { "\($0.record.stateDir) \($0.record.state)" }
            #expect(states.contains("\(winnerDir) finished"), "\(states)")
            #expect(Set(states).isSubset(of: ["\(refusedDir) refused", "\(winnerDir) finished"]), "\(states)")
            await client.close()
        }
    }
}
