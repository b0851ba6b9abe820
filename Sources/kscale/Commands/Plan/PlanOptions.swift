import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleView

/// Options every `kscale plan` subcommand shares, and the one place that runs the planner and
/// writes its outputs, so the four subcommands differ only in the request they build.
struct PlanOptions: ParsableArguments {
    @Option(help: "Cluster snapshot (kafka-cluster-v1 JSON; .zst is zstd-compressed).")
    var snapshot: String

    @Option(help: ArgumentHelp("Broker network (and disk) capacities: kscale's JSON or Cruise Control's capacity.json (docs/planner.md, Load).",
                               valueName: "file"))
    var brokerCapacity: String?

    @Option(help: ArgumentHelp("Write the plan here (Kafka reassignment JSON; .zst is zstd-compressed). Default: stdout, with the summary on stderr. (Was --output FILE, deprecated.)",
                               valueName: "file"))
    var out: String?

    @Option(help: "Write the rollback (the current assignment of the same partitions) here.")
    var rollback: String?

    /// `--output text|json`: the summary's format (a file name there is the deprecated spelling of `--out`).
    @OptionGroup var output: FormatOrFileOutputOptions

    @Option(name: .customLong("summary"), help: .hidden)
    var deprecatedSummary: OutputFormat?

    @Option(help: "At most this many replica moves (the best balance within the budget).")
    var maxMoves: Int?

    @Option(help: "At most this many bytes copied, e.g. 500GB or 1.5TiB.")
    var maxBytes: String?

    @Option(help: ArgumentHelp("Balance plans: spend moves beyond the count bound (at most a tenth more) to bring bytes max/min within this ratio, within each balance group, e.g. 1.05; the summary reports the trade.",
                               valueName: "ratio"))
    var byteTolerance: Double?

    @Option(help: ArgumentHelp("Hard limit: no broker ends above this share of its disk (disk_total_bytes), or the plan is refused naming it (default 85%).",
                               valueName: "percent"))
    var maxDisk: String?

    @Option(help: ArgumentHelp("Hard limit: no broker ends above this share of its network capacity, in or out (--broker-capacity), or the plan is refused naming it (default 80%).",
                               valueName: "percent"))
    var maxNetwork: String?

    @OptionGroup var placement: PlacementOptions

    @Option(help: "Estimate the run at this replication throttle per broker, e.g. 50MB/s (execute takes its own).")
    var throttle: String?

    @Option(help: "Also write a self-contained HTML report of the plan (charts, moves by broker pair, estimate) to this file.")
    var html: String?

    @OptionGroup var inputLimit: InputLimitOptions

    func validate() throws {
        try Deprecation.alias("--summary", of: "--output", old: deprecatedSummary, new: output.givenFormat, meaning: "the summary's format")
    }

    /// The summary's format: `--output`, or the deprecated `--summary`.
    var summaryFormat: OutputFormat { deprecatedSummary ?? output.format }

    /// Plans and writes everything; nothing is written when planning fails.
    func run(_ kind: PlanKind, newBrokerRacks: [BrokerID: String] = [:]) async throws {
        try await run(cordonKind: kind) { snap in
            let maxBytesValue = try maxBytes.map(ByteUnits.parseSize)
            if let m = maxMoves, m < 0 { throw InvalidInput("--max-moves must be 0 or more, not \(m)") }
            if case .scaleOut(let add) = kind, let refusal = ScaleOutSafety.refusal(adding: add, in: snap) { throw refusal }
            if kind == .leaders { try refuseHardLimits(because: "a leaders plan moves no data") }
            let request = PlanRequest(kind: kind, excludeTopics: placement.excludeTopics, maxMoves: maxMoves, maxBytes: maxBytesValue,
                                      rackAware: !placement.disableRackAware, newBrokerRacks: newBrokerRacks,
                                      keepOff: snap.cordonKeepOff(for: kind), byteTolerance: byteTolerance, limits: try hardLimits())
            return try Planner.plan(snap, request)
        }
    }

