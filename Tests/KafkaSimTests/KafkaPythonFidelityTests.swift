import Foundation
import KScaleCore
import KScaleTime
import KScaleTestSupport
import Testing
@testable import KafkaSim

/// Fidelity against a client kscale did not write: kafka-python 3.x drives the simulator through
/// Tests/fidelity/kafka_python_check.py and we check both what it saw and what the simulator did.
/// Needs `pip install 'kafka-python>=3,<4'` (scripts/setup.sh does it on CI).
struct KafkaPythonFidelityTests {
    static func script(_ name: String) -> String { Repository.url("Tests/fidelity/\(name)").path }

    /// Runs a script (bounded: the scripts take seconds) and returns its JSON output.
    static func runScript(_ name: String, _ arguments: [String],
                          environment: [String: String] = [:]) async throws -> [String: Any] {
        let result = try await ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                            arguments: ["python3", script(name)] + arguments,
                                            environment: environment).wait(timeout: .seconds(180))
        guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
            throw FidelityError.scriptFailed("exit \(result.status): \(result.stderr.suffix(2000))")
        }
        return json
    }

    /// Runs a script with `--bootstrap` pointing at `sim`; a failed script shuts the simulator down.
    static func runScript(_ name: String, against sim: SimCluster) async throws -> [String: Any] {
        do {
            return try await runScript(name, ["--bootstrap", sim.bootstrapServers])
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    /// kafka-python's describe_metadata_quorum (DescribeQuorum) against a combined-mode cluster:
    /// brokers 1-3 vote, broker 4 observes, broker 1 leads.
    @Test func kafkaPythonDescribesTheQuorum() async throws {
        let sim = try await SimCluster.start(snapshot: SimClusterTests.snapshot(),
                                             options: SimOptions(clock: ManualClock(), profile: try KafkaProfile(version: "4.3", combined: true)))
        let out = try await Self.runScript("kafka_python_quorum.py", against: sim)
        await sim.shutdown()
        #expect(out["topic"] as? String == "__cluster_metadata")
        #expect(out["error"] is NSNull)
        #expect(out["leader_id"] as? Int == 1)
        #expect(out["voters"] as? [Int] == [1, 2, 3])
        #expect(out["observers"] as? [Int] == [4])
        #expect(out["nodes"] as? [Int] == [1, 2, 3])
    }

    /// kafka-python (its own encoder and decoder, over kscale's UnregisterBroker schema) against
    /// dormant brokers: absent until started, BROKER_ID_NOT_REGISTERED for one never started, and
    /// gone from its describe_cluster once unregistered.
    @Test func kafkaPythonSeesDormantBrokersAndUnregistersOne() async throws {
        let sim = try await SimCluster.start(snapshot: DormantBrokerTests.snapshot,
                                             options: SimOptions(clock: ManualClock(), profile: try KafkaProfile(version: "4.1")))
        let dormant = try await Self.runScript("kafka_python_brokers.py", ["--bootstrap", sim.bootstrapServers, "--unregister", "5"])
        #expect(dormant["brokers"] as? [Int] == [1, 2, 3])
        #expect(dormant["error_code"] as? Int == 102)
        #expect(dormant["error_message"] as? String == "Broker ID 5 is not currently registered")
        await sim.startBroker(4)
        await sim.stopBroker(4)
        let unregistered = try await Self.runScript("kafka_python_brokers.py", ["--bootstrap", sim.bootstrapServers, "--unregister", "4"])
        await sim.shutdown()
        #expect(unregistered["error_code"] as? Int == 0)
        #expect(unregistered["error_message"] is NSNull)
        #expect(unregistered["brokers_after"] as? [Int] == [1, 2, 3])
    }

    @Test func kafkaPythonAdminAndProducerAgainstTheSimulator() async throws {
        let clock = ManualClock()
        let snapshot = ClusterSnapshot(
            brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"), Broker(id: 4, rack: "a")],
            topics: [TopicState(name: "orders", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 50_000_000),
                PartitionState(partition: 1, replicas: [2, 3], size: 50_000_000),
            ])])
        let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(clock: clock))
        let out = try await Self.runScript("kafka_python_check.py", against: sim)
        #expect(out["exceptions"] == nil, "kafka-python steps raised: \(out["exceptions"] ?? "")")

        let cluster = out["describe_cluster"] as? [String: Any]
        #expect(cluster?["broker_ids"] as? [Int] == [1, 2, 3, 4])
        // KRaft (the default profile) names a random live broker as the controller.
        #expect([1, 2, 3, 4].contains(cluster?["controller_id"] as? Int ?? -1))
        #expect((cluster?["racks"] as? [String: String])?["3"] == "c")

        let create = out["create_topics"] as? [String: Any]
        #expect((create?["first"] as? [String: Int])?["fidelity"] == 0)
        #expect(create?["duplicate"] as? String == "TopicAlreadyExistsError")
        #expect(create?["bad_name"] as? String == "InvalidTopicError")

        let partitions = out["create_partitions"] as? [String: Any]
        #expect(partitions?["count"] as? Int == 6)
        #expect(partitions?["p5_replicas"] as? [Int] == [4, 1])
        #expect((partitions?["shrink"] as? [String: Int])?["fidelity"] == Int(SimErrorCode.invalidPartitions))

        let alter = out["alter_configs"] as? [String: Any]
        let alterResult = alter?["result"] as? [String: [String: String]]
        #expect(alterResult?["topic"]?["orders"] == "OK")
        #expect(alterResult?["broker"]?["1"] == "OK")
        let appendScalar = (alter?["append_to_scalar"] as? [String: [String: String]])?["topic"]?["orders"] ?? ""
        #expect(appendScalar.contains("InvalidConfigurationError"))

        let configs = out["describe_configs"] as? [String: [String: Any]]
        #expect(configs?["retention.ms"]?["value"] as? String == "3600000")
        #expect(configs?["retention.ms"]?["config_source"] as? String == "DYNAMIC_TOPIC_CONFIG")
        #expect(configs?["segment.bytes"]?["config_source"] as? String == "DEFAULT_CONFIG")
        #expect(configs?["leader.replication.throttled.replicas"]?["value"] as? String == "0:1,0:2")

        let moves = out["reassignments"] as? [String: Any]
        #expect((moves?["submitted"] as? [String: Any])?["0"] is NSNull)
        let listed = (moves?["listed"] as? [String: [String: [Int]]])?["orders-0"]
        #expect(listed?["replicas"] == [3, 4, 1, 2])
        #expect(listed?["adding_replicas"] == [3, 4])
        #expect(listed?["removing_replicas"] == [1, 2])
        #expect((moves?["invalid"] as? [String: String])?["1"]?.contains("INVALID_REPLICA") == true)

        let dirs = (out["describe_log_dirs"] as? [[String: Any]])?.first
        let dir = (dirs?["log_dirs"] as? [[String: Any]])?.first
        #expect(dirs?["broker"] as? Int == 2)
        #expect(dir?["total_bytes"] as? Int == 1_000_000_000_000)
        let orders = (dir?["topics"] as? [[String: Any]])?.first { $0["name"] as? String == "orders" }
        #expect((orders?["partitions"] as? [[String: Any]])?.first?["partition_size"] as? Int == 50_000_000)

        #expect((out["produce"] as? [String: [Int]])?["offsets"] == Array(0..<10))
        #expect((out["elect_leaders"] as? [String: Int])?["orders-1"] == Int(SimErrorCode.electionNotNeeded))

        // What kafka-python did, as the simulator saw it.
        var state = await sim.state()
        #expect(state.partition(TopicPartition("orders", 0))?.replicas == [3, 4, 1, 2])
        #expect(state.topics.first { $0.name == "orders" }?.configs?["retention.ms"] == "3600000")
        #expect((state.partition(TopicPartition("fidelity", 0))?.size ?? 0) > 1000)
        // The reassignment kafka-python submitted completes: 50 MB from broker 1 to two new
        // replicas at 125 MB/s shared is 0.8 simulated seconds.
        clock.advance(by: 2)
        state = await sim.state()
        #expect(state.moves.isEmpty)
        #expect(state.partition(TopicPartition("orders", 0))?.replicas == [3, 4])
        #expect(state.partition(TopicPartition("orders", 0))?.leader == 3)
        await sim.shutdown()
    }
}

