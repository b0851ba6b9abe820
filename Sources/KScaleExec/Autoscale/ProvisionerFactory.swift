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
