import Foundation
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTime
import KScaleTestSupport
import Testing

/// Where the integration scenarios run: the same scenario code against KafkaSim (always, in
/// `swift test`) or against a real cluster (when KSCALE_BOOTSTRAP is set; scripts/integration.sh
/// brings up docker-compose.yml for that). Both have brokers 1-6 over racks a, b, c (rack of broker
/// i is (i - 1) % 3) and spare brokers 7, 8, 9 registered empty, one per rack.
protocol ScenarioCluster: Sendable {
    var name: String { get }
    /// The KafkaSim profile the cluster behaves as; nil for a real cluster (whose release the
    /// scenarios do not assume).
    var profile: KafkaProfile? { get }
    var admin: any ClusterAdmin { get }
    /// Where other clients (kafka-python) connect.
    var bootstrap: String { get }
    /// The concrete client, for what is not on the seam (creating and deleting test topics).
    var client: KafkaAdminClient { get }
    /// The clock the executor paces with (the simulator's scaled time, or wall time).
    var clock: any KScaleClock { get }
    /// Stops and restarts a broker, when this target can (`nil` when it cannot).
    func stop(_ id: BrokerID) async throws -> Bool
    func start(_ id: BrokerID) async throws
    func shutdown() async
}

enum Scenario {
    static let brokers: [BrokerID] = [1, 2, 3, 4, 5, 6]
    static let spares: [BrokerID] = [7, 8, 9]
    static func rack(_ id: BrokerID) -> String { ["rack-a", "rack-b", "rack-c"][Int(id - 1) % 3] }

    /// The real cluster's bootstrap, when the environment names one.
    static var realBootstrap: String? {
        ProcessInfo.processInfo.environment["KSCALE_BOOTSTRAP"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static let realSkipReason: Comment = "set KSCALE_BOOTSTRAP (scripts/integration.sh does) to run the scenarios against real Kafka"

    /// A rack-aware assignment on brokers 1-6: replica k of partition p in rack (p + k) % 3.
    static func assignment(partitions: Int, rf: Int = 3) -> [[BrokerID]] {
        (0..<partitions).map { p in
            (0..<rf).map { k in
                let rack = (p + k) % 3
                return BrokerID(rack + 1 + 3 * ((p / 3 + k) % 2))
            }
        }
    }

    /// A topic name no other run of the suite uses.
    static func topic(_ base: String) -> String { "kscale-it-\(base)-\(UUID().uuidString.prefix(8).lowercased())" }

    static func create(_ topic: String, partitions: Int, on admin: KafkaAdminClient) async throws {
        let errors = try await admin.createTopics([NewTopic(name: topic, partitions: -1, replicationFactor: -1,
                                                            assignments: assignment(partitions: partitions))], validateOnly: false)
        if let e = errors[topic] { throw InvalidInput("creating \(topic) failed: \(e)") }
    }
}

/// KafkaSim with the scenario layout, a 24-partition topic of 50 MB partitions (or the topics
/// given), behaving as `profile`, on simulated time 200 times faster than the wall clock, which
/// the executor and the flows share.
struct SimScenarioCluster: ScenarioCluster {
    let sim: SimCluster
    let client: KafkaAdminClient
    let clock: any KScaleClock
    let simProfile: KafkaProfile
    var name: String { "KafkaSim (\(simProfile))" }
    var profile: KafkaProfile? { simProfile }
    var admin: any ClusterAdmin { client }
    var bootstrap: String { sim.bootstrapServers }
    static let timeScale = 200.0

    static var orders: TopicState {
        TopicState(name: "orders", partitions: Scenario.assignment(partitions: 24).enumerated().map {
            PartitionState(partition: Int32($0.offset), replicas: $0.element, size: 50_000_000)
        })
    }

    static func start(profile: KafkaProfile, topics: [TopicState] = [orders]) async throws -> SimScenarioCluster {
        let brokers = (Scenario.brokers + Scenario.spares).map { Broker(id: $0, rack: Scenario.rack($0)) }
        let clock = ScaledClock(timeScale: timeScale)
        let sim = try await SimCluster.start(snapshot: ClusterSnapshot(brokers: brokers, topics: topics),
                                             options: SimOptions(clock: clock, profile: profile))
        let client = try await KafkaAdminClient.connect(bootstrap: sim.bootstrapServers, commandConfig: nil)
        return SimScenarioCluster(sim: sim, client: client, clock: clock, simProfile: profile)
    }

    func stop(_ id: BrokerID) async throws -> Bool {
        await sim.stopBroker(id)
        return true
    }

    func start(_ id: BrokerID) async throws { await sim.startBroker(id) }

    func shutdown() async {
        await client.close()
        await sim.shutdown()
    }
}

/// A real cluster from KSCALE_BOOTSTRAP (and KSCALE_COMMAND_CONFIG when set). Brokers are stopped
/// and started with `docker compose` when KSCALE_COMPOSE_FILE names the compose file.
struct RealScenarioCluster: ScenarioCluster {
    let client: KafkaAdminClient
    let bootstrap: String
    var name: String { "real Kafka" }
    var profile: KafkaProfile? { nil }
    var admin: any ClusterAdmin { client }
    var clock: any KScaleClock { SystemClock() }

    static func start(bootstrap: String) async throws -> RealScenarioCluster {
        let config = ProcessInfo.processInfo.environment["KSCALE_COMMAND_CONFIG"]
        return RealScenarioCluster(client: try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: config), bootstrap: bootstrap)
    }

    func stop(_ id: BrokerID) async throws -> Bool {
        guard let file = ProcessInfo.processInfo.environment["KSCALE_COMPOSE_FILE"] else { return false }
        try await compose(file, ["stop", "broker-\(id)"])
        return true
    }

    func start(_ id: BrokerID) async throws {
        guard let file = ProcessInfo.processInfo.environment["KSCALE_COMPOSE_FILE"] else { return }
        try await compose(file, ["--profile", "scale-out", "up", "-d", "--wait", "broker-\(id)"])
    }

    /// Runs `docker compose`, bounded: `up --wait` for one broker takes well under this.
    private func compose(_ file: String, _ args: [String]) async throws {
        let result = try await ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                            arguments: ["docker", "compose", "-f", file] + args).wait(timeout: .seconds(300))
        guard result.status == 0 else {
            throw InvalidInput("docker compose \(args.joined(separator: " ")) failed (exit \(result.status)): \(result.stderr.suffix(2000))")
        }
    }

    func shutdown() async { await client.close() }
}

/// Runs a scenario on a fresh KafkaSim cluster behaving as `profile`, shut down whatever happens.
func onKafkaSim(_ profile: KafkaProfile, topics: [TopicState] = [SimScenarioCluster.orders],
                _ body: (any ScenarioCluster) async throws -> Void) async throws {
    let t = try await SimScenarioCluster.start(profile: profile, topics: topics)
    do { try await body(t) } catch { await t.shutdown(); throw error }
    await t.shutdown()
}

/// Runs a scenario on the real cluster KSCALE_BOOTSTRAP names (the suites are disabled without it).
func onRealKafka(_ body: (any ScenarioCluster) async throws -> Void) async throws {
    guard let bootstrap = Scenario.realBootstrap else { return }
    let t = try await RealScenarioCluster.start(bootstrap: bootstrap)
    do { try await body(t) } catch { await t.shutdown(); throw error }
    await t.shutdown()
}
