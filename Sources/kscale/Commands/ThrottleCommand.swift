import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale throttle audit|clear`: every replication throttle on the cluster and who set it.
struct ThrottleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throttle",
        abstract: "List replication throttles on the cluster, or remove the ones kscale runs left behind.",
        subcommands: [ThrottleAuditCommand.self, ThrottleClearCommand.self]
    )
}

struct ThrottleRunsOptions: ParsableArguments {
    @Option(name: .long, help: "A run's directory whose ledger to consult (repeatable; default: every run under ~/.kscale/runs).")
    var stateDir: [String] = []

    var runs: [String] { stateDir.isEmpty ? RunDirectory.all() : stateDir }
}

struct ThrottleAuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "List every replication throttle and mark the ones a kscale ledger knows.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runs: ThrottleRunsOptions
    @Option(name: .long, help: "text or json.")
    var output: OutputFormat = .text

    func run() async throws {
        try await runExecCommand {
            let audit = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                try await ThrottleAudit.read(admin: admin, runs: runs.runs)
            }
            if output == .json {
                for i in audit.items {
                    let o: [String: Any] = ["resource": i.resource.description, "key": i.key, "value": i.value, "run": i.run ?? NSNull()]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
                }
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

struct ThrottleClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clear",
        abstract: "Remove the throttles kscale runs left behind (a dry run unless --execute).",
        discussion: "Throttles recorded in a run's ledger are removed, each rate restored to the value it replaced. Runs still being driven by a kscale process are skipped. Throttles nobody's ledger knows (left by kafka-reassign-partitions.sh or by hand) are listed and left alone unless --include-unknown is given, which removes them too when no reassignment is in flight."
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runs: ThrottleRunsOptions
    @Flag(name: .long, help: "Also remove throttles no kscale run set (refused while a reassignment is in flight).")
    var includeUnknown = false
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    func run() async throws {
        try await runExecCommand {
            try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                let audit = try await ThrottleAudit.read(admin: admin, runs: runs.runs)
                for i in audit.items where i.run == nil {
                    switch (includeUnknown, execute) {
                    case (false, _): print("leaving \(i.resource) \(i.key)=\(i.value): not set by a kscale run (--include-unknown removes it)")
                    case (true, false): print("DRY RUN: would remove \(i.resource) \(i.key)=\(i.value) (not set by a kscale run)")
                    case (true, true): break
                    }
                }
                if includeUnknown && execute, try await ThrottleAudit.clearUnowned(admin: admin, runs: runs.runs) > 0 {
                    for i in audit.items where i.run == nil { print("removed \(i.resource) \(i.key)=\(i.value) (not set by a kscale run)") }
                }
                var cleared = 0
                for dir in runs.runs {
                    guard let state = try? RunDirectory.readState(dir), !state.ledger.isEmpty else { continue }
                    let n = state.ledger.rates.count + state.ledger.replicaEntries.values.reduce(0) { $0 + $1.count }
                    if RunLock.isHeld(directory: dir) { print("skipping \(dir): a kscale process is driving it"); continue }
                    guard execute else { print("DRY RUN: would undo \(n) throttle settings of run \(dir)"); continue }
                    let lock = try RunLock(directory: dir)
                    let c = try await holding(lock) {
                        try await RunEnd.finish(journal: Journal(path: dir + "/" + RunDirectory.journalName), admin: admin, clock: connection.clock, as: state.ended ?? "throttles-cleared")
                    }
                    print("run \(dir): \(c.rates) broker rates restored, \(c.entries) replica entries removed")
                    cleared += 1
                }
                if cleared == 0 && execute { print("nothing to clear") }
            }
        }
    }
}
