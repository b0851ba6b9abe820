import Foundation
import KafkaClient
import KScaleTestSupport
import Testing

/// `kscale sim --kafka-version V --mode M [--combined]`: impossible profiles are refused before
/// anything listens, naming the reason, with a non-zero exit.
@Suite struct SimProfileCommandTests {
    static let snapshot = Repository.url("Fixtures/snapshots/scale-out-racks.json").path

    @Test(arguments: [
        (["--kafka-version", "4.0", "--mode", "zookeeper"], "no ZooKeeper mode"),
        (["--kafka-version", "2.5", "--mode", "kraft"], "no KRaft mode"),
        (["--kafka-version", "3.3", "--mode", "zookeeper", "--combined"], "--combined"),
        (["--kafka-version", "1.0"], "no KafkaSim profile for Kafka 1.0"),
        (["--mode", "raft"], "--mode must be zookeeper or kraft"),
        (["--metadata-lag", "soon"], "--metadata-lag \"soon\" is not a duration"),
        (["--metadata-lag", "-2s"], "--metadata-lag"),
        (["--metadata-version", "soon"], "--metadata-version must be a feature level such as 29 or a name such as 4.2-IV1, got 'soon'"),
        (["--kafka-version", "3.9", "--mode", "zookeeper", "--metadata-version", "21"], "--metadata-version 21: Kafka 3.9 zookeeper has no metadata.version feature"),
        (["--kafka-version", "4.2", "--metadata-version", "4.3-IV0"], "--metadata-version 4.3-IV0: Kafka 4.2 finalizes metadata.version levels 7 to 29, got 30"),
        (["--metadata-version", "3.2-IV0"], "levels 7 to 30, got 3"),
    ])
    func impossibleProfilesAreRefused(arguments: [String], reason: String) async throws {
        let r = try await KScaleBinary.run(["sim", "--snapshot", Self.snapshot, "--port", "0", "--control-port", "0"] + arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(!r.stdout.contains("bootstrap"))
    }

    /// `--metadata-version 4.2-IV1` on 4.3: the cluster finalizes level 29 (ApiVersions' finalized
    /// features), so a drain rehearsed on it says the brokers are not cordoned and why; without it,
    /// the release's newest (30).
    @Test(arguments: [(["--metadata-version", "4.2-IV1"], Int16(29)), (["--metadata-version", "30"], Int16(30)), ([], Int16(30))])
    func theFinalizedMetadataVersionIsTheOneAskedFor(arguments: [String], level: Int16) async throws {
        let sim = try KScaleBinary.start(["sim", "--snapshot", Self.snapshot, "--port", "0", "--control-port", "0"] + arguments)
        defer { sim.kill() }
        try await waitUntil("kscale sim to print its bootstrap", timeout: .seconds(60), pause: .sleep(.milliseconds(50))) {
            sim.stdoutSoFar.contains("\ncontrol ") || !sim.isRunning
        }
        let line = sim.stdoutSoFar.split(separator: "\n").first { $0.hasPrefix("bootstrap ") }
        let bootstrap = try #require(line.map { String($0.dropFirst("bootstrap ".count)) }, "\(sim.stdoutSoFar)\(sim.stderrSoFar)")
        let client = try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: nil)
        let features = try await client.finalizedFeatures()
        await client.close()
        #expect(features["metadata.version"] == level, "\(features)")
        sim.signal(SIGTERM)
        _ = try await sim.wait(timeout: .seconds(30))
    }
}