extension KafkaPythonFidelityTests {
    @Test(arguments: [("alice", SimSaslMechanism.plain), ("bob", .scramSha256), ("carol", .scramSha512)])
    func kafkaPythonLogsInOverSASL(user: String, mechanism: SimSaslMechanism) async throws {
        let users = [SimUser(name: "alice", password: "pw-alice", mechanism: .plain),
                     SimUser(name: "bob", password: "pw-bob", mechanism: .scramSha256),
                     SimUser(name: "carol", password: "pw-carol", mechanism: .scramSha512)]
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2)], topics: [])
        let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(users: users, securityProtocol: .saslPlaintext))
        let args = ["--bootstrap", sim.bootstrapServers, "--mechanism", mechanism.rawValue, "--user", user, "--password-env", "SIM_PW"]
        let good = try await Self.runScript("kafka_python_sasl.py", args, environment: ["SIM_PW": "pw-\(user)"])
        // A refused login: kafka-python gives up after its 3 s bootstrap timeout.
        let bad = try await Self.runScript("kafka_python_sasl.py", args + ["--bootstrap-timeout-ms", "3000"], environment: ["SIM_PW": "wrong"])
        await sim.shutdown()
        #expect(good["brokers"] as? [Int] == [1, 2], "login failed: \(good)")
        #expect(bad["brokers"] == nil)
        // kafka-python retries a refused login until its bootstrap times out, so only an error is certain;
        // the Swift wire test checks the SASL_AUTHENTICATION_FAILED answer itself.
        #expect(bad["error"] is String, "got \(bad)")
    }
}

enum FidelityError: Error {
    case scriptFailed(String)
}
