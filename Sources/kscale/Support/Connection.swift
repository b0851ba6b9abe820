import ArgumentParser
import Foundation
import KafkaAdmin
import KafkaClient
import KScaleCore
import KScaleExec
import KScaleTime
import KScaleIO

/// The options every live command shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Brokers to bootstrap from, HOST:PORT[,HOST:PORT...].")
    var bootstrapServer: String?
    @Option(name: .long, help: "Kafka client properties file (Kafka's or librdkafka's names: security.protocol, sasl.*, ssl.*); see docs/security.md.")
    var commandConfig: String?
    @Option(name: .long, help: "Longest one request to the cluster may take, retries included (e.g. 30s, 500ms; default request.timeout.ms from --command-config, else 30s); see docs/client.md.")
    var requestTimeout: String?
    @Option(name: .long, help: "Only against `kscale sim --time-scale N`: the same N, so waits, stall timeouts, rates and ETAs are in the simulator's time. Never against a real cluster.")
    var timeScale: Double?

    /// Wall time, or with `--time-scale` wall time that many times faster from now: read it once
    /// per command, so everything the command runs shares one clock.
    var clock: any KScaleClock { timeScale.map { ScaledClock(timeScale: $0, start: SystemClock().now()) } ?? SystemClock() }

    /// `clock`, interrupted by Ctrl-C or SIGTERM: for the commands that move data.
    var runClock: any KScaleClock { InterruptibleClock(clock, interruption: Interrupts.interruption) }
}

/// `--execute`, the same flag on every command that can change a cluster: without it the command
/// is a dry run through the gate (`connectAdmin`) and sends no change.
struct DryRunGateOptions: ParsableArguments {
    @Flag(name: .long, help: "Change the cluster. Without it, a dry run: print what would be sent (validated by the brokers where Kafka can) and change nothing.")
    var execute = false
}

/// An admin connection through the dry-run gate, and how to close it.
struct AdminSession {
    var admin: DryRunAdmin
    var close: @Sendable () async -> Void
}

/// The one place a command connects to a cluster, and the one place `--execute` becomes the
/// gate's mode: every command talks to the cluster through a `DryRunAdmin` (KafkaAdmin), which
/// sends changes only when `execute` is true. A command without `--execute` passes nothing and
/// gets a dry-run gate, so it cannot change the cluster. Each retry is one line on stderr.
func connectAdmin(bootstrap: String?, commandConfig: String?, requestTimeout: String?, execute: Bool = false) async throws -> AdminSession {
    guard let bootstrap, !bootstrap.isEmpty else {
        throw InvalidInput("--bootstrap-server is required (HOST:PORT)")
    }
    let timeout = try parseRequestTimeout(requestTimeout)
    // KafkaAdminClient over kscale's own wire protocol: swapping the transport touches this line.
    let client = try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: commandConfig, requestTimeout: timeout,
                                                    onRetry: { printError("note: \($0)") }, onWarning: { printError("warning: \($0)") })
    return AdminSession(admin: DryRunAdmin(client, execute: execute), close: { await client.close() })
}

/// `--request-timeout`, when given.
func parseRequestTimeout(_ text: String?) throws -> Duration? {
    try text.map { text in
        let milliseconds = (try parseDuration(text, option: "--request-timeout") * 1000).rounded()
        guard milliseconds >= 1 else { throw InvalidInput("--request-timeout \"\(text)\" is under a millisecond") }
        return Duration.milliseconds(Int64(milliseconds))
    }
}

/// Runs `body` with an admin connection (through the gate) and closes it whatever happens.
func withAdmin<T>(bootstrap: String?, commandConfig: String?, requestTimeout: String?, execute: Bool = false,
                  _ body: (DryRunAdmin) async throws -> T) async throws -> T {
    let session = try await connectAdmin(bootstrap: bootstrap, commandConfig: commandConfig, requestTimeout: requestTimeout, execute: execute)
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
        try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout,
                            execute: execute, body)
    }
}

/// `--max-input-size`, for every command that reads a snapshot: the most bytes a snapshot may hold
/// once decompressed, so a small hostile `.zst` is refused instead of expanding to gigabytes.
struct InputLimitOptions: ParsableArguments {
    @Option(name: .long, help: "The largest snapshot accepted once decompressed, e.g. 4GB (default 1GB).")
    var maxInputSize: String?

    var bytes: Int {
        get throws {
            guard let maxInputSize else { return KScaleFiles.defaultMaxInputBytes }
            let parsed = try ByteUnits.parseSize(maxInputSize)
            guard parsed > 0 else { throw InvalidInput("--max-input-size must be positive, got \(maxInputSize)") }
            return Int(clamping: parsed)
        }
    }
}
