import Foundation
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import Testing

/// Issue 13 item 1, "a drained broker gets data back", as the operator met it: the `kscale`
/// binary against KafkaSim (which models KIP-1066's `cordoned.log.dirs`), judged by exit codes,
/// output and what the cluster holds afterwards.
@Suite(.serialized) struct CordonCommandTests {
    /// Six brokers over racks a, b, c and a seventh, empty (rack a); `orders` has 3 replicas per partition.
    static func snapshot() -> ClusterSnapshot {
        let brokers = (1...7).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3]) }
        let partitions = (0..<6).map { p -> PartitionState in
            let replicas = (0..<3).map { BrokerID((p + $0) % 6 + 1) }
            return PartitionState(partition: Int32(p), replicas: replicas, size: 1_000_000)
        }
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions)])
    }

    static let key = ClusterObservation.cordonKey

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kscale-cordon-\(UUID().uuidString)-\(name)").path
    }

    /// Sets or reads a broker's cordon through the admin client, as `kafka-configs` would.
    static func withClient<T>(_ sim: SimCluster, _ body: (KafkaAdminClient) async throws -> T) async throws -> T {
        let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        do {
            let result = try await body(client)
            await client.close()
            return result
        } catch {
            await client.close()
            throw error
        }
    }

    static func cordonBroker(_ broker: BrokerID, _ sim: SimCluster) async throws {
        let failed = try await withClient(sim) { try await $0.incrementalAlterConfigs([.broker(broker): [ConfigChange(key, .set, "*")]], validateOnly: false) }
        #expect(failed.isEmpty)
    }

    static func cordon(of broker: BrokerID, _ sim: SimCluster) async throws -> String {
        try await withClient(sim) { try await $0.describeConfigs([.broker(broker)])[.broker(broker)]?.first { $0.name == key }?.value ?? "" }
    }

    static func replicas(on broker: BrokerID, _ sim: SimCluster) async -> Int {
        await sim.state().snapshot.allPartitions.filter { $0.1.replicas.contains(broker) }.count
    }

    static func mutating(_ sim: SimCluster) async -> Int { await sim.mutatingRequests().values.reduce(0, +) }

    /// The report, end to end: drain broker 4 (SAFE TO STOP, left cordoned), start broker 7, then
    /// scale out onto it with --execute. Broker 4 must stay empty, and `check` must say it is cordoned.
    @Test func aDrainedBrokerGetsNoDataBackFromAScaleOut() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            try await sim.engine.withModel { m, t in try m.unregisterBroker(7, at: t) }     // not started yet
            let root = Self.temporaryPath("runs")
            defer { try? FileManager.default.removeItem(atPath: root) }
            let common = ["--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--poll-interval", "0.2", "--throttle", "50MB/s", "--execute"]
            let drain = try await KScaleBinary.run(["drain", "--remove-brokers", "4"] + common)
            #expect(drain.status == 0, "\(drain.stdout)\(drain.stderr)")
            #expect(drain.stdout.contains("broker 4: SAFE TO STOP"), "\(drain.stdout)")
            #expect(try await Self.cordon(of: 4, sim) == "*")

            try await sim.engine.withModel { m, t in
                try m.registerBroker(7, at: t)
                try m.startBroker(7, at: t)
            }
            let out = try await KScaleBinary.run(["scale-out", "--add-brokers", "7"] + common)
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(await Self.replicas(on: 7, sim) > 0)
            #expect(await Self.replicas(on: 4, sim) == 0, "the scale-out gave broker 4 data back: \(out.stdout)")

            let check = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            let report = try JSONSerialization.jsonObject(with: Data(check.stdout.utf8)) as? [String: Any]
            let brokers = report?["brokers"] as? [[String: Any]] ?? []
            #expect(brokers.first { $0["id"] as? Int == 4 }?["cordoned"] as? Bool == true, "\(check.stdout)")
            #expect(brokers.first { $0["id"] as? Int == 7 }?["cordoned"] as? Bool == false)
            let findings = report?["findings"] as? [[String: Any]] ?? []
            #expect(findings.contains { $0["check"] as? String == "cordoned" && ($0["brokers"] as? [Int]) == [4] }, "\(check.stdout)")
        }
    }

    @Test func checkAndDescribeShowTheCordonAndCheckWarnsWhenACordonedBrokerHoldsReplicas() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            try await Self.cordonBroker(2, sim)
            let check = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers])
            #expect(check.status == 1, "a warning: \(check.stdout)\(check.stderr)")
            #expect(check.stdout.contains("cordoned-holds-replicas: broker 2 is cordoned (cordoned.log.dirs) but holds 3 replicas"), "\(check.stdout)")
            let header = check.stdout.split(separator: "\n").first.map(String.init) ?? ""
            #expect(header.hasSuffix("cordoned"), "\(header)")
            let row = check.stdout.split(separator: "\n").first { $0.hasPrefix("2 ") }.map(String.init) ?? ""
            #expect(row.hasSuffix("yes"), "\(row)")

            let describe = try await KScaleBinary.run(["describe", "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(describe.status == 0, "\(describe.stderr)")
            let summary = try JSONSerialization.jsonObject(with: Data(describe.stdout.utf8)) as? [String: Any]
            let cordoned = (summary?["brokers"] as? [[String: Any]] ?? []).filter { $0["cordoned"] as? Bool == true }.compactMap { $0["id"] as? Int }
            #expect(cordoned == [2])
            let text = try await KScaleBinary.run(["describe", "--bootstrap-server", sim.bootstrapServers])
            #expect(text.stdout.split(separator: "\n").contains { $0.hasPrefix("2 ") && $0.hasSuffix("yes") }, "\(text.stdout)")
        }
    }

    /// `kscale snapshot` records the cordon, and an offline plan from the file keeps new replicas
    /// off the cordoned broker (it may still move replicas off it).
    @Test func theSnapshotRecordsTheCordonAndOfflinePlansKeepOffIt() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            try await Self.cordonBroker(7, sim)
            let path = Self.temporaryPath("snapshot.json")
            defer { try? FileManager.default.removeItem(atPath: path) }
            let s = try await KScaleBinary.run(["snapshot", "--bootstrap-server", sim.bootstrapServers, "--out", path])
            #expect(s.status == 0, "\(s.stderr)")
            let written = try KScaleFiles.readSnapshot(path)
            #expect(written.cordonedBrokers == [7])
            #expect(try String(contentsOfFile: path, encoding: .utf8).components(separatedBy: "\"cordoned\":true").count == 2)

            let plan = try await KScaleBinary.run(["plan", "rebalance", "--snapshot", path])
            #expect(plan.status == 0, "\(plan.stderr)")
            #expect(plan.stderr.contains("note: brokers 7 are cordoned in the snapshot: the plan puts no new replica on them"), "\(plan.stderr)")
            // Brokers 1-6 hold 3 replicas each: without the cordon the rebalance would fill empty broker 7.
            let moved = try ReassignmentPlan.decode(Data(plan.stdout.utf8))
            #expect(moved.partitions.allSatisfy { !$0.replicas.contains(7) }, "\(plan.stdout)")

            // Adding the cordoned broker is the operator's choice: planned onto, with a note to uncordon first.
            let out = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", path, "--add-brokers", "7"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(try ReassignmentPlan.decode(Data(out.stdout.utf8)).partitions.contains { $0.replicas.contains(7) })
            #expect(out.stderr.contains("kscale uncordon --brokers 7 --execute"), "\(out.stderr)")

            let serving = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", path, "--add-brokers", "3"])
            #expect(serving.status == 2, "\(serving.stdout)\(serving.stderr)")
            #expect(serving.stderr.contains("broker 3 holds 3 replicas"), "\(serving.stderr)")
        }
    }

    @Test func uncordonIsADryRunUnlessExecutedAndRefusesUnknownBrokers() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            try await Self.cordonBroker(4, sim)
            let before = await Self.mutating(sim)
            let dry = try await KScaleBinary.run(["uncordon", "--bootstrap-server", sim.bootstrapServers, "--brokers", "4,5"])
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(dry.stdout.contains("dry run: would uncordon brokers 4"), "\(dry.stdout)")
            #expect(dry.stdout.contains("would send: broker 4: delete cordoned.log.dirs"), "\(dry.stdout)")
            #expect(dry.stdout.contains("brokers 5 are not cordoned"), "\(dry.stdout)")
            #expect(await Self.mutating(sim) == before)
            #expect(try await Self.cordon(of: 4, sim) == "*")

            let unknown = try await KScaleBinary.run(["uncordon", "--bootstrap-server", sim.bootstrapServers, "--brokers", "4,42", "--execute"])
            #expect(unknown.status == 2, "\(unknown.stdout)\(unknown.stderr)")
            #expect(unknown.stderr.contains("unknown brokers 42"), "\(unknown.stderr)")
            #expect(await Self.mutating(sim) == before)
            #expect(try await Self.cordon(of: 4, sim) == "*")

            let done = try await KScaleBinary.run(["uncordon", "--bootstrap-server", sim.bootstrapServers, "--brokers", "4", "--execute"])
            #expect(done.status == 0, "\(done.stdout)\(done.stderr)")
            #expect(done.stdout.contains("sent: broker 4: delete cordoned.log.dirs"), "\(done.stdout)")
            #expect(try await Self.cordon(of: 4, sim) == "")
        }
    }

    @Test func scaleOutOfABrokerThatHoldsReplicasIsRefusedWithNothingChanged() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let before = await sim.state().snapshot.topics
            let r = try await KScaleBinary.run(["scale-out", "--bootstrap-server", sim.bootstrapServers, "--add-brokers", "7,3", "--throttle", "50MB/s", "--execute"])
            #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("error: refused: refusing to add brokers 7,3: broker 3 holds 3 replicas"), "\(r.stderr)")
            #expect(await Self.mutating(sim) == 0)
            #expect(await sim.state().snapshot.topics == before)
        }
    }
}
