import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleTime

/// `kscale status`: where a run stands, from its journal and (when reachable) the cluster.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's partitions done, in flight and pending, bytes copied, rate, ETA and stalls.",
        discussion: helpDiscussion("", examples: [
            "kscale status",
            "kscale status --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runExecCommand {
            var dir = try runSelection.directory()
            // A scale command's flow: the status of its current executor run.
            if FlowDirectory.isFlow(dir) {
                let flow = try FlowDirectory.readState(dir)
                guard let run = flow.currentRun else {
                    throw InvalidInput("the flow in \(dir) (`\(flow.command?.commandLine ?? "?")`) has no executor run yet; it stopped at step \"\(flow.position)\"")
                }
                dir = run
            }
            let state = try RunDirectory.readState(dir)
            guard state.plan != nil else { throw InvalidInput("\(dir) holds no run") }
            let active = RunLock.isHeld(directory: dir)
            let live = try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap, commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                try await LiveStatus.read(state: state, admin: admin, last: ProgressFile.read(dir: dir), now: SystemClock().now())
            }
            if output.format == .json {
                print(StatusRendering.json(live, state: state, dir: dir, active: active))
            } else {
                for line in StatusRendering.text(live, state: state, dir: dir, active: active) { print(line) }
            }
        }
    }
}
