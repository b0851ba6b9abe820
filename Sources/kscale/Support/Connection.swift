import ArgumentParser
import Foundation
import KafkaAdmin
import KafkaClient
import KScaleCore
import KScaleExec

/// The options every live command shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Brokers to bootstrap from, HOST:PORT[,HOST:PORT...].")
    var bootstrapServer: String?
    @Option(name: .long, help: "Kafka client properties file (Kafka's or librdkafka's names: security.protocol, sasl.*, ssl.*); see docs/security.md.")
    var commandConfig: String?
    @Option(name: .long, help: ArgumentHelp("Simulated-time factor of a KafkaSim cluster, so timeouts and rates are in its units.", visibility: .hidden))
    var timeScale: Double?

    var clock: any ExecClock { timeScale.map { ScaledWallClock(scale: $0) } ?? SystemClock() }
}

/// An admin connection through the dry-run gate, and how to close it.
struct AdminSession {
    var admin: DryRunAdmin
    var close: @Sendable () async -> Void
}

/// The one place a command connects to a cluster, and the one place `--execute` becomes the
/// gate's mode: every command talks to the cluster through a `DryRunAdmin` (KafkaAdmin), which
/// sends changes only when `execute` is true. A command without `--execute` passes nothing and
/// gets a dry-run gate, so it cannot change the cluster.
func connectAdmin(bootstrap: String?, commandConfig: String?, execute: Bool = false) async throws -> AdminSession {
    guard let bootstrap, !bootstrap.isEmpty else {
        throw InvalidInput("--bootstrap-server is required (HOST:PORT)")
    }
    // KafkaAdminClient over kscale's own wire protocol: swapping the transport touches this line.
    let client = try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: commandConfig)
    return AdminSession(admin: DryRunAdmin(client, execute: execute), close: { await client.close() })
}

/// Runs `body` with an admin connection (through the gate) and closes it whatever happens.
func withAdmin<T>(bootstrap: String?, commandConfig: String?, execute: Bool = false,
                  _ body: (DryRunAdmin) async throws -> T) async throws -> T {
    let session = try await connectAdmin(bootstrap: bootstrap, commandConfig: commandConfig, execute: execute)
    do {
        let result = try await body(session.admin)
        await session.close()
        return result
    } catch {
        await session.close()
        throw error
    }
}

/// Connects, runs `body`, closes: a broker's refusal or an unreachable cluster is one `error:` line
/// and a non-zero exit through `reportingErrors`.
func runLiveCommand(_ connection: ConnectionOptions, execute: Bool = false, _ body: (DryRunAdmin) async throws -> Void) async throws {
    try await reportingErrors {
        try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, execute: execute, body)
    }
}
