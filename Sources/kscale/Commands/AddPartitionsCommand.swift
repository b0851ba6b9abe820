import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec

/// `kscale add-partitions`: grows a topic through the gate (`AddPartitions` reads, places and sends).
struct AddPartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-partitions",
        abstract: "Add partitions to a topic, placed rack-aware on the least-loaded brokers (dry run unless --execute).",
        discussion: helpDiscussion("""
        Adding partitions cannot be undone and re-routes keyed records: a key maps to a different partition \
        after the change, so per-key ordering breaks across it. Compacted topics are refused; every other \
        topic needs --accept-key-remap. Without --execute the broker validates the request (validate_only) \
        and nothing changes; either way the CreatePartitions request is printed ("would send:" or "sent:").
        """, examples: [
            "# A dry run the broker validates:",
            "kscale add-partitions --bootstrap-server kafka-1:9092 --topic orders --to 48 --accept-key-remap",
            "kscale add-partitions --bootstrap-server kafka-1:9092 --topic orders --target-throughput 200MB/s --per-partition-throughput 10MB/s --consumers 48 --accept-key-remap --execute",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The topic to grow.")
    var topic: String
    @Option(help: "The new total partition count.")
    var to: Int?
    @Option(help: "Instead of --to: size from the throughput the topic must sustain, e.g. 200MB/s.")
    var targetThroughput: String?
    @Option(help: "With --target-throughput: what one partition sustains, e.g. 10MB/s.")
    var perPartitionThroughput: String?
    @Option(help: "With --target-throughput: consumers in the largest consumer group.")
    var consumers: Int?
    @Flag(help: "Confirm that keyed records will route to different partitions and per-key ordering breaks across the change.")
    var acceptKeyRemap = false
    @OptionGroup var gate: DryRunGateOptions
    @OptionGroup var output: OutputOptions

    /// What was planned and done, and the request the gate sent (or would send).
    struct Report: Encodable {
        var plan: AddPartitionsPlan
        var executed: Bool
        /// The broker checked the request: with validate_only in a dry run, as it applied it otherwise.
        var validatedByBroker = true
        var warning = AddPartitionsPlan.keyRemapWarning
        var mutations: [AdminMutation]
        enum CodingKeys: String, CodingKey {
            case plan, executed, warning, mutations
            case validatedByBroker = "validated_by_broker"
        }
    }

    func targetCount() throws -> Int {
        switch (to, targetThroughput) {
        case let (count?, nil):
            guard consumers == nil, perPartitionThroughput == nil else {
                throw InvalidInput("--consumers and --per-partition-throughput go with --target-throughput, not --to")
            }
            return count
        case let (nil, target?):
            guard let perPartitionThroughput else {
                throw InvalidInput("--target-throughput needs --per-partition-throughput")
            }
            let sizing = try PartitionSizing(
                targetThroughput: try parseRateOption(target, "--target-throughput"),
                perPartitionThroughput: try parseRateOption(perPartitionThroughput, "--per-partition-throughput"),
                maxConsumers: consumers)
            guard sizing.partitions <= Int64(Int32.max) else { throw InvalidInput("\(sizing.partitions) partitions is more than Kafka allows") }
            return Int(sizing.partitions)
        case (nil, nil):
            throw InvalidInput("give --to N, or --target-throughput and --per-partition-throughput")
        case (_?, _?):
            throw InvalidInput("give either --to or --target-throughput, not both")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let target = try targetCount()
            try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: gate.execute) { admin in
                let result = try await AddPartitions.run(topic: topic, targetCount: target, acceptKeyRemap: acceptKeyRemap, admin: admin)
                let report = Report(plan: result.plan, executed: !admin.isDryRun, mutations: await admin.mutations)
                switch output.format {
                case .json:
                    try printJSON(report)
                case .text:
                    let p = report.plan
                    print("\(p.topic): \(p.currentCount) -> \(p.targetCount) partitions (RF \(p.replicationFactor), "
                        + (p.rackAware ? "rack-aware" : "no racks known: balanced by broker only") + ")")
                    print("new partitions (replicas, leader first):")
                    for line in p.assignmentLines(racks: result.racks) { print("  " + line) }
                    print(report.warning)
                    for mutation in report.mutations { print(mutation.line) }
                    if report.executed {
                        print("added \(p.targetCount - p.currentCount) partitions to \(p.topic).")
                    } else {
                        print("dry run: the broker validated this request (validate_only) and nothing changed; re-run with --execute to add the partitions.")
                    }
                }
            }
        }
    }
}
