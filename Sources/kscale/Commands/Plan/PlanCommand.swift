import ArgumentParser

/// `kscale plan ...`: offline planning from a snapshot file. The planner lives in KScaleCore.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan a reassignment from a cluster snapshot (no cluster needed).",
        subcommands: [PlanScaleOut.self, PlanScaleIn.self, PlanRebalance.self, PlanLeaders.self]
    )
}
