import Dispatch
import Foundation
import KScaleCore
import KScaleExec
import KScaleTime

/// Ctrl-C (SIGINT) and SIGTERM during a command that moves data. The run's clock is interrupted,
/// so the executor stops at its next wait with its journal complete (it never dies between an
/// action and its journal line), and the command says what is still moving, which throttles stay
/// and the exact commands to continue or undo, then exits 130.
enum Interrupts {
    private static let installed = Installed()

    /// The process's interruption, with the signal handlers installed on first use.
    static var interruption: Interruption { installed.interruption }

    // The sources are only kept alive, never touched again after `init`.
    private final class Installed: @unchecked Sendable {
        let interruption = Interruption()
        private let sources: [any DispatchSourceSignal]

        init() {
            let interruption = self.interruption
            sources = [SIGINT, SIGTERM].map { number in
                // The default action would end the process before the journal is read back.
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { interruption.interrupt() }
                source.resume()
                return source
            }
        }
    }

    /// What an interrupted run leaves, for the operator: read from its journal. For a lifecycle
    /// command's flow (`dir` holds its flow journal): the step it stopped in, what its current
    /// run leaves, and the command that finishes the whole flow.
    static func report(runIn dir: String) -> String {
        if let flow = try? FlowDirectory.standing(dir), FlowDirectory.isFlow(dir) { return report(flow: flow) }
        guard let state = try? RunDirectory.readState(dir), state.plan != nil, state.ended == nil else {
            return "interrupted before any data moved; nothing of this command is running on the cluster"
        }
        let moving = state.partitions.filter { $0.value.phase == .submitted }.map(\.key).sorted()
        var lines = ["interrupted: the run stopped submitting moves; its journal is complete (\(dir))."]
        if moving.isEmpty {
            lines.append("nothing of this run is moving on the cluster.")
        } else {
            lines.append("\(moving.count) partitions are still moving (Kafka keeps copying them): \(moving.prefix(10).map(\.description).joined(separator: ", "))\(moving.count > 10 ? ", ..." : "")")
        }
        let ledger = state.ledger
        if ledger.outstanding > 0 {
            lines.append("\(ledger.rates.count) broker rates and \(ledger.replicaEntryCount) replica entries stay set: they keep throttling the copies in flight.")
        }
        lines.append("continue: kscale resume \(RunDirectory.selection(of: dir)) --execute")
        lines.append("undo:     kscale cancel \(RunDirectory.selection(of: dir)) --execute   (add --rollback to move finished partitions back)")
        return lines.joined(separator: "\n")
    }

    static func report(flow: FlowStanding) -> String {
        let command = flow.state.command?.commandLine ?? "the same command"
        var lines = ["interrupted at step \"\(flow.state.position)\" of `\(command)`; its journal is complete (\(flow.dir))."]
        if let run = flow.state.currentRun, let state = flow.currentRun, state.ended == nil {
            // The executor run of the step: what is moving and which throttles stay, as for `execute`.
            let moving = state.submitted.sorted()
            if moving.isEmpty {
                lines.append("nothing of this run is moving on the cluster.")
            } else {
                lines.append("\(moving.count) partitions are still moving (Kafka keeps copying them): \(moving.prefix(10).map(\.description).joined(separator: ", "))\(moving.count > 10 ? ", ..." : "")")
            }
            if state.ledger.outstanding > 0 {
                lines.append("\(state.ledger.rates.count) broker rates and \(state.ledger.replicaEntryCount) replica entries stay set: they keep throttling the copies in flight.")
            }
            lines.append("continue: kscale resume \(RunDirectory.selection(of: flow.dir)) --execute   (or run `\(command) --execute` again: it finishes the moves, then the remaining steps)")
            lines.append("undo:     kscale cancel \(RunDirectory.selection(of: run)) --execute   (add --rollback to move finished partitions back)")
        } else {
            lines.append("nothing of this command is moving on the cluster.")
            lines.append("continue: kscale resume \(RunDirectory.selection(of: flow.dir)) --execute   (or run `\(command) --execute` again)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Runs a command that moves data so that an interruption ends it with `Interrupts.report` of the
/// run in `dir()` (read after the interruption: a scale operation's run is known only then) and
/// exit 130 (kind `interrupted`).
func reportingInterruptions<T>(runIn dir: () -> String?, _ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch is CancellationError where Interrupts.interruption.isRaised {
        if let dir = dir() { printError(Interrupts.report(runIn: dir)) }
        throw CancellationError()
    }
}
