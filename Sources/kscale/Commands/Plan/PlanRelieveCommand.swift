import ArgumentParser
import KScaleCore

/// `kscale plan relieve`: move just enough off hot brokers.
struct PlanRelieve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "relieve",
        abstract: "Move the fewest bytes that bring hot brokers under disk and network limits, pushing no other broker over them.",
        discussion: helpDiscussion("""
            Needs load in the snapshot: disk_total_bytes (kscale snapshot reads it on Kafka 3.3+), and for the network
            limits bytes_in_per_sec/bytes_out_per_sec (kscale snapshot --sample) and network capacities (--broker-capacity).
            Network out is relieved first by moving preferred leadership, which copies nothing. Without --brokers, every
            broker over a limit is relieved. Limits not given default to 85% disk and 80% network.
            """, examples: [
            "kscale plan relieve --snapshot sampled.json --brokers 5 --disk 70% --out plan.json",
            "# Every broker over 70% of its network in, with capacities from Cruise Control's file:",
            "kscale plan relieve --snapshot sampled.json --network-in 70% --broker-capacity capacity.json --out plan.json --output json",
        ]))

    @OptionGroup var options: PlanOptions

    @Option(help: "The brokers to relieve, e.g. 5,6 (default: every broker over a limit).")
    var brokers: String?

    @Option(help: ArgumentHelp("Bring disk use under this share of each broker's disk (default 85%).", valueName: "percent"))
    var disk: String?

    @Option(help: ArgumentHelp("Bring network in under this share of each broker's network_in_capacity (default 80%).", valueName: "percent"))
    var networkIn: String?

    @Option(help: ArgumentHelp("Bring network out under this share of each broker's network_out_capacity (default 80%).", valueName: "percent"))
    var networkOut: String?

    func run() async throws {
        let request = try await reportingErrors { () throws -> RelieveRequest in
            if options.byteTolerance != nil {
                throw InvalidInput("--byte-tolerance does not apply to plan relieve: a relief moves the fewest bytes under the limits")
            }
            try options.refuseHardLimits(because: "plan relieve takes its limits from --disk, --network-in and --network-out")
            let named = try brokers.map { try parseBrokerList($0, option: "--brokers") }
            let limits = LoadLimits(disk: try disk.map { try Percentage.parse($0, name: "--disk") } ?? LoadLimits.defaultDisk,
                                    networkIn: try networkIn.map { try Percentage.parse($0, name: "--network-in") } ?? LoadLimits.defaultNetwork,
                                    networkOut: try networkOut.map { try Percentage.parse($0, name: "--network-out") } ?? LoadLimits.defaultNetwork)
            var explicit = Set<LoadLimits.Dimension>()
            if disk != nil { explicit.insert(.disk) }
            if networkIn != nil { explicit.insert(.networkIn) }
            if networkOut != nil { explicit.insert(.networkOut) }
            return RelieveRequest(brokers: named, limits: limits, explicitLimits: explicit,
                                  excludeTopics: options.placement.excludeTopics, rackAware: !options.placement.disableRackAware)
        }
        try await options.run(cordonKind: .rebalance(brokers: nil)) { snapshot in try Planner.relieve(snapshot, request) }
    }
}
