/// The cutover runbook of one split target, in Markdown: the order of docs/runbooks/split-cluster.md
/// (mirror, move consumers on their translated offsets, then producers, then stop mirroring) filled
/// in with this target's topics, groups, partition increases and brokers.
public enum SplitRunbook {
    public static func fileName(_ target: SplitTarget) -> String { "\(target.name).runbook.md" }

    public static func render(_ target: SplitTarget, plan: SplitPlan) -> String {
        let source = target.mirrorFrom
        let name = target.name
        let file = MirrorMakerProperties.fileName(target)
        let increases = plan.partitionIncreases.filter { target.topics.contains($0.topic) && $0.remapsKeys }
        var out: [String] = []
        out.append("# Cutover runbook: \(name)")
        out.append("")
        let role: String
        switch target.role {
        case .cluster: role = "a cluster of its own for groups \(target.groups.joined(separator: ", "))"
        case .write: role = "the write cluster: every producer moves here; consumers move to the read clusters"
        case .read: role = "a read cluster for consumer groups \(target.consumerGroups.joined(separator: ", ")), fed from \(source) by MirrorMaker 2 for as long as it serves them"
        }
        out.append("\(name) is \(role). It takes \(target.load.text) (\(target.topics.count) topics, \(ByteUnits.format(target.storedBytes)) per copy).")
        out.append("Written by `kscale plan split` (\(plan.strategy)); the reasons for each step are in docs/runbooks/split-cluster.md.")
        out.append("MirrorMaker 2 delivers at least once: around each move some records arrive twice, so consumers that cannot")
        out.append("accept a duplicate need idempotent handling (a key they deduplicate on, or upserts) before they move.")
        out.append("")
        out.append("## 1. Build \(name)")
        out.append("")
        if let brokers = target.brokers, let sizing = target.sizing {
            out.append("- \(brokers) brokers (decided by \(sizing.decidedBy.joined(separator: ", ")); `split.json` has the arithmetic per resource).")
        } else {
            out.append("- Brokers: \(target.brokersNote ?? "not sized").")
        }
        out.append("- Replication factor \(target.replicationFactor) for its topics.")
        if increases.isEmpty {
            out.append("- MirrorMaker 2 creates the topics with their source partition counts.")
        } else {
            out.append("- Create these topics on \(name) before mirroring, with the partitions the per-partition limits need")
            out.append("  (MirrorMaker 2 keeps each record in its source partition number; keys produced after the producers move map")
            out.append("  to different partitions, so per-key order breaks across the move and per-key state sees a key in two partitions):")
            for i in increases { out.append("  - `\(i.topic)`: \(i.partitionsAfter) partitions (was \(i.partitionsBefore), decided by \(i.decidedBy))") }
        }
        out.append("")
        out.append("## 2. Mirror")
        out.append("")
        out.append("- Fill in the bootstrap placeholders of `\(file)` and start it: `bin/connect-mirror-maker.sh \(file)`.")
        out.append("- Wait until the mirror has caught up: each topic's end offsets on \(name) within a few records of \(source)'s,")
        out.append("  and MirrorSourceConnector's `replication-latency-ms` steady. Copying adds \(ByteUnits.formatRate(target.load.write)) of reads on \(source).")
        if target.role == .read {
            out.append("- Start it once \(source)'s own mirror from the source cluster has caught up (\(source).runbook.md, step 2): the")
            out.append("  consumer groups' offsets reach \(name) translated twice, by \(source)'s checkpoints and then by this file's.")
        }
        if target.role != .write {
            out.append("")
            out.append("## 3. Move the consumers, one group at a time")
            out.append("")
            let groups = target.consumerGroups.isEmpty ? ["each consumer group of these topics"] : target.consumerGroups.map { "`\($0)`" }
            out.append("For \(groups.joined(separator: ", ")):")
            out.append("")
            out.append("1. Stop the group's consumers on \(target.role == .read ? "the source cluster" : source) (a group must not run on both clusters).")
            out.append("2. Wait one checkpoint interval (`emit.checkpoints.interval.seconds`, 60 s by default) and check the translated")
            out.append("   offsets: `kafka-consumer-groups.sh --bootstrap-server \(MirrorMakerProperties.placeholder(name)) --describe --group GROUP`.")
            out.append("3. Start the consumers against \(name). They resume at the translated offsets, at or before where they stopped.")
            out.append("4. To go back: stop them on \(name) and start them on the source again; their source offsets are where they left them.")
        }
        if target.role != .read {
            out.append("")
            out.append("## \(target.role == .write ? 3 : 4). Move the producers")
            out.append("")
            if target.role == .write {
                out.append("- First move every consumer group to its read cluster (each read-N.runbook.md, step 3).")
            }
            out.append("- Point the producers of these topics at \(name), application by application. Records they wrote to")
            out.append("  \(source) just before the switch still reach \(name) through the mirror.")
            if target.role == .write {
                out.append("- Consumers stay on the source until their read cluster's runbook moves them; the read clusters mirror from \(name).")
            }
            out.append("")
            out.append("## \(target.role == .write ? 4 : 5). Stop mirroring")
            out.append("")
            out.append("- When no producer writes to these topics on \(source) any more and the mirror has caught up, stop MirrorMaker 2 for \(file).")
            if target.role == .write {
                out.append("- Keep the read clusters' MirrorMaker 2 running: they are fed from \(name) for good.")
            }
            out.append("- Keep the topics on \(source) until the retention period has passed, then delete them there.")
            out.append("- Internal topics (\(plan.staysBehind.isEmpty ? "none in the snapshot" : plan.staysBehind.joined(separator: ", "))) stay on \(Splitter.sourceAlias).")
        } else {
            out.append("")
            out.append("## 4. Keep mirroring")
            out.append("")
            out.append("- \(name) serves reads only: producers write to the write cluster (\(source)), and MirrorMaker 2 for `\(file)` keeps running.")
            out.append("  It adds \(ByteUnits.formatRate(target.load.write)) of reads on \(source) for as long as \(name) is fed.")
        }
        return out.joined(separator: "\n") + "\n"
    }
}
