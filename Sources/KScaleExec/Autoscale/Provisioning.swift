import Foundation
import KScaleCore

/// The seam between the autoscaler and whatever makes and removes broker machines (docs/autoscale.md,
/// "Provisioners"). kscale cannot start a broker itself: it asks the operator's platform to, through
/// one of these, then runs its own safe scale-out or drain around the call.
///
/// - `add` is called before the scale-out flow; the flow then waits for the brokers to register.
/// - `remove` is called only after the drain flow ended and every broker named has a SAFE TO STOP
///   verdict (`BrokerVerdict`); a provisioner never decides that itself.
/// - `plannedSteps` says, without running anything, what `add` or `remove` would run: the dry run
///   (no `--execute`) logs it, and tests compare it with what a recording `kubectl`/`docker` saw.
public protocol BrokerProvisioner: Sendable {
    /// `command`, `strimzi` or `compose`, as in the policy.
    var kind: String { get }
    /// The ids the platform will give the brokers it adds (Strimzi picks its own; the others take
    /// the ids kscale chose). Read-only.
    func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID]
    /// The ids the platform will remove when shrinking by `count`, among `candidates` (the brokers
    /// the decision chose); Strimzi removes the highest ids unless told otherwise. Read-only.
    func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID]
    /// What `add` / `remove` would run, one step per command, without running it.
    func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep]
    /// Runs the action. Throws `ProvisionFailure` (with every step that ran) when a command fails.
    func run(_ action: ProvisionAction) async throws -> [ProvisionStep]
}

/// One broker to make, and the rack the decision put it in (the least-populated rack).
public struct ProvisionRequest: Sendable, Hashable, Codable {
    public var id: BrokerID
    public var rack: String?
    public init(id: BrokerID, rack: String?) {
        self.id = id
        self.rack = rack
    }
}

/// What a provisioner is asked to do.
public enum ProvisionAction: Sendable, Hashable {
    case add([ProvisionRequest])
    /// Only brokers with a SAFE TO STOP verdict.
    case remove([BrokerID])
}

/// One command a provisioner ran (or would run): its argument vector, exit code and output, for the
/// autoscaler's event log. `exitCode` and `output` are nil in a planned step.
public struct ProvisionStep: Sendable, Hashable, Codable {
    public var command: [String]
    public var exitCode: Int32?
    public var output: String?
    public init(command: [String], exitCode: Int32? = nil, output: String? = nil) {
        self.command = command
        self.exitCode = exitCode
        self.output = output
    }
}

/// A provisioning command failed: the autoscaler pauses and notifies with this.
public struct ProvisionFailure: Error, Sendable, CustomStringConvertible {
    public var steps: [ProvisionStep]
    public var message: String
    public init(message: String, steps: [ProvisionStep]) {
        self.message = message
        self.steps = steps
    }
    public var description: String { message }
}
