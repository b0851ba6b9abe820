import ArgumentParser

/// The `kscale` command: one subcommand per runbook step.
@main
struct KScale: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kscale",
        abstract: "Rebalance and scale self-managed Apache Kafka clusters, moving the least data possible.",
        discussion: helpDiscussion("", examples: [
            "# Try it on a simulated cluster, no Kafka needed:",
            "kscale demo",
            "# Check a cluster, then rehearse adding brokers 7-9 (a dry run):",
            "kscale check --bootstrap-server kafka-1:9092",
            "kscale scale-out --bootstrap-server kafka-1:9092 --add-brokers 7,8,9 --throttle 50MB/s",
            "# Offline: snapshot, plan, review, execute:",
            "kscale snapshot --bootstrap-server kafka-1:9092 --out cluster.json.zst",
            "kscale plan scale-out --snapshot cluster.json.zst --add-brokers 7,8,9 --out plan.json --rollback rollback.json",
            "kscale execute --bootstrap-server kafka-1:9092 --plan plan.json --throttle 50MB/s --execute",
        ]),
        version: "0.1.0",
        subcommands: [
            PlanCommand.self,
            DescribeCommand.self,
            SnapshotCommand.self,
            SizeCommand.self,
            LoadCommand.self,
            ExecuteCommand.self,
            RehearseCommand.self,
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
            UnregisterBrokerCommand.self,
            SimCommand.self,
            AutoscaleCommand.self,
        ]
    )

    /// ArgumentParser's own `main`, with every failure exiting by the table in CLIErrors.swift.
    static func main() async { await runMain(KScale.self) }
}