    /// `--max-disk` and `--max-network`, or the defaults (`LoadLimits`).
    func hardLimits() throws -> LoadLimits {
        let network = try maxNetwork.map { try Percentage.parse($0, name: "--max-network") } ?? LoadLimits.defaultNetwork
        return LoadLimits(disk: try maxDisk.map { try Percentage.parse($0, name: "--max-disk") } ?? LoadLimits.defaultDisk,
                          networkIn: network, networkOut: network)
    }

    /// Refuses `--max-disk`/`--max-network` on a subcommand they do not apply to.
    func refuseHardLimits(because reason: String) throws {
        if let option = maxDisk.map({ _ in "--max-disk" }) ?? maxNetwork.map({ _ in "--max-network" }) {
            throw InvalidInput("\(option) does not apply here: \(reason)")
        }
    }

    /// Reads the snapshot, plans with `plan`, writes the plan, rollback, report and summary; every
    /// `plan` subcommand comes through here. `cordonKind` says which cordoned brokers the plan keeps off.
    func run(cordonKind: PlanKind, plan: (ClusterSnapshot) throws -> PlanResult) async throws {
        try await reportingErrors {
            let throttleRate = try throttle.map { try parseThrottleOption($0, "--throttle") }
            let planFile = try output.file(out: out)
            let snap = try KScaleFiles.readSnapshot(snapshot, capacities: brokerCapacity, maxBytes: try inputLimit.bytes)
            let keepOff = snap.cordonKeepOff(for: cordonKind)
            let result = try plan(snap)
            for note in cordonNotes(snap.cordonedBrokers, keptOff: keepOff) { printError("note: \(note)") }
            if let planFile {
                try KScaleFiles.writePlan(result.plan, to: planFile)
            } else {
                FileHandle.standardOutput.write(result.plan.encoded())
            }
            if let rollback { try KScaleFiles.writePlan(result.rollback, to: rollback) }
            let picture = PlanPicture.plan(result.summary, plan: result.plan, snapshot: snap, throttle: throttleRate)
            if let html { try KScaleFiles.write(Data(HTMLReport.render(picture).utf8), to: html, what: "HTML report") }
            let text = try render(result.summary, picture)
            // The plan owns stdout when it has no file; the summary then goes to stderr.
            if planFile == nil { printError(text) } else { print(text) }
        }
    }

    /// What the plan did about the snapshot's cordoned brokers, on stderr with the other notes.
    private func cordonNotes(_ cordoned: Set<BrokerID>, keptOff: Set<BrokerID>) -> [String] {
        var notes: [String] = []
        if !keptOff.isEmpty {
            notes.append("brokers \(ids(keptOff)) are cordoned in the snapshot: the plan puts no new replica on them")
        }
        let lifted = cordoned.subtracting(keptOff)
        if !lifted.isEmpty {
            notes.append("brokers \(ids(lifted)) are cordoned in the snapshot and added by this plan: lift the cordon first "
                         + "(kscale uncordon --brokers \(ids(lifted)) --execute) or Kafka may refuse replicas on them")
        }
        return notes
    }

    private func ids(_ brokers: Set<BrokerID>) -> String { brokers.sorted().map(String.init).joined(separator: ",") }

    private func render(_ s: PlanSummary, _ picture: PlanPicture) throws -> String {
        switch summaryFormat {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            return String(decoding: try encoder.encode(s), as: UTF8.self)
        case .text:
            return PlanSummaryText.render(s, picture, width: TerminalWidth.current())
        }
    }
}

