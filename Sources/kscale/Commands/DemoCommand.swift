import ArgumentParser
import Foundation
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec

/// `kscale demo`: the README's first command. A simulated cluster in this process, scaled out from
/// six brokers to nine with a throttled, paced run, verified, and the balance shown before and after.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Scale out a simulated 6-broker cluster onto 3 new brokers, end to end (no Kafka needed)."
    )

    @Option(name: .long, help: "Simulated seconds per wall-clock second.")
    var timeScale: Double = 12
    @Option(name: .long, help: "Replication throttle per broker.")
    var throttle = "50MB/s"
    @Option(name: .long, help: "text or json (the run's events, one per line).")
    var output: OutputFormat = .text

    /// Six brokers over three racks holding three topics (about 66 GB of replicas), and brokers
    /// 7-9 registered and empty: the moment after new brokers joined a cluster.
    static func snapshot() -> ClusterSnapshot {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "rack-\(["a", "b", "c"][($0 - 1) % 3])") }
        func topic(_ name: String, _ count: Int, rf: Int, size: Int64) -> TopicState {
            var parts: [PartitionState] = []
            for p in 0..<count {
                // Consecutive brokers sit on different racks, so RF <= 3 is rack-aware.
                var replicas: [BrokerID] = []
                for k in 0..<rf { replicas.append(BrokerID((p + k) % 6 + 1)) }
                parts.append(PartitionState(partition: Int32(p), replicas: replicas, size: size + Int64(p % 5) * size / 10))
            }
            return TopicState(name: name, partitions: parts, configs: ["min.insync.replicas": String(max(1, rf - 1))])
        }
        return ClusterSnapshot(brokers: brokers, topics: [
            topic("orders", 24, rf: 3, size: 400_000_000),
            topic("payments", 12, rf: 3, size: 800_000_000),
            topic("clickstream", 16, rf: 2, size: 250_000_000),
        ])
    }

    func run() async throws {
        try await runExecCommand {
            guard timeScale > 0 else { throw InvalidInput("--time-scale must be positive") }
            let rate = try ByteUnits.parseRate(throttle)
            let json = output == .json
            func say(_ s: String) { if !json { print(s) } }
            let snapshot = Self.snapshot()
            let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(timeScale: timeScale, ingestBytesPerSecPerPartition: 100_000))
            do {
                say("simulated cluster up: 9 brokers on \(sim.bootstrapServers) (time x\(timeScale)); brokers 7, 8, 9 are new and empty")
                try await withAdmin(bootstrap: sim.bootstrapServers, commandConfig: nil) { admin in
                    let before = await sim.state().snapshot
                    let planned = try Planner.plan(before, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
                    let s = planned.summary
                    say("plan: scale-out onto 7, 8, 9: \(planned.plan.partitions.count) partitions, \(ByteUnits.format(bytesMoved(planned.plan, before))) to copy")
                    _ = s
                    let dir = NSTemporaryDirectory() + "kscale-demo-\(UUID().uuidString)"
                    let printer = ProgressPrinter(format: output)
                    let exec = try ReassignmentExecutor(admin: admin, journal: Journal(path: dir + "/" + RunDirectory.journalName),
                                                        clock: ScaledWallClock(scale: timeScale), emit: { printer.handle($0) })
                    exec.progressFile = dir + "/progress.json"
                    let options = RunOptions(throttle: rate, maxMovesPerBroker: 5, maxMoves: 100, order: .largestFirst, stallTimeout: 120, pollInterval: 5)
                    let inspection = try await Preflight.inspect(plan: planned.plan, admin: admin, additional: false)
                    say("executing with throttle \(ByteUnits.formatRate(rate)), at most 5 moves per broker (journal in \(dir))")
                    let summary = try await exec.execute(inspection, options: options, bootstrap: sim.bootstrapServers, commandConfig: nil)
                    let verify = try await VerifyReport.check(plan: planned.plan, admin: admin)
                    let left = try await ThrottleAudit.read(admin: admin, runs: [dir]).items.count
                    say("verify: \(verify.atTarget.count) of \(planned.plan.partitions.count) partitions at target; throttles left on the cluster: \(left)")
                    guard summary.failed.isEmpty, verify.complete, left == 0 else {
                        throw ExecutionError("the demo run did not finish cleanly (\(summary.failed.count) failed, \(verify.inFlight.count) in flight, \(left) throttles left)")
                    }
                    let after = await sim.state().snapshot
                    if !json { print(balanceTable(before: before, after: after)) }
                }
            } catch {
                await sim.shutdown()
                throw error
            }
            await sim.shutdown()
            say("done: the simulated cluster is shut down. Try `kscale sim` to rehearse against one that stays up.")
        }
    }

    private func bytesMoved(_ plan: ReassignmentPlan, _ s: ClusterSnapshot) -> Int64 {
        var size: [TopicPartition: Int64] = [:]
        var current: [TopicPartition: [BrokerID]] = [:]
        for (tp, p) in s.allPartitions { size[tp] = p.size ?? 0; current[tp] = p.replicas }
        return plan.partitions.reduce(0) { acc, line in
            let from = current[line.topicPartition] ?? []
            return acc + Int64(line.replicas.filter { !from.contains($0) }.count) * (size[line.topicPartition] ?? 0)
        }
    }

    private func balanceTable(before: ClusterSnapshot, after: ClusterSnapshot) -> String {
        let b = Dictionary(uniqueKeysWithValues: BrokerBalance.of(before).map { ($0.broker, $0) })
        var table = TextTable(["broker", "rack", "replicas before", "after", "leaders before", "after", "bytes before", "after"])
        for a in BrokerBalance.of(after) {
            let x = b[a.broker]
            table.add(["\(a.broker)", a.rack ?? "-", "\(x?.replicas ?? 0)", "\(a.replicas)", "\(x?.leaders ?? 0)", "\(a.leaders)",
                       ByteUnits.format(x?.bytes ?? 0), ByteUnits.format(a.bytes)])
        }
        return table.render()
    }
}
