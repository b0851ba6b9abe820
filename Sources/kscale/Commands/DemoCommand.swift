import ArgumentParser
import Foundation
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTime

/// `kscale demo`: the README's first command. A simulated cluster in this process, scaled out from
/// six brokers to nine with a throttled, paced run, verified, and the balance shown before and after.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Scale out a simulated 6-broker cluster onto 3 new brokers, end to end (no Kafka needed).",
        discussion: helpDiscussion("", examples: [
            "kscale demo",
            "kscale demo --time-scale 50 --data-scale 4 --max-in-flight-per-broker 10",
            "kscale demo --benchmark --output json",
        ])
    )

    @Option(name: .long, help: "Simulated seconds per wall-clock second.")
    var timeScale: Double = 12
    @Option(name: .long, help: "Replication throttle per broker.")
    var throttle = "50MB/s"
    @OptionGroup var output: OutputOptions
    @Option(name: .long, help: "Multiply every partition's size (4 gives a scale-out copying over 100 GB).")
    var dataScale: Int64 = 1
    @Option(name: .long, help: "Seconds (simulated) between the executor's polls.")
    var pollInterval: Double = 5
    @OptionGroup var inFlight: InFlightOptions
    @Option(name: .long, help: "smallest-first, largest-first or risk-first.")
    var order: String = MoveOrder.largestFirst.rawValue
    @Flag(name: .long, help: "Benchmark mode: step simulated time with the executor's polls (no waiting) and report the run time against max over brokers of (bytes in, bytes out) / throttle.")
    var benchmark = false

    /// Six brokers over three racks holding three topics (about 66 GB of replicas), and brokers
    /// 7-9 registered and empty: the moment after new brokers joined a cluster.
    static func snapshot(dataScale: Int64 = 1) -> ClusterSnapshot {
        let brokers = (1...9).map { Broker(id: BrokerID($0), rack: "rack-\(["a", "b", "c"][($0 - 1) % 3])") }
        func topic(_ name: String, _ count: Int, rf: Int, size: Int64) -> TopicState {
            var parts: [PartitionState] = []
            for p in 0..<count {
                // Consecutive brokers sit on different racks, so RF <= 3 is rack-aware.
                var replicas: [BrokerID] = []
                for k in 0..<rf { replicas.append(BrokerID((p + k) % 6 + 1)) }
                parts.append(PartitionState(partition: Int32(p), replicas: replicas, size: (size + Int64(p % 5) * size / 10) * dataScale))
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
            let rate = try parseRateOption(throttle, "--throttle")
            let json = output.format == .json
            func say(_ s: String) { if !json { print(s) } }
            guard let order = MoveOrder(rawValue: order) else { throw InvalidInput("--order \"\(order)\" is not one of \(MoveOrder.allCases.map(\.rawValue).joined(separator: ", "))") }
            guard dataScale >= 1 else { throw InvalidInput("--data-scale must be at least 1") }
            let snapshot = Self.snapshot(dataScale: dataScale)
            // One clock for the cluster and the executor. The benchmark's advances only when the
            // executor sleeps (by exactly its poll interval), so its duration is exact simulated time.
            let clock: any KScaleClock = benchmark ? ManualClock(autoAdvance: true) : ScaledClock(timeScale: timeScale)
            let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(timeScale: timeScale, ingestBytesPerSecPerPartition: benchmark ? 0 : 100_000, clock: clock))
            do {
                say("simulated cluster up: 9 brokers on \(sim.bootstrapServers) (\(benchmark ? "time stepped by the executor's polls" : "time x\(timeScale)")); brokers 7, 8, 9 are new and empty")
                // The demo's cluster is simulated in this process: it always executes.
                try await withAdmin(bootstrap: sim.bootstrapServers, commandConfig: nil, requestTimeout: nil, execute: true) { admin in
                    let before = await sim.state().snapshot
                    let planned = try Planner.plan(before, PlanRequest(kind: .scaleOut(add: [7, 8, 9])))
                    say("plan: scale-out onto 7, 8, 9: \(planned.plan.partitions.count) partitions, \(ByteUnits.format(planned.summary.bytesMoved)) to copy")
                    let dir = NSTemporaryDirectory() + "kscale-demo-\(UUID().uuidString)"
                    // The demo's journal is scratch: removed however the demo ends.
                    defer { try? FileManager.default.removeItem(atPath: dir) }
                    let printer = ProgressPrinter(format: output.format)
                    let options = RunOptions(throttle: rate, maxMovesPerBroker: inFlight.perBroker, maxMoves: inFlight.total, order: order, stallTimeout: 120, pollInterval: pollInterval)
                    try options.validate()
                    // The moves as they stand before the run, for the benchmark's bound.
                    let moves = benchmark ? try await Preflight.inspect(plan: planned.plan, admin: admin, additional: false).moves : []
                    say("executing with throttle \(ByteUnits.formatRate(rate)), \(pacingText(MoveScheduler(options: options, throttle: rate))), \(order.rawValue) (journal in \(dir), removed at the end)")
                    let simStart = await sim.state().timeSeconds
                    let run = PlanRun(admin: admin, clock: clock, bootstrap: sim.bootstrapServers, emit: { printer.handle($0) })
                    guard case let .finished(summary) = try await run.execute(planned.plan, in: dir, options: options, drift: .skip) else {
                        throw ExecutionError("the demo's run did not execute")
                    }
                    let simSeconds = await sim.state().timeSeconds - simStart
                    if benchmark {
                        let transfer = TransferBound(moves: moves)
                        let bound = transfer.seconds(throttle: rate)
                        print(String(format: "benchmark: %@ copied in %.0f simulated s; bound max over brokers of (bytes in, bytes out)/throttle = %.0f s (out = leader sends; with out = replica leaves: %.0f s); ratio %.3f",
                                     ByteUnits.format(summary.bytes), simSeconds, bound, transfer.leavingSeconds(throttle: rate), simSeconds / bound))
                    }
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
