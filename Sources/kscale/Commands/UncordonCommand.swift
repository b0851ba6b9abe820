import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec

/// `kscale uncordon`: lifts the KIP-1066 cordon a drain left on brokers (`Uncordon` decides).
struct UncordonCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "uncordon",
        abstract: "Let cordoned brokers take new replicas again: delete cordoned.log.dirs (a dry run unless --execute).",
        discussion: helpDiscussion("""
            A drain (scale-in) cordons the brokers it empties and leaves them cordoned until they are stopped, so no \
            topic and no kscale plan puts data back on them. To keep such a broker in service instead, uncordon it; \
            `scale-out --add-brokers` does it itself for the brokers it adds. The dry run has the brokers validate the \
            change (validate_only) and lists it.
            Exit code: 0 done (or the dry run), 1 a broker stays cordoned (refused, cordoned by the cluster-wide \
            default or its properties file, or its configs could not be read), 2 bad input (an unknown broker).
            """, examples: [
            "kscale uncordon --bootstrap-server kafka-1:9092 --brokers 4",
            "kscale uncordon --bootstrap-server kafka-1:9092 --brokers 4,5 --execute --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "Broker ids to uncordon, e.g. 4,5.")
    var brokers: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    func run() async throws {
        let ids = try await reportingErrors { try parseBrokerList(brokers, option: "--brokers") }
        try await runMutatingCommand(connection, execute: gate.execute, output: output.format) { admin in
            let result = try await Uncordon.run(brokers: ids, admin: admin)
            return (result, Self.render(result), result.exitCode)
        }
    }

    static func render(_ r: Uncordon.Result) -> String {
        func ids(_ list: [BrokerID]) -> String { list.map(String.init).joined(separator: ",") }
        var lines: [String] = []
        let done = r.uncordoned.filter { r.failed[$0] == nil }
        if !done.isEmpty {
            lines.append(r.executed ? "uncordoned brokers \(ids(done)): they take new replicas again"
                                    : "dry run: would uncordon brokers \(ids(done)); add --execute to do it")
        }
        for (b, e) in r.failed.sorted(by: { $0.key < $1.key }) { lines.append("\(r.executed ? "FAILED" : "WOULD FAIL") broker \(b): \(e)") }
        for (b, why) in r.cordonedElsewhere.sorted(by: { $0.key < $1.key }) { lines.append("broker \(b) stays cordoned: \(why)") }
        if !r.unread.isEmpty { lines.append("brokers \(ids(r.unread)): configs could not be read (fenced or not answering); left alone") }
        if !r.notCordoned.isEmpty { lines.append("brokers \(ids(r.notCordoned)) are not cordoned: nothing to do") }
        return lines.joined(separator: "\n")
    }
}
