import ArgumentParser

/// `kscale plan leaders`: balance preferred leaders by reordering replicas only.
struct PlanLeaders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaders",
        abstract: "Balance preferred leaders by reordering replicas only; moves no data.",
        discussion: helpDiscussion("", examples: [
            "kscale plan leaders --snapshot cluster.json --out plan.json",
            "# Then, after executing it: kscale elect-leaders --plan plan.json --execute",
            "kscale plan leaders --snapshot cluster.json --output json",
        ]))

    @OptionGroup var options: PlanOptions

    func run() async throws {
        try await options.run(.leaders)
    }
}
