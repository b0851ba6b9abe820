import ArgumentParser

/// `kscale plan leaders`: balance preferred leaders by reordering replicas only.
struct PlanLeaders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaders",
        abstract: "Balance preferred leaders by reordering replicas only; moves no data.")

    @OptionGroup var options: PlanOptions

    func run() async throws {
        try await options.run(.leaders)
    }
}
