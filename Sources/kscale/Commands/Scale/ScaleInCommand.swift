import ArgumentParser
import KScaleCore
import KScaleExec

/// `kscale scale-in` (alias `drain`): empties brokers so they can be stopped, and says when they can.
struct ScaleInCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-in",
        abstract: "Empty brokers before removing them: leadership first, then every replica, then a verdict per broker.",
        discussion: helpDiscussion("""
            Refuses, changing nothing, when the brokers left cannot hold every partition's replication factor, when it \
            would empty a rack that partitions need, or when the remaining disks lack room. Ends with a verdict per \
            broker, e.g. "broker 4: SAFE TO STOP (0 replicas, 0 leaders, not the controller)".
            Exit code: 0 every broker is safe to stop (a dry run: the scale-in can be done), 1 a broker is NOT SAFE, \
            2 bad input or a refusal (nothing changed), 3 the drain did not finish (the verdicts say what is left).
            """, examples: [
            "# Rehearse, then run:",
            "kscale scale-in --bootstrap-server kafka-1:9092 --remove-brokers 4,5 --throttle 50MB/s",
            "kscale drain --bootstrap-server kafka-1:9092 --remove-brokers 4,5 --step 1 --throttle 50MB/s --execute --output json",
        ]),
        aliases: ["drain"]
    )

    @OptionGroup var scale: ScaleCommandOptions
    @Option(name: .long, help: "Broker ids to remove, e.g. 4,5.")
    var removeBrokers: String
    @Option(name: .long, help: "Remove at most N brokers per step, each step finished before the next.")
    var step: Int?

    func run() async throws {
        try await scale.run(.scaleIn, brokers: { try parseBrokerList(removeBrokers, option: "--remove-brokers") }, step: step)
    }
}
