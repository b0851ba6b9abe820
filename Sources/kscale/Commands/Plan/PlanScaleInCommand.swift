import ArgumentParser
import KScaleCore

/// `kscale plan scale-in`: empty brokers before removing them.
struct PlanScaleIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-in",
        abstract: "Empty brokers before removing them: exactly their replicas move, unless --rebalance.",
        discussion: helpDiscussion("", examples: [
            "kscale plan scale-in --snapshot cluster.json --remove-brokers 11,12 --out plan.json --rollback rollback.json",
            "kscale plan scale-in --snapshot cluster.json --remove-brokers 11,12 --rebalance --out plan.json --output json",
        ]))

    @OptionGroup var options: PlanOptions

    @Option(help: "Broker ids to empty, e.g. 11,12.")
    var removeBrokers: String

    @Flag(help: "Also move other replicas to reach full balance on the brokers left.")
    var rebalance = false

    func run() async throws {
        let remove = try await reportingErrors { try parseBrokerList(removeBrokers, option: "--remove-brokers") }
        try await options.run(.scaleIn(remove: remove, rebalance: rebalance))
    }
}
