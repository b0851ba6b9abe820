import Foundation
import KScaleCore

/// `provisioner: {kind: compose, file: docker-compose.yml, service: "kafka-{id}"}`: brokers that are
/// docker compose services, one per broker id, already declared in the compose file (each with its
/// `node.id`/`broker.id` and rack); kscale starts and stops them (docs/autoscale.md, "Provisioners").
///
/// Commands, argument vectors with no shell (`-f FILE` only when the policy names a file):
/// - add:    `docker compose [-f FILE] up -d SERVICE...` (every broker of the action in one command);
/// - remove: `docker compose [-f FILE] stop SERVICE...`, then `docker compose [-f FILE] rm -f SERVICE...`.
/// The service of broker 4 with `service: "kafka-{id}"` is `kafka-4`. Volumes are left alone: a
/// removed broker's data directory is the operator's to delete.
public struct ComposeProvisioner: CommandListProvisioner {
    public var file: String?
    public var serviceTemplate: String
    public var docker: String
    public var runner: ProvisionRunner

    public init(file: String?, service: String, docker: String = "docker", runner: ProvisionRunner = ProvisionRunner()) {
        self.file = file
        serviceTemplate = service
        self.docker = docker
        self.runner = runner
    }

    public var kind: String { "compose" }

    public func service(_ id: BrokerID) -> String { serviceTemplate.replacingOccurrences(of: "{id}", with: String(id)) }

    var compose: [String] { [docker, "compose"] + (file.map { ["-f", $0] } ?? []) }

    public func commands(_ action: ProvisionAction) -> [[String]] {
        switch action {
        case .add(let requests):
            // No service named would mean every service of the file.
            guard !requests.isEmpty else { return [] }
            return [compose + ["up", "-d"] + requests.map { service($0.id) }]
        case .remove(let ids):
            guard !ids.isEmpty else { return [] }
            let services = ids.map(service)
            return [compose + ["stop"] + services, compose + ["rm", "-f"] + services]
        }
    }
}
