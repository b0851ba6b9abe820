import ArgumentParser

/// The `kscale` command: one subcommand per runbook step.
@main
struct KScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kscale",
        abstract: "Rebalance and scale self-managed Apache Kafka clusters, moving the least data possible.",
        version: "0.1.0",
        subcommands: [
            PlanCommand.self,
            DescribeCommand.self,
            SnapshotCommand.self,
            SizeCommand.self,
            LoadCommand.self,
            ExecuteCommand.self,
            StatusCommand.self,
            VerifyCommand.self,
            CancelCommand.self,
            ResumeCommand.self,
            ThrottleCommand.self,
            DemoCommand.self,
            AddPartitionsCommand.self,
            CheckCommand.self,
            ScaleOutCommand.self,
            ScaleInCommand.self,
            UncordonCommand.self,
            ElectLeadersCommand.self,
            SimCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, with every failure exiting by the table in CLIErrors.swift.
    static func main() async { await runMain(KScale.self) }
}
