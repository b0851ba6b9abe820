import Foundation
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
    ])
    func impossibleProfilesAreRefused(arguments: [String], reason: String) async throws {
        let r = try await KScaleBinary.run(["sim", "--snapshot", Self.snapshot, "--port", "0", "--control-port", "0"] + arguments)
        #expect(r.status != 0)
        #expect(r.stderr.contains(reason), "\(r.stderr)")
        #expect(!r.stdout.contains("bootstrap"))
    }
}
