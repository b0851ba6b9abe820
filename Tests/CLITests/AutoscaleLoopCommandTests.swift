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
            // Port 0: the kernel picks a free port, and the loop names it on stderr.
            let loop = try KScaleBinary.start(["autoscale", "--bootstrap-server", sim.bootstrapServers, "--policy", policy, "--state-dir", dir,
                                               "--metrics-port", "0", "--output", "json"])
            let events = dir + "/" + AutoscaleStateDir.eventsName
            do {
                try await waitUntil("two evaluations in the event log") {
                    let text = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
                    return text.components(separatedBy: "\"type\":\"evaluation\"").count > 2
                }
            } catch {
                Issue.record("the loop's stderr: \(loop.stderrSoFar)")
                loop.signal(SIGKILL)
                throw error
            }
            let note = try #require(loop.stderrSoFar.firstMatch(of: /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/), "\(loop.stderrSoFar)")
            let port = try #require(Int(note.1))
            #expect(port > 0)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/metrics"))
            let (data, _) = try await URLSession.shared.data(from: url)
            let page = String(decoding: data, as: UTF8.self)
            #expect(page.contains("kscale_autoscale_signal{name=\"partitions_per_broker\"}"), "\(page)")
            #expect(page.contains("kscale_autoscale_paused 0\n"))
            // Debian's prometheus package (scripts/setup.sh installs it) ships promtool.
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is missing: run scripts/setup.sh")
            let file = dir + "/metrics.prom"
            try data.write(to: URL(fileURLWithPath: file))
            let promtool = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "/usr/bin/promtool check metrics < '\(file)'"])
            let checked = try await promtool.wait(timeout: .seconds(60))
            #expect(checked.status == 0, "promtool: \(checked.stdout) \(checked.stderr)")
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

    /// Six brokers in racks a, b, c; 12 partitions of 20 MB, RF 3: the scale-in of three (one per
    /// rack) moves about 120 MB, paced at 10 MB/s a broker so the drain lasts some seconds.
    static func drainCluster() -> ClusterSnapshot {
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3]) }
        let partitions = (0..<12).map { p -> PartitionState in
            let replicas = (0..<3).map { BrokerID((p + $0) % 6 + 1) }
            return PartitionState(partition: Int32(p), replicas: replicas, size: 20_000_000, isr: replicas, leader: replicas[0])
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }

    /// The issue's crash case through the binary: a scale-in killed with SIGKILL while its drain
    /// copies is finished by the next start; the remove command runs only after every broker's
    /// SAFE TO STOP verdict, for brokers that hold nothing, and no throttle is left.
    @Test func aScaleInKilledWithSIGKILLMidDrainIsFinishedByTheNextStart() async throws {
        try await withSimCluster(Self.drainCluster()) { sim in
            let dir = NSTemporaryDirectory() + "kscale-autoscale-kill-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let removed = dir + "/removed.txt"
            // 36 replicas over 6 brokers: 6 per broker, below 10; over 3 brokers 12, below 50 - margin.
            let policy = try AutoscaleCommandTests.file("policy.yaml", """
                brokers: {min: 3, max: 6}
                step: {out: 3, in: 3}
                cooldown: {out: 1s, in: 1s}
                evaluation: {interval: 1s, window: 1s}
                signals:
                  partitions_per_broker: {out_above: 50, in_below: 10}
                provisioner: {kind: command, add: "true {id}", remove: "echo {id} >> \(removed)"}
                throttle: 10MB/s
                """)
            let arguments = ["autoscale", "--bootstrap-server", sim.bootstrapServers, "--policy", policy, "--state-dir", dir + "/state",
                             "--execute", "--output", "json"]
            let first = try KScaleBinary.start(arguments)
            try await waitUntil("the drain copying", timeout: .seconds(120)) { await !sim.state().moves.isEmpty }
            first.signal(SIGKILL)
            _ = try await first.wait(timeout: .seconds(60))
            #expect(!FileManager.default.fileExists(atPath: removed), "nothing removed by the killed run")

            let second = try KScaleBinary.start(arguments)
            let events = dir + "/state/" + AutoscaleStateDir.eventsName
            try await waitUntil("the action ended", timeout: .seconds(180)) {
                ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("\"type\":\"action-ended\"")
            }
            second.signal(SIGTERM)
            let result = try await second.wait(timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stderr)")

            let gone = ((try? String(contentsOfFile: removed, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { BrokerID(String($0)) }
            #expect(gone.count == 3, "three brokers handed to the remove command: \(gone)")
            let state = await sim.state()
            for id in gone {
                #expect(!state.snapshot.allPartitions.contains { $0.1.replicas.contains(id) }, "broker \(id) removed while holding a replica")
            }
            let log = (try? String(contentsOfFile: events, encoding: .utf8)) ?? ""
            let verdict = try #require(log.range(of: "\"type\":\"verdict\""), "a verdict before the remove")
            let remove = try #require(log.range(of: "echo"), "the remove command in the event log")
            #expect(verdict.lowerBound < remove.lowerBound, "SAFE TO STOP judged before the remove command ran")
            #expect(log.contains("\"type\":\"continue\""), "the restart continued the open action")
            let check = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(!check.stdout.contains("leftover-throttles"), "no throttle left: \(check.stdout)")
        }
    }

    /// The issue's scale-out end to end through the binary: brokers 7, 8 and 9 are dormant in the
    /// simulator's snapshot (machines not started); the `command` provisioner's add script starts
    /// each through KafkaSim's control API, as an operator's script starts a VM; the loop waits for
    /// them to register, moves their share onto them (throttled), verifies, and stops at SIGTERM.
    @Test func aScaleOutStartsDormantBrokersThroughTheCommandProvisioner() async throws {
        let cluster = Self.drainCluster()
        var snapshot = cluster
        snapshot.brokers += (7...9).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3], registered: false) }
        try await withSimCluster(snapshot, options: SimOptions(controlPort: 0)) { sim in
            let control = try #require(sim.controlURL)
            let dir = NSTemporaryDirectory() + "kscale-autoscale-out-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: dir) }
            // 36 replicas over 6 brokers: 6 each, above 5; over 9, 4 each.
            let policy = try AutoscaleCommandTests.file("policy.yaml", """
                brokers: {min: 3, max: 9}
                step: {out: 3, in: 3}
                cooldown: {out: 1s, in: 1s}
                evaluation: {interval: 1s, window: 1s}
                signals:
                  partitions_per_broker: {out_above: 5}
                provisioner: {kind: command, add: "curl -sf -X POST \(control)/brokers/{id}/start", remove: "true {id}"}
                throttle: 50MB/s
                """)
            let loop = try KScaleBinary.start(["autoscale", "--bootstrap-server", sim.bootstrapServers, "--policy", policy, "--state-dir", dir,
                                               "--execute", "--output", "json"])
            let events = dir + "/" + AutoscaleStateDir.eventsName
            try await waitUntil("the scale-out ended", timeout: .seconds(180)) {
                ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").contains("\"type\":\"action-ended\"")
            }
            loop.signal(SIGTERM)
            let result = try await loop.wait(timeout: .seconds(60))
            #expect(result.status == 0, "\(result.stderr)")
            // JSON escapes "/" as "\/".
            let log = ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").replacingOccurrences(of: "\\/", with: "/")
            #expect(log.contains("succeeded"), "\(log)")
            // One add per broker ({id} goes in shell-quoted), one broker per rack.
            for id in 7...9 { #expect(log.contains("/brokers/'\(id)'/start"), "the add command of broker \(id): \(log)") }
            let state = await sim.state()
            for id: BrokerID in [7, 8, 9] {
                let held = state.snapshot.allPartitions.filter { $0.1.replicas.contains(id) }.count
                #expect(held == 4, "broker \(id) took its share: \(held)")
            }
            #expect(state.moves.isEmpty)
            let check = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(!check.stdout.contains("leftover-throttles"), "no throttle left: \(check.stdout)")
        }
    }
}
