import ArgumentParser
import KScaleCore

/// `kscale plan scale-out`: spread the cluster onto added brokers.
struct PlanScaleOut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "Spread the cluster onto added brokers, moving the fewest replicas and bytes.",
        discussion: helpDiscussion("", examples: [
            "kscale plan scale-out --snapshot cluster.json --add-brokers 7,8,9 --out plan.json --rollback rollback.json",
            "# Brokers not in the snapshot yet, with their racks:",
            "kscale plan scale-out --snapshot cluster.json --add-brokers 10,11 --new-broker-racks 10=rack0,11=rack1 --out plan.json",
            "# A report to attach to the change request, with the estimate at 50MB/s:",
            "kscale plan scale-out --snapshot cluster.json --add-brokers 7,8,9 --out plan.json --throttle 50MB/s --html plan.html",
        ]))

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
