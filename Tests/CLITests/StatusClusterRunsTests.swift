import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport

/// `kscale status` shows the runs in flight that the cluster's run record holds, other hosts'
/// too: id, host, brokers, state and when each started; ended runs are not listed.
@Suite(.serialized) struct StatusClusterRunsTests {
    /// 2027-01-15T08:00:00Z, as the CLI's runs write wall time.
    static let started = 1_800_000_000.0

    @Test func statusListsEveryHostsRunsInFlightFromTheClusterRecord() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let root = DryRunGateTests.temporaryPath("runs")
            let empty = DryRunGateTests.temporaryPath("empty")
            defer { for dir in [root, empty] { try? FileManager.default.removeItem(atPath: dir) } }
            // A run of this host, finished: its claim ended on the record.
            let scale = try await KScaleBinary.run(["scale-out", "--bootstrap-server", sim.bootstrapServers, "--add-brokers", "7", "--state-dir", root,
                                                    "--throttle", "50MB/s", "--poll-interval", "0.2", "--execute"])
            #expect(scale.status == 0, "\(scale.stdout)\(scale.stderr)")
            let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
            let registry = RunRegistry(admin: client)
            // Another host's run, in flight; a third host's, ended.
            let other = RunRecord(runID: "0a1b2c3d4e5f6a7b", host: "ops-2", stateDir: "/var/lib/kscale/runs/0a1b2c3d4e5f6a7b", planDigest: "0a1b2c3d4e5f6a7b",
                                  brokers: [1, 2], partitions: [TopicPartition("orders", 0)], state: .running, rate: 10_000_000, at: Self.started)
            try await registry.claim(other, dryRun: false)
            let ended = try await registry.claim(RunRecord(runID: "ffffeeeeddddcccc", host: "ops-3", stateDir: "/runs/x", planDigest: "ffffeeeeddddcccc",
                                                           brokers: [5], partitions: [], state: .running, rate: nil, at: 5), dryRun: false)
            try await registry.end(ended, state: .finished, at: 6)

            // No run on this host: the cluster's runs only.
            let alone = try await KScaleBinary.run(["status", "--state-dir", empty, "--bootstrap-server", sim.bootstrapServers])
            #expect(alone.status == 0, "\(alone.stdout)\(alone.stderr)")
            #expect(alone.stdout.contains("no kscale run on this host under \(empty)"), "\(alone.stdout)")
            #expect(alone.stdout.contains("runs in flight on the cluster (\(RunRegistry.topicName)): 1"), "\(alone.stdout)")
            let row = try #require(alone.stdout.split(separator: "\n").first { $0.contains("0a1b2c3d4e5f6a7b") }.map(String.init), "\(alone.stdout)")
            for field in ["ops-2", "1,2", "running", "2027-01-15T08:00:00Z", "/var/lib/kscale/runs/0a1b2c3d4e5f6a7b"] {
                #expect(row.contains(field), "\(field) in \(row)")
            }
            #expect(!alone.stdout.contains("ffffeeeeddddcccc"), "an ended run is not in flight: \(alone.stdout)")

            // This host's run, with the cluster's runs after it (JSON).
            let json = try await KScaleBinary.run(["status", "--state-dir", root, "--output", "json"])
            #expect(json.status == 0, "\(json.stderr)")
            let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(report["ended"] as? String == "completed")
            let runs = try #require(report["cluster_runs"] as? [[String: Any]])
            #expect(runs.count == 1)
            #expect(runs.first?["run"] as? String == "0a1b2c3d4e5f6a7b")
            #expect(runs.first?["host"] as? String == "ops-2")
            #expect(runs.first?["brokers"] as? [Int] == [1, 2])
            #expect(runs.first?["state"] as? String == "running")
            #expect(runs.first?["started"] as? String == "2027-01-15T08:00:00Z")
            #expect(runs.first?["this_run"] as? Bool == false)
            let localDir = try #require(report["state_dir"] as? String)
            let localID = try #require(report["run"] as? String)

            // A claim of this host's run still running on the record (its process died) is marked.
            let mine = RunRecord(runID: localID, host: RunRegistry.hostName, stateDir: localDir, planDigest: "d",
                                 brokers: [7], partitions: [], state: .running, rate: nil, at: Self.started + 60)
            try await registry.claim(mine, dryRun: false)
            let text = try await KScaleBinary.run(["status", "--state-dir", root])
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("runs in flight on the cluster (\(RunRegistry.topicName)): 2"), "\(text.stdout)")
            #expect(text.stdout.contains("\(localID) (this run)"), "\(text.stdout)")
            await client.close()
        }
    }
}
