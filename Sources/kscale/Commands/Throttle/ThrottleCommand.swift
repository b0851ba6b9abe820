import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec

/// `kscale throttle audit|clear`: every replication throttle on the cluster and who set it.
struct ThrottleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throttle",
        abstract: "List replication throttles on the cluster, or remove the ones kscale runs left behind.",
        discussion: helpDiscussion("", examples: [
            "kscale throttle audit --bootstrap-server kafka-1:9092",
            "kscale throttle clear --bootstrap-server kafka-1:9092 --execute",
        ]),
        subcommands: [ThrottleAuditCommand.self, ThrottleClearCommand.self]
    )
}

/// The runs whose ledgers `throttle audit` and `clear` consult: every run under `--state-dir`.
struct ThrottleRunsOptions: ParsableArguments {
    @OptionGroup var stateRoot: StateRootOptions

    var runs: [String] { stateRoot.allRuns }
}
