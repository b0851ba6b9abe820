import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec

/// `kscale scale-out`: every step of adding brokers, in order, none skippable.
struct ScaleOutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "Add brokers: wait for them, check, plan, execute with throttles, verify, elect leaders, check again.",
        discussion: helpDiscussion("""
            A dry run unless --execute: it waits for the brokers, runs the pre-flight check and prints the plan and the \
            projected before/after table. Exit code: 0 done and healthy, 1 the post-flight check warns, 2 bad input, a \
            refusal or a critical post-flight finding, 3 the run did not finish (it is journaled: kscale resume).
            """, examples: [
            "# Rehearse, then run:",
            "kscale scale-out --bootstrap-server kafka-1:9092 --add-brokers 7,8,9 --throttle 50MB/s --html scale-out.html",
            "kscale scale-out --bootstrap-server kafka-1:9092 --add-brokers 7,8,9 --throttle 50MB/s --max-in-flight-per-broker 3 --registration-timeout 10m --execute",
            "# Bytes within 1.05 max/min, at up to a tenth more moves than the count bound:",
            "kscale scale-out --bootstrap-server kafka-1:9092 --add-brokers 7,8,9 --throttle 50MB/s --byte-tolerance 1.05",
            "# Against `kscale sim --time-scale 100`:",
            "kscale scale-out --bootstrap-server 127.0.0.1:19092 --add-brokers 7,8,9 --throttle 50MB/s --time-scale 100 --execute",
        ])
    )

    @OptionGroup var scale: ScaleCommandOptions
    @Option(name: .long, help: "Broker ids to add, e.g. 7,8,9. Start them first; kscale waits until they register.")
    var addBrokers: String
    @Option(name: .long, help: "How long to wait for the new brokers to register unfenced (e.g. 5m).")
    var registrationTimeout = "5m"
    @Option(help: ArgumentHelp("Spend moves beyond the count bound (at most a tenth more) to bring bytes max/min within this ratio, e.g. 1.05, as plan scale-out --byte-tolerance does.",
                               valueName: "ratio"))
    var byteTolerance: Double?

    func run() async throws {
        try await scale.run(.scaleOut, brokers: { try parseBrokerList(addBrokers, option: "--add-brokers") }, registrationTimeout: registrationTimeout,
                            byteTolerance: byteTolerance)
    }
}
