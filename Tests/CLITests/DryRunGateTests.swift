import Foundation
import Testing
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleTestSupport
import KScaleTime

/// Every command that changes a cluster, run as an operator runs it: first without `--execute`,
/// which must send KafkaSim no mutating request and print the changes it would make, then with
/// it, which must make those changes and print the same list as sent.
@Suite(.serialized) struct DryRunGateTests {
    /// Six brokers over three racks and a seventh, empty, for scale-out; `orders` has 3 replicas
    /// per partition, and partition 0 is led by its second replica (a preferred election moves it);
    /// `logs` stays where it is in the runs below.
    static func snapshot() -> ClusterSnapshot {
        let brokers = (1...7).map { Broker(id: BrokerID($0), rack: ["a", "b", "c"][($0 - 1) % 3]) }
        let partitions = (0..<6).map { p -> PartitionState in
            let replicas = (0..<3).map { BrokerID((p + $0) % 6 + 1) }
            return PartitionState(partition: Int32(p), replicas: replicas, size: 1_000_000, isr: replicas,
                                  leader: p == 0 ? replicas[1] : replicas[0])
        }
        let logs = TopicState(name: "logs", partitions: [PartitionState(partition: 0, replicas: [1, 2, 3], size: 1_000)])
        return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: "orders", partitions: partitions), logs])
    }

    /// The changes a run printed with `prefix` ("would send: " or "sent: "), without it.
    static func changes(_ output: String, _ prefix: String) -> [String] {
        output.split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    static func mutating(_ sim: SimCluster) async -> Int { await sim.mutatingRequests().values.reduce(0, +) }

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kscale-gate-\(UUID().uuidString)-\(name)").path
    }

    static func replicas(_ sim: SimCluster) async -> [TopicPartition: [BrokerID]] {
        Dictionary(uniqueKeysWithValues: await sim.state().snapshot.allPartitions.map { ($0.0, $0.1.replicas) })
    }

    /// Replication throttles on the cluster, read through the admin client.
    static func throttles(_ sim: SimCluster) async throws -> [ThrottleAudit.Item] {
        let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        let items = try await ThrottleAudit.read(admin: client, runs: []).items
        await client.close()
        return items
    }

    /// The run of a scale-out onto broker 7 as a kscale process killed at its first poll leaves
    /// it: journaled in `dir`, its moves submitted and throttled. Returns the plan.
    static func killedRun(_ sim: SimCluster, dir: String) async throws -> ReassignmentPlan {
        let plan = try Planner.plan(snapshot(), PlanRequest(kind: .scaleOut(add: [7]), excludeTopics: "logs")).plan
        let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        let run = PlanRun(admin: DryRunAdmin(client, execute: true), clock: KilledAtFirstPoll(), bootstrap: sim.bootstrapServers)
        await #expect(throws: CancellationError.self) {
            _ = try await run.execute(plan, in: dir, options: RunOptions(throttle: 10_000_000, pollInterval: 0.2))
        }
        await client.close()
        #expect(!plan.partitions.isEmpty)
        #expect(try await !throttles(sim).isEmpty, "the killed run left its throttles")
        return plan
    }

    /// A process that dies when it first waits: after its first submissions.
    struct KilledAtFirstPoll: KScaleClock {
        func now() -> Double { 1_000_000 }
        func sleep(seconds: Double) async throws { throw CancellationError() }
    }

    /// A simulated cluster whose time moves only when the test says, so moves stay in flight.
    static func withFrozenSim(_ body: (SimCluster, ManualClock) async throws -> Void) async throws {
        let clock = ManualClock()
        try await withSimCluster(snapshot(), options: SimOptions(clock: clock)) { try await body($0, clock) }
    }

    @Test func addPartitions() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let args = ["add-partitions", "--bootstrap-server", sim.bootstrapServers, "--topic", "orders", "--to", "8", "--accept-key-remap"]
            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(await Self.mutating(sim) == 0)
            let wouldSend = Self.changes(dry.stdout, "would send: ")
            #expect(wouldSend.count == 1 && wouldSend.first?.hasPrefix("topic orders: grow to 8 partitions (orders-6: ") == true, "\(dry.stdout)")

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stderr)")
            #expect(Self.changes(real.stdout, "sent: ") == wouldSend)
            #expect(await sim.mutatingRequests() == [37: 1])
            #expect(await sim.state().topics.first { $0.name == "orders" }?.partitions.count == 8)
        }
    }

    @Test func electLeaders() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let args = ["elect-leaders", "--bootstrap-server", sim.bootstrapServers, "--all"]
            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == 0)
            #expect(Self.changes(dry.stdout, "would send: ") == ["orders-0: elect the preferred leader"], "\(dry.stdout)")

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(Self.changes(real.stdout, "sent: ") == ["orders-0: elect the preferred leader"])
            #expect(await sim.mutatingRequests() == [43: 1])
            let orders0 = await sim.state().partition(TopicPartition("orders", 0))
            #expect(orders0?.leader == orders0?.replicas.first)
        }
    }

    @Test func execute() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let planFile = Self.temporaryPath("plan.json")
            let dir = Self.temporaryPath("run")
            defer { try? FileManager.default.removeItem(atPath: planFile); try? FileManager.default.removeItem(atPath: dir) }
            let plan = try Planner.plan(Self.snapshot(), PlanRequest(kind: .scaleOut(add: [7]))).plan
            try KScaleFiles.writePlan(plan, to: planFile)
            let before = await Self.replicas(sim)
            let args = ["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile, "--state-dir", dir,
                        "--throttle", "50MB/s", "--poll-interval", "0.2"]

            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == 0)
            #expect(!FileManager.default.fileExists(atPath: dir), "a dry run writes no journal")
            // The moves the preview lists, "orders-3 [4, 5, 6]->[4, 5, 7]".
            let move = try NSRegularExpression(pattern: #"(\S+) \[[0-9, ]*\]->\["#)
            let previewed = Set(dry.stdout.split(separator: "\n").filter { $0.hasPrefix("batch ") }.flatMap { line in
                let text = String(line)
                return move.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { match in
                    Range(match.range(at: 1), in: text).map { String(text[$0]) }
                }
            })

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            // The run record's topic is created by the run (never by its dry run) and moves nothing.
            let after = await Self.replicas(sim).filter { $0.key.topic != RunRegistry.topicName }
            let moved = Set(after.filter { before[$0.key] != $0.value }.map(\.key.description))
            #expect(moved == previewed, "the dry run previewed \(previewed), --execute moved \(moved)")
            #expect(moved == Set(plan.partitions.map(\.topicPartition.description)))
            let sent = await sim.mutatingRequests()
            #expect((sent[45] ?? 0) > 0 && (sent[44] ?? 0) > 0, "reassignments and throttles were sent: \(sent)")
            #expect(real.stdout.contains(" \(plan.partitions.count) AlterPartitionReassignments"), "every move was sent once: \(real.stdout)")
            #expect(try await Self.throttles(sim).isEmpty)
        }
    }

    @Test func resume() async throws {
        try await Self.withFrozenSim { sim, clock in
            let root = Self.temporaryPath("runs"), dir = root + "/run"
            defer { try? FileManager.default.removeItem(atPath: root) }
            let plan = try await Self.killedRun(sim, dir: dir)
            let inFlight = await sim.state().moves.count
            #expect(inFlight > 0)
            let journal = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName))
            let sentBefore = await Self.mutating(sim)
            let args = ["resume", "--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--run", "run"]

            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == sentBefore)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName)) == journal, "a dry run journals nothing")
            // Reorders finish at once; the copies the killed process started are still in flight.
            #expect(dry.stdout.contains("plan: \(plan.partitions.count) partitions, \(plan.partitions.count - inFlight) already at target, \(inFlight) to move"),
                    "\(dry.stdout)")
            // `--rates`: the dry run's estimate copies each replica at its share of the throttle less
            // its partition's produce rate. The moves left share one 10 MB/s sender, 5 MB/s each, and
            // are written at 5 MB/s: with the rates, none ever catches up.
            let rated = ClusterSnapshot(brokers: [Broker(id: 1)], topics: Dictionary(grouping: plan.partitions, by: \.topic).map { topic, lines in
                TopicState(name: topic, partitions: lines.map { PartitionState(partition: $0.partition, replicas: [1], bytesInPerSec: 5_000_000) })
            })
            let ratesFile = root + "/rates.json"
            try KScaleFiles.writeSnapshot(rated, to: ratesFile)
            let preview = { (extra: [String]) async throws -> [String: Any] in
                let r = try await KScaleBinary.run(args + ["--output", "json"] + extra)
                #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
                return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            }
            let plain = try await preview([]), counted = try await preview(["--rates", ratesFile])
            let left = (plain["batches"] as? [[String: Any]])?.flatMap { $0["partitions"] as? [String] ?? [] }.sorted()
            #expect(left?.count == inFlight, "\(plain)")
            #expect(plain["never_catch_up"] as? [String] == [], "\(plain)")
            #expect(counted["never_catch_up"] as? [String] == left, "\(counted)")
            #expect(await Self.mutating(sim) == sentBefore)

            clock.advance(by: 3600)      // the moves the killed process submitted finish
            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(try RunDirectory.readState(dir).ended == "completed")
            #expect(try await Self.throttles(sim).isEmpty)
            for line in plan.partitions { #expect(await sim.state().partition(line.topicPartition)?.replicas == line.replicas) }
        }
    }

    @Test func cancel() async throws {
        try await Self.withFrozenSim { sim, _ in
            let root = Self.temporaryPath("runs"), dir = root + "/run"
            defer { try? FileManager.default.removeItem(atPath: root) }
            _ = try await Self.killedRun(sim, dir: dir)
            let inFlight = await sim.state().moves.map(\.topicPartition).sorted()
            #expect(!inFlight.isEmpty)
            let sentBefore = await Self.mutating(sim)
            let journal = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName))
            let args = ["cancel", "--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--run", "run"]

            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == sentBefore)
            #expect(try Data(contentsOf: URL(fileURLWithPath: dir + "/" + RunDirectory.journalName)) == journal, "a dry run journals nothing")
            let wouldSend = Self.changes(dry.stdout, "would send: ")
            #expect(wouldSend.filter { $0.hasSuffix("cancel the reassignment in flight") } == inFlight.map { "\($0): cancel the reassignment in flight" },
                    "\(dry.stdout)")
            #expect(wouldSend.contains { $0.contains("leader.replication.throttled.rate") }, "\(dry.stdout)")

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(Self.changes(real.stdout, "sent: ") == wouldSend)
            #expect(await sim.state().moves.isEmpty)
            #expect(try await Self.throttles(sim).isEmpty)
        }
    }

    @Test func verify() async throws {
        try await Self.withFrozenSim { sim, clock in
            let root = Self.temporaryPath("runs"), dir = root + "/run"
            let planFile = Self.temporaryPath("plan.json")
            defer { try? FileManager.default.removeItem(atPath: root); try? FileManager.default.removeItem(atPath: planFile) }
            let plan = try await Self.killedRun(sim, dir: dir)
            try KScaleFiles.writePlan(plan, to: planFile)
            clock.advance(by: 3600)      // every move finishes; the dead process never removed its throttles
            let sentBefore = await Self.mutating(sim)
            let args = ["verify", "--bootstrap-server", sim.bootstrapServers, "--plan", planFile, "--state-dir", root, "--run", "run"]

            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == sentBefore)
            let wouldSend = Self.changes(dry.stdout, "would send: ")
            #expect(!wouldSend.isEmpty && wouldSend.allSatisfy { $0.contains("throttled") }, "\(dry.stdout)")
            #expect(try await !Self.throttles(sim).isEmpty)

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(Self.changes(real.stdout, "sent: ") == wouldSend)
            #expect(try await Self.throttles(sim).isEmpty)
            #expect(try RunDirectory.readState(dir).ended == "verified")
        }
    }

    @Test func throttleClear() async throws {
        try await Self.withFrozenSim { sim, clock in
            let root = Self.temporaryPath("runs"), dir = root + "/run"
            defer { try? FileManager.default.removeItem(atPath: root) }
            _ = try await Self.killedRun(sim, dir: dir)
            clock.advance(by: 3600)      // nothing in flight: unknown throttles may go too
            // A throttle no kscale run set, as kafka-reassign-partitions.sh leaves one, on a topic the run left alone.
            let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
            _ = try await client.incrementalAlterConfigs([.topic("logs"): [ConfigChange(ThrottleKeys.leaderReplicas, .set, "0:1")]], validateOnly: false)
            await client.close()
            let sentBefore = await Self.mutating(sim)
            let args = ["throttle", "clear", "--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--include-unknown"]

            let dry = try await KScaleBinary.run(args)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(await Self.mutating(sim) == sentBefore)
            let wouldSend = Self.changes(dry.stdout, "would send: ")
            // The whole list is someone else's: deleted, not subtracted down to an empty value.
            #expect(wouldSend.contains("topic logs: delete \(ThrottleKeys.leaderReplicas)"), "\(dry.stdout)")
            #expect(wouldSend.contains { $0.contains(ThrottleKeys.leaderRate) }, "the run's rates come off too: \(dry.stdout)")

            let real = try await KScaleBinary.run(args + ["--execute"])
            #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
            #expect(Self.changes(real.stdout, "sent: ") == wouldSend)
            #expect(try await Self.throttles(sim).isEmpty)
        }
    }

    /// The scale flows' JSON report: the plans of each step, as reassignment JSON.
    static func plannedPartitions(_ output: String) throws -> Set<TopicPartition> {
        let last = try #require(output.split(separator: "\n").last)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
        let report = try #require(line["report"] as? [String: Any])
        let plans = try #require(report["plans"] as? [[String: Any]])
        var partitions = Set<TopicPartition>()
        for step in plans {
            let text = try #require(step["plan"] as? String)
            for p in try ReassignmentPlan.decode(Data(text.utf8)).partitions { partitions.insert(p.topicPartition) }
        }
        return partitions
    }

    /// Runs a scale command as a dry run, then with --execute, in a fresh state root; returns the
    /// partitions each run's report planned to move. The dry run must send and journal nothing.
    static func dryThenExecute(_ sim: SimCluster, _ command: [String]) async throws -> (dry: Set<TopicPartition>, executed: Set<TopicPartition>) {
        let root = temporaryPath("runs")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let args = command + ["--bootstrap-server", sim.bootstrapServers, "--state-dir", root, "--poll-interval", "0.2", "--output", "json", "--throttle", "50MB/s"]
        let dry = try await KScaleBinary.run(args)
        #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
        #expect(await mutating(sim) == 0)
        #expect(!FileManager.default.fileExists(atPath: root), "a dry run journals nothing")
        let real = try await KScaleBinary.run(args + ["--throttle", "50MB/s", "--execute"])
        #expect(real.status == 0, "\(real.stdout)\(real.stderr)")
        #expect((await sim.mutatingRequests()[AdminMutation.API.alterPartitionReassignments.rawValue] ?? 0) > 0)
        return (try plannedPartitions(dry.stdout), try plannedPartitions(real.stdout))
    }

    @Test func scaleOut() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let before = await Self.replicas(sim)
            let (dry, executed) = try await Self.dryThenExecute(sim, ["scale-out", "--add-brokers", "7"])
            #expect(!dry.isEmpty && executed == dry)
            let after = await Self.replicas(sim).filter { $0.key.topic != RunRegistry.topicName }   // created by the run
            #expect(Set(after.filter { before[$0.key] != $0.value }.map(\.key)) == dry, "--execute moved what the dry run planned")
        }
    }

    @Test func scaleIn() async throws {
        try await withSimCluster(Self.snapshot()) { sim in
            let onSix = Set(await Self.replicas(sim).filter { $0.value.contains(6) }.map(\.key))
            let (dry, executed) = try await Self.dryThenExecute(sim, ["scale-in", "--remove-brokers", "6"])
            #expect(dry == onSix && executed == onSix)
            #expect(await Self.replicas(sim).values.allSatisfy { !$0.contains(6) })
        }
    }
}
