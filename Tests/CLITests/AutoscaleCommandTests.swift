import Foundation
import KScaleCore
import KScaleIO
import KScaleTestSupport
import Testing

/// `kscale autoscale validate` and `kscale autoscale --once` end to end through the binary.
@Suite struct AutoscaleCommandTests {
    static func file(_ name: String, _ text: String) throws -> String {
        let directory = NSTemporaryDirectory() + "kscale-autoscale-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static let policy = """
        brokers: {min: 3, max: 12}
        step: {out: 3, in: 1}
        cooldown: {out: 15m, in: 1h}
        evaluation: {interval: 1m, window: 10m}
        signals:
          network_in: {out_above: 70%, in_below: 30%}
          network_out: {out_above: 70%, in_below: 30%}
        schedule:
          - {cron: "0 8 * * MON-FRI", timezone: Europe/Berlin, min: 6}
          - {cron: "0 18 * * MON-FRI", timezone: Europe/Berlin, min: 3}
        """

    /// Six brokers on racks a, b, c, 100 MB/s in and out each; one RF-3 partition per broker
    /// producing `produced` bytes/s (so each broker takes 3 x `produced` in).
    static func snapshot(produced: Int64) throws -> String {
        let capacity: Int64 = 100_000_000
        let brokers = (1...6).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3], networkInCapacity: capacity, networkOutCapacity: capacity) }
        let partitions = (0..<6).map { index in
            PartitionState(partition: Int32(index), replicas: [1, 2, 3, 4, 5, 6].rotated(by: index).prefix(3).map { $0 }, size: 1_000,
                           leader: BrokerID(index + 1), bytesInPerSec: produced, bytesOutPerSec: 0)
        }
        let path = try file("cluster-\(produced).json", "")
        try KScaleFiles.writeSnapshot(ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "t", partitions: partitions)]), to: path)
        return path
    }

    @Test func aGoodPolicyValidates() async throws {
        let path = try Self.file("policy.yaml", Self.policy)
        let result = try await KScaleBinary.run(["autoscale", "validate", "--policy", path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("is valid: brokers 3..12, 2 signals, 2 schedule entries"))
    }

    @Test func aBadPolicyNamesEveryProblemWithItsLine() async throws {
        let path = try Self.file("bad.yaml", """
            brokers: {min: 12, max: 3}
            cooldown: {out: 15 minutes}
            signals:
              network_in: {out_above: 70%, in_below: 30%}
            schedule:
              - {cron: "0 8 * * MON-FRI", timezone: Europe/Atlantis, desired: 6}
            provisioner: {kind: command, add: "add.sh {id}"}
            """)
        let result = try await KScaleBinary.run(["autoscale", "validate", "--policy", path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        for expected in ["line 1: brokers.min: min 12 is above max 3", "line 2: cooldown.out:", "line 6: schedule[0].timezone:",
                         "line 6: schedule: an entry sets desired", "line 7: provisioner.remove: is required"] {
            #expect(result.stderr.contains(expected), "missing \(expected) in \(result.stderr)")
        }
        #expect(result.stderr.hasPrefix("error: bad input: policy \(path) has 5 problems:"))
        let missing = try await KScaleBinary.run(["autoscale", "validate", "--policy", path + ".absent"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read policy file"))
    }

    @Test func onceOverAHotSnapshotPrintsAScaleOutDecision() async throws {
        let policy = try Self.file("policy.yaml", Self.policy)
        // 25 MB/s produced x 3 replicas per broker: 75% in on every broker.
        let hot = try Self.snapshot(produced: 25_000_000)
        let result = try await KScaleBinary.run(["autoscale", "--once", "--policy", policy, "--snapshot", hot,
                                                 "--now", "2026-12-01T12:00:00Z", "--output", "json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try KScaleBinary.json(result)
        #expect(json["action"] as? String == "scale-out")
        #expect(json["count"] as? Int == 3)
        let brokers = try #require(json["brokers"] as? [[String: Any]])
        #expect(brokers.compactMap { $0["id"] as? Int } == [7, 8, 9])
        #expect(brokers.compactMap { $0["rack"] as? String } == ["a", "b", "c"])
        let reason = try #require(json["reason"] as? [String: Any])
        #expect((reason["summary"] as? String)?.contains("network_in above out_above") == true)
        let signals = try #require(json["signals"] as? [String: [String: Any]])
        #expect(signals["network_in"]?["value"] as? Double == 0.75)
        #expect(signals["network_in"]?["state"] as? String == "above")
        #expect(signals["network_out"]?["state"] as? String == "between")
        #expect((json["blocked_by"] as? [Any])?.isEmpty == true)
        #expect(json["next_evaluation"] as? String == "2026-12-01T12:01:00Z")
    }

    @Test func onceHonoursTheCooldownAndAWindowOfSeveralSnapshots() async throws {
        let policy = try Self.file("policy.yaml", Self.policy)
        let hot = try Self.snapshot(produced: 25_000_000)
        let calm = try Self.snapshot(produced: 15_000_000)
        let cooling = try await KScaleBinary.run(["autoscale", "--once", "--policy", policy, "--snapshot", hot, "--now", "2026-12-01T12:00:00Z",
                                                  "--last-action-end", "2026-12-01T11:50:00Z", "--output", "json"])
        #expect(cooling.status == 0, "\(cooling.stderr)")
        let blocked = try KScaleBinary.json(cooling)
        #expect(blocked["action"] as? String == "none")
        let blocks = try #require(blocked["blocked_by"] as? [[String: Any]])
        #expect(blocks.first?["kind"] as? String == "cooldown")
        #expect(blocks.first?["until"] as? String == "2026-12-01T12:05:00Z")
        // A calm sample (45%) then a hot one: not above for the whole window.
        let spike = try await KScaleBinary.run(["autoscale", "--once", "--policy", policy, "--snapshot", calm, "--snapshot", hot,
                                                "--now", "2026-12-01T12:00:00Z"])
        #expect(spike.status == 0, "\(spike.stderr)")
        #expect(spike.stdout.hasPrefix("decision: none\n"))
        #expect(spike.stdout.contains("network_in"))
        #expect(spike.stdout.contains("45% 75%"))
        #expect(spike.stdout.contains("changes nothing"))
    }

    @Test func theLoopNeedsACluster() async throws {
        let policy = try Self.file("policy.yaml", Self.policy)
        let result = try await KScaleBinary.run(["autoscale", "--policy", policy])
        #expect(result.status == 2)
        #expect(result.stderr.contains("needs --bootstrap-server"))
        let badNow = try await KScaleBinary.run(["autoscale", "--once", "--policy", policy, "--snapshot", policy, "--now", "tomorrow"])
        #expect(badNow.status == 2)
        let executeOverSnapshots = try await KScaleBinary.run(["autoscale", "--once", "--policy", policy, "--snapshot", policy, "--execute"])
        #expect(executeOverSnapshots.status == 2)
        #expect(executeOverSnapshots.stderr.contains("--execute needs a cluster"))
    }

    @Test func pauseStatusAndResumeOnAStateDir() async throws {
        let dir = NSTemporaryDirectory() + "kscale-autoscale-cli-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let fresh = try await KScaleBinary.run(["autoscale", "status", "--state-dir", dir, "--output", "json"])
        #expect(fresh.status == 0, "\(fresh.stderr)")
        #expect(try KScaleBinary.json(fresh)["paused"] as? Bool == false)
        let paused = try await KScaleBinary.run(["autoscale", "pause", "--state-dir", dir, "--reason", "maintenance window"])
        #expect(paused.status == 0, "\(paused.stderr)")
        let status = try await KScaleBinary.run(["autoscale", "status", "--state-dir", dir])
        #expect(status.stdout.contains("PAUSED") && status.stdout.contains("maintenance window"))
        #expect(status.stdout.contains("autoscaler: not running"))
        let json = try KScaleBinary.json(try await KScaleBinary.run(["autoscale", "status", "--state-dir", dir, "--output", "json"]))
        #expect(json["paused"] as? Bool == true && json["paused_reason"] as? String == "maintenance window")
        let resumed = try await KScaleBinary.run(["autoscale", "resume", "--state-dir", dir])
        #expect(resumed.stdout.contains("resumed (it was paused: maintenance window)"))
        let after = try KScaleBinary.json(try await KScaleBinary.run(["autoscale", "status", "--state-dir", dir, "--output", "json"]))
        #expect(after["paused"] as? Bool == false)
    }
}

private extension Array {
    /// The elements from `offset` on, then the ones before it.
    func rotated(by offset: Int) -> [Element] { Array(self[offset...] + self[..<offset]) }
}
