import ArgumentParser
import KScaleCore

/// `kscale plan rebalance`: balance replicas, bytes and leaders.
struct PlanRebalance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Balance replicas, bytes and leaders over the brokers (or over --brokers only).")

    @OptionGroup var options: PlanOptions

    @Option(help: "Restrict the target brokers, e.g. 1,2,3,4; replicas elsewhere move onto them.")
    var brokers: String?

    func run() async throws {
        let target = try await reportingErrors { try brokers.map { try parseBrokerList($0, option: "--brokers") } }
        try await options.run(.rebalance(brokers: target))
    }
}
