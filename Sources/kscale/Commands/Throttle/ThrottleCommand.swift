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
