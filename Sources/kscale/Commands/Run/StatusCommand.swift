import ArgumentParser
import Foundation
import KScaleCore
import KScaleExec
import KScaleTime

/// `kscale status`: where a run stands, from its journal and (when reachable) the cluster, and the
/// runs in flight that the cluster's run record (`__kscale_runs`) holds, other hosts' too.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a run's partitions done, in flight and pending, bytes copied, rate, ETA and stalls, and every host's runs in flight on the cluster.",
        discussion: helpDiscussion("", examples: [
            "kscale status",
            "kscale status --state-dir /var/lib/kscale/runs --run 3f9a0c2e81d4b7a6 --output json",
            "kscale status --bootstrap-server kafka-1:9092",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var runSelection: RunSelectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runExecCommand {
            guard let selected = try selectedRun() else {
                // No run on this host: the runs the cluster's record holds, any host's.
                let runs = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig,
                                               requestTimeout: connection.requestTimeout) { admin in
                    try await ClusterRuns.read(from: admin)
                }
                if output.format == .json {
                    print(StatusRendering.json(runs, root: runSelection.stateRoot.root))
                } else {
                    for line in StatusRendering.text(runs, root: runSelection.stateRoot.root) { print(line) }
                }
                return
            }
            var dir = selected
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
            let (live, runs) = try await withAdmin(bootstrap: connection.bootstrapServer ?? state.bootstrap, commandConfig: connection.commandConfig ?? state.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                (try await LiveStatus.read(state: state, admin: admin, last: ProgressFile.read(dir: dir), now: SystemClock().now()),
                 try await ClusterRuns.read(from: admin))
            }
            if output.format == .json {
                print(StatusRendering.json(live, state: state, dir: dir, active: active, cluster: runs))
            } else {
                for line in StatusRendering.text(live, state: state, dir: dir, active: active, cluster: runs) { print(line) }
            }
        }
    }

    /// The run to show: `--run`, else the most recent under the root; nil when the root holds
    /// none and `--bootstrap-server` names a cluster whose record may hold other hosts' runs.
    private func selectedRun() throws -> String? {
        guard runSelection.run == nil, runSelection.stateRoot.legacyRunDirectory == nil, connection.bootstrapServer != nil,
              (try? RunDirectory.latest(root: runSelection.stateRoot.root)) == nil else {
            return try runSelection.directory()
        }
        return nil
    }
}
