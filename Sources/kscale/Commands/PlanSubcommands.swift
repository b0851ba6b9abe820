import ArgumentParser
import KScaleCore

struct PlanScaleOut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "Spread the cluster onto added brokers, moving the fewest replicas and bytes.")

    @OptionGroup var options: PlanOptions

    @Option(help: "Broker ids to add, e.g. 7,8,9 (registered empty brokers, or new ids).")
    var addBrokers: String

    @Option(help: "Racks of added brokers not in the snapshot yet, e.g. 10=rack0,11=rack1.")
    var newBrokerRacks: String?

    func run() async throws {
        let (add, racks) = try await reportingErrors {
            (try parseBrokerList(addBrokers, option: "--add-brokers"), try parseRacks(newBrokerRacks))
        }
        try await options.run(.scaleOut(add: add), newBrokerRacks: racks)
    }

    private func parseRacks(_ text: String?) throws -> [BrokerID: String] {
        guard let text else { return [:] }
        var out: [BrokerID: String] = [:]
        for item in text.split(separator: ",") {
            let kv = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard kv.count == 2, let id = BrokerID(kv[0]), !kv[1].isEmpty else {
                throw InvalidInput("--new-broker-racks \"\(text)\": expected ID=RACK pairs such as 10=rack0,11=rack1")
            }
            out[id] = kv[1]
        }
        return out
    }
}

struct PlanScaleIn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-in",
        abstract: "Empty brokers before removing them: exactly their replicas move, unless --rebalance.")

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

struct PlanLeaders: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leaders",
        abstract: "Balance preferred leaders by reordering replicas only; moves no data.")

    @OptionGroup var options: PlanOptions

    func run() async throws {
        try await options.run(.leaders)
    }
}
