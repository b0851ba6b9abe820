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
        discussion: """
            Only partitions whose leader is not their preferred replica are elected; a preferred replica out of the ISR \
            cannot be elected and is listed. Follows `kscale plan leaders` and any executed plan that reorders replicas.
            Exit code: 0 done (or the dry run), 1 some elections failed, 2 bad input.
            """
    )

    @OptionGroup var connection: ConnectionOptions
    @Flag(name: .long, help: "Every partition of the cluster.")
    var all = false
    @Option(name: .long, help: "Only the partitions listed in this reassignment JSON.")
    var plan: String?
    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    /// The election's JSON with the gate's record of what was (or would be) sent.
    struct Output: Encodable {
        var result: ElectionResult
        var mutations: [AdminMutation]
        enum Key: String, CodingKey { case mutations }
        func encode(to encoder: Encoder) throws {
            try result.encode(to: encoder)
            var c = encoder.container(keyedBy: Key.self)
            try c.encode(mutations, forKey: .mutations)
        }
    }

    func run() async throws {
        var code: Int32 = 0
        try await runExecCommand {
            guard all != (plan != nil) else { throw InvalidInput("give exactly one of --all or --plan FILE") }
            let among = try plan.map { Set(try KScaleFiles.readPlan($0).partitions.map(\.topicPartition)) }
            code = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout, execute: execute) { admin in
                let o = try await ClusterObservation.read(from: admin)
                let result = try await LeaderElection.run(in: o, among: among, admin: admin)
                if output == .json {
                    print(try LifecycleRender.json(Output(result: result, mutations: await admin.mutations)))
                } else {
                    print(LifecycleRender.election(result))
                    await printMutations(admin)
                }
                return result.failed.isEmpty ? Int32(0) : 1
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}
