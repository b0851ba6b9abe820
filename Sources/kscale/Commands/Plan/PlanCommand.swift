import ArgumentParser

/// `kscale plan ...`: offline planning from a snapshot file. The planner lives in KScaleCore.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a reassignment from a cluster snapshot (no cluster needed).",
        discussion: helpDiscussion("", examples: [
            "kscale plan scale-out --snapshot cluster.json --add-brokers 7,8,9 --out plan.json --rollback rollback.json",
            "kscale plan rebalance --snapshot cluster.json --out plan.json --output json",
        ]),
        subcommands: [PlanScaleOut.self, PlanScaleIn.self, PlanRebalance.self, PlanLeaders.self, PlanRelieve.self, PlanSplit.self]
    )
}
