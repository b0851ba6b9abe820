import ArgumentParser
import KScaleCore

/// `kscale plan rebalance`: balance replicas, bytes and leaders.
struct PlanRebalance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Balance replicas, bytes and leaders over the brokers (or over --brokers only).",
        discussion: helpDiscussion("", examples: [
            "kscale plan rebalance --snapshot cluster.json --out plan.json --rollback rollback.json",
            "# Within a budget, leaving the topic logs where it is:",
            "kscale plan rebalance --snapshot cluster.json --max-moves 200 --max-bytes 500GB --exclude-topics logs --out plan.json",
            "kscale plan rebalance --snapshot cluster.json --brokers 1,2,3,4 --out plan.json --output json",
        ]))

    @OptionGroup var options: PlanOptions

    @Option(help: "Restrict the target brokers, e.g. 1,2,3,4; replicas elsewhere move onto them.")
    var brokers: String?

    func run() async throws {
        let target = try await reportingErrors { try brokers.map { try parseBrokerList($0, option: "--brokers") } }
        try await options.run(.rebalance(brokers: target))
    }
}
