import KScaleCore

/// The provisioner of a policy's `provisioner:` section, for the CLI's autoscaler. In this branch
/// every kind is a `NotBuiltProvisioner`, which says so on every call; the command, Strimzi and
/// compose provisioners replace this body (the signature stays).
public func makeProvisioner(_ provisioner: AutoscalePolicy.Provisioner) -> any BrokerProvisioner {
    NotBuiltProvisioner(kind: provisioner.kind)
}

/// A provisioner that cannot run: every call throws a clear error naming the kind. A dry run
/// still decides and logs; an action with `--execute` fails, which pauses autoscaling.
public struct NotBuiltProvisioner: BrokerProvisioner {
    public var kind: String
    public init(kind: String) { self.kind = kind }

    var failure: ProvisionFailure {
        ProvisionFailure(message: "the \(kind) provisioner is not built in this branch: kscale cannot add or remove brokers with it yet (docs/autoscale.md, \"What is not built yet\")", steps: [])
    }

    public func idsToAdd(_ requested: [ProvisionRequest]) async throws -> [BrokerID] { requested.map(\.id) }
    public func idsToRemove(count: Int, candidates: [BrokerID]) async throws -> [BrokerID] { Array(candidates.prefix(count)) }
    public func plannedSteps(_ action: ProvisionAction) -> [ProvisionStep] { [] }
    public func run(_ action: ProvisionAction) async throws -> [ProvisionStep] { throw failure }
}
