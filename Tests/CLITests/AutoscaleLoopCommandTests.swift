import Foundation
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `kscale autoscale` (the loop) through the binary against a KafkaSim on wall time: a dry run that
/// evaluates every second, serves its metrics (checked by promtool when installed), changes
/// nothing, and stops at SIGTERM with exit 0.
@Suite(.serialized) struct AutoscaleLoopCommandTests {
    static let policy = """
        brokers: {min: 3, max: 12}
        evaluation: {interval: 1s, window: 1s}
        signals:
          partitions_per_broker: {out_above: 2}
        provisioner: {kind: command, add: "true {id}", remove: "true {id}"}
        """

    @Test func onceAgainstAClusterSamplesDecidesAndPrintsTheDecision() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let policy = try AutoscaleCommandTests.file("policy.yaml", Self.policy)
            let dir = NSTemporaryDirectory() + "kscale-autoscale-once-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let once = try await KScaleBinary.run(["autoscale", "--once", "--bootstrap-server", sim.bootstrapServers, "--policy", policy,
                                                   "--state-dir", dir, "--output", "json"])
            #expect(once.status == 0, "\(once.stderr)")
            // The events stream first (one JSON line each), the decision object last.
            let decision = try #require(once.stdout.range(of: "\n{\n").map { String(once.stdout[$0.lowerBound...]) })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(decision.utf8)) as? [String: Any])
            #expect(object["action"] as? String == "scale-out")
            #expect(object["current"] as? Int == 7)
            #expect(await sim.mutatingRequests().values.reduce(0, +) == 0)
            #expect(FileManager.default.fileExists(atPath: dir + "/" + AutoscaleStateDir.windowName))
        }
    }

    @Test func theLoopEvaluatesServesMetricsAndStopsAtSigterm() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let policy = try AutoscaleCommandTests.file("policy.yaml", Self.policy)
            let dir = NSTemporaryDirectory() + "kscale-autoscale-loop-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let port = 20_000 + Int(getpid() % 10_000)
            let loop = try KScaleBinary.start(["autoscale", "--bootstrap-server", sim.bootstrapServers, "--policy", policy, "--state-dir", dir,
                                               "--metrics-port", "\(port)", "--output", "json"])
            let events = dir + "/" + AutoscaleStateDir.eventsName
            try await waitUntil("two evaluations in the event log") {
                let text = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
                return text.components(separatedBy: "\"type\":\"evaluation\"").count > 2
            }
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
            let (data, _) = try await URLSession.shared.data(from: url)
            let page = String(decoding: data, as: UTF8.self)
            #expect(page.contains("kscale_autoscale_signal{name=\"partitions_per_broker\"}"), "\(page)")
            #expect(page.contains("kscale_autoscale_paused 0\n"))
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool") {
                let file = dir + "/metrics.prom"
                try data.write(to: URL(fileURLWithPath: file))
                let promtool = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "/usr/bin/promtool check metrics < '\(file)'"])
                let checked = try await promtool.wait(timeout: .seconds(60))
                #expect(checked.status == 0, "promtool: \(checked.stdout) \(checked.stderr)")
            }
            // A second autoscaler on the same state dir is refused while this one runs.
            let second = try await KScaleBinary.run(["autoscale", "--bootstrap-server", sim.bootstrapServers, "--policy", policy, "--state-dir", dir])
            #expect(second.status == 2)
            #expect(second.stderr.contains("another kscale autoscale is running on the state dir"), "\(second.stderr)")
            let status = try await KScaleBinary.run(["autoscale", "status", "--state-dir", dir])
            #expect(status.stdout.contains("autoscaler: running"))

            loop.signal(SIGTERM)
            let result = try await loop.wait(timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.contains("\"type\":\"stopped\""), "\(result.stdout)")
            #expect(result.stdout.contains("\"type\":\"evaluation\""))
            // A dry run: 6 brokers with 2+ partitions each would scale out, and nothing was sent.
            #expect(result.stdout.contains("dry run: would run"), "\(result.stdout)")
            #expect(await sim.mutatingRequests().values.reduce(0, +) == 0)
        }
    }
}
