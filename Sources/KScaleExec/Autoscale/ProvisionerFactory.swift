import KScaleCore

/// The provisioner a policy names (`provisioner.kind`), running its commands through this process's
/// `PATH` (docs/autoscale.md, "Provisioners").
public func makeProvisioner(_ p: AutoscalePolicy.Provisioner) -> any BrokerProvisioner {
    makeProvisioner(p, runner: ProvisionRunner())
}

/// The same with the runner given (tests put a recording `kubectl`/`docker` first on its path).
public func makeProvisioner(_ p: AutoscalePolicy.Provisioner, runner: ProvisionRunner) -> any BrokerProvisioner {
    switch p {
    case .command(let add, let remove):
        CommandProvisioner(add: add, remove: remove, runner: runner)
    case .strimzi(let namespace, let pool, let kubectl):
        StrimziProvisioner(namespace: namespace, pool: pool, kubectl: kubectl, runner: runner)
    case .compose(let file, let service):
        ComposeProvisioner(file: file, service: service, runner: runner)
    }
}

/// What the loop uses when the policy names no provisioner: a dry run logs no steps, and an action
/// with `--execute` fails (and pauses autoscaling) naming the missing key. The CLI refuses
/// `--execute` without a provisioner before it starts, so this is only met by a dry run.
public struct NoProvisioner: BrokerProvisioner {
    public init() {}
    public var kind: String { "none" }
    public func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID] { requested.map(\.id) }
    public func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID] { Array(candidates.prefix(count)) }
    public func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep] { [] }
    public func run(_ action: ProvisionAction) async throws -> [ProvisionStep] {
        throw ProvisionFailure(message: "the policy names no provisioner (provisioner.kind: command, strimzi or compose; docs/autoscale.md, \"Provisioners\")", steps: [])
    }
}
