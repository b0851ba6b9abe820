import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore

/// `kscale unregister-broker`: UnregisterBroker (KIP-631) for a broker that is gone for good, through
/// the dry-run gate (`DryRunAdmin.unregisterBroker`).
struct UnregisterBrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unregister-broker",
        abstract: "Remove a stopped, empty broker's registration from the KRaft controller (a dry run unless --execute).",
        discussion: helpDiscussion("""
            KRaft only: a ZooKeeper broker's registration ends when it stops, and the command refuses ZooKeeper \
            clusters saying so. A broker that still holds replicas is refused: drain it first (kscale scale-in), \
            stop it, then unregister it. The dry run sends nothing and says what the controller would answer.
            Exit code: 0 done (or the dry run), 2 bad input or refused (ZooKeeper, replicas held), 5 the controller \
            refused (BROKER_ID_NOT_REGISTERED, also predicted by the dry run).
            """, examples: [
            "kscale unregister-broker --bootstrap-server kafka-1:9092 --broker 7",
            "kscale unregister-broker --bootstrap-server kafka-1:9092 --broker 7 --execute --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(name: .long, help: "The broker id to unregister.")
    var broker: Int32
    @OptionGroup var output: OutputOptions
    @OptionGroup var gate: DryRunGateOptions

    struct Result: Encodable {
        var broker: Int32
        var sent: Bool
    }

    func run() async throws {
        let id = broker
        try await reportingErrors {
            guard id >= 0 else { throw InvalidInput("--broker must be a broker id (0 or more), got \(id)") }
        }
        try await runMutatingCommand(connection, execute: gate.execute, output: output.format) { admin in
            try await admin.unregisterBroker(id)
            let text = admin.isDryRun ? "dry run: broker \(id) would be unregistered (add --execute to send UnregisterBroker)"
                                      : "broker \(id) unregistered"
            return (Result(broker: id, sent: !admin.isDryRun), text, 0)
        }
    }
}
