import ArgumentParser
import Foundation
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleIO

/// `kscale rehearse`: a plan executed against a simulated copy of a snapshot, in this process, on
/// stepped simulated time, and measured against the bound. The step before `execute`.
struct RehearseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rehearse",
        abstract: "Run a plan against a simulated copy of a snapshot on stepped time and compare its duration with the bound.",
        discussion: helpDiscussion("The run is the one execute makes (journal, throttles, pacing, the run record), against KafkaSim built from the snapshot in this process: simulated time jumps from poll to poll, so hours of copying take seconds. It prints the simulated duration, the bound (max over brokers of (bytes in, bytes out) / throttle), their ratio, which broker limits the finish, per-broker bytes in and out over the run, and the peak number of partitions under-replicated and under min ISR. Partitions with bytes_in_per_sec in the snapshot keep growing during the run. Nothing is sent to any cluster.", examples: [
            "kscale rehearse --snapshot snap.json --plan plan.json --throttle 50MB/s",
            "kscale rehearse --snapshot snap.json.zst --plan plan.json --throttle 50MB/s --max-in-flight-per-broker 10 --output json",
        ])
    )

    @Option(name: .long, help: "The cluster to rehearse on: a snapshot (kscale snapshot; .zst accepted).")
    var snapshot: String
    @Option(name: .long, help: "The plan, Kafka's reassignment JSON (.zst accepted).")
    var plan: String
    @OptionGroup var pacing: PacingOptions
    @Flag(name: .long, help: "Run the plan over partitions that moved since it was made (refused otherwise, naming them).")
    var allowDrift = false
    @Option(name: .long, help: "Network rate of a simulated broker whose snapshot entry names none.")
    var brokerNetwork = "125MB/s"

    func run() async throws {
        try await runExecCommand {
            let options = try pacing.options()
            let network = try parseRateOption(brokerNetwork, "--broker-network")
            guard network > 0 else { throw InvalidInput("--broker-network must be positive") }
            let snapshot = try KScaleFiles.readSnapshot(self.snapshot)
            let plan = try KScaleFiles.readPlan(self.plan)
            let report = try await Rehearsal.run(plan, snapshot: snapshot, cluster: { snapshot, clock in
                try SimAdmin(snapshot: snapshot, clock: clock, brokerNetworkBytesPerSec: network)
            }, options: options, drift: allowDrift ? .allow : .refuse)
            if pacing.output == .json {
                try printJSON(report)
            } else {
                print(Self.render(report))
            }
            if !report.finished || !report.failed.isEmpty { throw ExitCode(ExecExit.notFinished) }
        }
    }

    /// Columns of the per-broker table over the run.
    static let tableMoments = 4

    static func render(_ r: Rehearsal.Report) -> String {
        var lines: [String] = []
        lines.append("rehearsal on stepped simulated time: \(r.partitions) partitions, \(ByteUnits.format(r.bytes)) to copy, throttle \(ByteUnits.formatRate(r.throttle))")
        if r.ingestingPartitions > 0 { lines.append("ingest: \(r.ingestingPartitions) partitions keep growing at their bytes_in_per_sec during the run") }
        lines.append("simulated duration: \(DurationText.format(r.simulatedSeconds)) (\(Int(r.simulatedSeconds.rounded())) s)\(r.finished ? "" : ", STOPPED at the rehearsal's deadline with moves unfinished")")
        if let b = r.boundBroker {
            lines.append("bound: \(DurationText.format(r.boundSeconds)) (\(Int(r.boundSeconds.rounded())) s): broker \(b.broker) \(b.direction == .into ? "takes in" : "sends") \(ByteUnits.format(b.bytes)) at \(ByteUnits.formatRate(r.throttle))")
        } else {
            lines.append("bound: 0 s (nothing to copy)")
        }
        lines.append(String(format: "ratio to the bound: %.3f", r.ratio))
        if let l = r.limitingBroker {
            lines.append("limits the finish: broker \(l.broker) (\(l.direction == .into ? "bytes in" : "bytes out"), its own bound \(Int(l.boundSeconds.rounded())) s, last copy ended at \(Int((l.lastActiveSeconds ?? 0).rounded())) s)")
        }
        lines.append("peak during the run: \(r.peakUnderReplicated) partitions under-replicated, \(r.peakUnderMinISR) under min ISR (\(r.healthSamples) readings of the cluster)\(r.unknownMinISR > 0 ? "; \(r.unknownMinISR) partitions of unknown min ISR not counted" : "")")
        lines.append("partitions: \(r.done) done, \(r.failed.count) failed")
        for (partition, why) in r.failed.sorted(by: { $0.key < $1.key }) { lines.append("  \(partition): \(why)") }
        // A few moments of the timeline: bytes copied in/out per broker so far.
        let step = max(1, r.timeline.count / tableMoments)
        let moments = r.timeline.indices.filter { ($0 + 1) % step == 0 }.suffix(tableMoments).map { r.timeline[$0] }
        var table = TextTable(["broker", "in/out planned", "bound"] + moments.map { "at \(Int($0.seconds.rounded())) s" } + ["last active"])
        for b in r.brokers {
            var row = ["\(b.broker)", "\(ByteUnits.format(b.plannedIn))/\(ByteUnits.format(b.plannedOut))", "\(Int(b.boundSeconds.rounded())) s"]
            for moment in moments {
                let at = moment.brokers.first { $0.broker == b.broker }
                row.append("\(ByteUnits.format(at?.bytesIn ?? 0))/\(ByteUnits.format(at?.bytesOut ?? 0))")
            }
            row.append(b.lastActiveSeconds.map { "\(Int($0.rounded())) s" } ?? "-")
            table.add(row)
        }
        lines.append("bytes copied in/out per broker:")
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }
}
