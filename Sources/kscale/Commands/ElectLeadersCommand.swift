import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec
import KScaleIO

/// `kscale elect-leaders`: preferred leader election, for every partition or for those of a plan.
struct ElectLeadersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elect-leaders",
        abstract: "Make each partition's preferred (first) replica its leader (a dry run unless --execute).",
        discussion: helpDiscussion("""
            Only partitions whose leader is not their preferred replica are elected; a preferred replica out of the ISR \
            cannot be elected and is listed. Follows `kscale plan leaders` and any executed plan that reorders replicas.
            Exit code: 0 done (or the dry run), 1 some elections failed, 2 bad input.
            """, examples: [
            "kscale elect-leaders --bootstrap-server kafka-1:9092 --all",
            "kscale elect-leaders --bootstrap-server kafka-1:9092 --plan plan.json --execute --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(name: .long, help: "Every partition of the cluster.")
    var all = false
    @Option(name: .long, help: "Only the partitions listed in this reassignment JSON.")
    var plan: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    func run() async throws {
        let among = try await reportingErrors { () -> Set<TopicPartition>? in
            guard all != (plan != nil) else { throw InvalidInput("give exactly one of --all or --plan FILE") }
            return try plan.map { Set(try KScaleFiles.readPlan($0).partitions.map(\.topicPartition)) }
        }
        try await runMutatingCommand(connection, execute: gate.execute, output: output.format) { admin in
            let o = try await ClusterObservation.read(from: admin)
            let result = try await LeaderElection.run(in: o, among: among, admin: admin)
            return (result, LifecycleRender.election(result), result.failed.isEmpty ? 0 : 1)
        }
    }
}
