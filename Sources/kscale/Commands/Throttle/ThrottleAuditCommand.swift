import ArgumentParser
import Foundation
import KScaleExec

/// `kscale throttle audit`: every replication throttle on the cluster and which run set it.
struct ThrottleAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "List every replication throttle and mark the ones a kscale ledger knows.",
        discussion: helpDiscussion("", examples: [
            "kscale throttle audit --bootstrap-server kafka-1:9092",
            "kscale throttle audit --bootstrap-server kafka-1:9092 --state-dir /var/lib/kscale/runs --output json",
        ]))

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runs: ThrottleRunsOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runExecCommand {
            let audit = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                try await ThrottleAudit.read(admin: admin, runs: runs.runs)
            }
            if output.format == .json {
                // One object, whatever is found: an empty list is an answer too.
                let throttles: [[String: Any]] = audit.items.map {
                    ["resource": $0.resource.description, "key": $0.key, "value": $0.value, "run": $0.run ?? NSNull(), "dynamic": $0.isDynamic]
                }
                let o: [String: Any] = ["throttles": throttles, "unseen": audit.unseen]
                print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
                return
            }
            for w in audit.unseen { printError("warning: \(w)") }
            if audit.items.isEmpty { print("no replication throttles on the cluster"); return }
            var table = TextTable(["resource", "config", "value", "set by"])
            for i in audit.items {
                let owner = i.run.map { "kscale run \($0)" } ?? (i.isDynamic ? "unknown (not kscale)" : "static (server.properties)")
                table.add([i.resource.description, i.key, i.value, owner])
            }
            print(table.render())
        }
    }
}