/// The human summary: totals, the estimate when a throttle is given, one row per broker, then the
/// per-broker bars.
enum PlanSummaryText {
    static func render(_ s: PlanSummary, _ picture: PlanPicture, width: Int) -> String {
        let load = s.load.map(LoadColumns.init)
        var table = TextTable(["broker", "rack", "replicas", "leaders", "bytes"] + (load?.headers ?? []))
        for b in s.brokers {
            table.add([String(b.broker), b.rack ?? "-",
                       "\(b.replicasBefore) -> \(b.replicasAfter)",
                       "\(b.leadersBefore) -> \(b.leadersAfter)",
                       "\(ByteUnits.format(b.bytesBefore)) -> \(ByteUnits.format(b.bytesAfter))"] + (load?.cells(b.broker) ?? []))
        }
        let repairs = s.rackRepairs > 0 ? ", \(s.rackRepairs) partitions moved to repair their rack placement" : ""
        var lines = ["\(s.kind): \(s.partitionsInPlan) partitions in plan, \(s.replicasMoved) replicas moved (\(ByteUnits.format(s.bytesMoved))), \(s.leadersChanged) preferred leaders changed\(repairs)"]
        if let trade = s.byteTrade { lines.append(byteTradeLine(trade)) }
        if let stages = s.diskPeakStages, stages > 1 {
            lines.append("disk peak: the plan runs in \(stages) stages (listed in order) so that no receiving broker passes "
                         + "\(Percentage.formatted(LoadLimits.peakDisk * 100))% of its disk while it still holds what it gives away; "
                         + "kscale execute starts a stage once the one before has ended")
        }
        if let e = picture.steps.first?.estimate, let throttle = e.throttle, let seconds = e.seconds, let bound = e.lowerBoundSeconds {
            lines.append("at \(throttle.text) per broker: about \(seconds.text) (no schedule beats \(bound.text))")
        }
        lines += [table.render(), "", BalanceBars.render(picture, width: width)]
        return lines.joined(separator: "\n")
    }

    /// `--byte-tolerance`: what the extra moves bought.
    static func byteTradeLine(_ trade: ByteTrade) -> String {
        func ratio(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "unbounded (an empty broker)" }
        let extra = trade.moves - trade.movesAtBound
        let reached = trade.bytesRatio.map { $0 <= trade.tolerance } ?? false
        return "byte tolerance \(trade.tolerance): bytes max/min \(ratio(trade.bytesRatioAtBound)) at the count bound "
            + "(no plan at the bound goes below \(ratio(trade.bytesRatioFloorAtBound))) -> \(ratio(trade.bytesRatio)) "
            + "for \(extra) more replica moves (\(trade.movesAtBound) -> \(trade.moves), at most \(trade.maxMoves); count bound \(trade.lowerBoundMoves)) "
            + "and \(ByteUnits.format(trade.bytesMoved - trade.bytesMovedAtBound)) more copied"
            + (reached ? "" : "; the tolerance was not reached within the move limit")
    }
}

/// The load columns of the plan summary (network in, network out, disk share, before -> after),
/// shown when the snapshot carries rates or capacities.
struct LoadColumns {
    let before: [BrokerID: BrokerUsage]
    let after: [BrokerID: BrokerUsage]

    init(_ change: UsageChange) {
        before = Dictionary(change.before.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
        after = Dictionary(change.after.map { ($0.broker, $0) }, uniquingKeysWith: { first, _ in first })
    }

    let headers = ["net in", "net out", "disk"]

    func cells(_ broker: BrokerID) -> [String] {
        let was = before[broker] ?? BrokerUsage(broker: broker), now = after[broker] ?? BrokerUsage(broker: broker)
        return [Self.rate(was.networkIn, share: was.networkInShare) + " -> " + Self.rate(now.networkIn, share: now.networkInShare),
                Self.rate(was.networkOut, share: was.networkOutShare) + " -> " + Self.rate(now.networkOut, share: now.networkOutShare),
                Self.share(was.diskShare) + " -> " + Self.share(now.diskShare)]
    }

    private static func rate(_ value: Int64, share: Double?) -> String {
        ByteUnits.formatRate(value) + (share.map { " (\(Percentage.formatted(($0 * 1000).rounded() / 10))%)" } ?? "")
    }

    private static func share(_ value: Double?) -> String {
        value.map { Percentage.formatted(($0 * 1000).rounded() / 10) + "%" } ?? "-"
    }
}
