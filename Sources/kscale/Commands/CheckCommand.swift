import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec

/// `kscale check`: the pre/post-flight checklist of a live cluster, as a table or JSON, with an
/// exit code automation can act on.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a cluster's health, capacity, balance and leftover throttles.",
        discussion: helpDiscussion("""
            Reports under-replicated, under-min-ISR and offline partitions, reassignments in flight, offline or \
            fenced brokers, disk use per broker (warn above 70%, critical above 85%), replicas per broker (warn \
            above 4,000), replica, leader and byte balance, and replication throttles left behind.
            Exit code: 0 nothing found, 1 the worst finding is a warning, 2 a critical finding or bad input, 4 the cluster \
            could not be reached or refused the credentials, 5 it refused a request; no error exits 0 or 1.
            """, examples: [
            "kscale check --bootstrap-server kafka-1:9092",
            "kscale check --bootstrap-server kafka-1:9092 --command-config client.properties --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let code = try await reportingErrors {
            try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                let report = HealthCheck.evaluate(try await ClusterObservation.read(from: admin))
                print(output.format == .json ? try LifecycleRender.json(report) : LifecycleRender.check(report))
                return report.status.exitCode
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}
