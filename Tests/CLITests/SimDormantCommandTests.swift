import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KafkaClient
import KScaleTestSupport
import Testing

/// `kscale sim` with a snapshot file whose broker has `"registered": false`: absent from the
/// cluster until the control API's `POST /brokers/{id}/start`.
@Suite struct SimDormantCommandTests {
    @Test func aDormantBrokerOfTheFileJoinsWhenStarted() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-dormant-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("cluster.json")
        try """
        {"format": "kafka-cluster-v1",
         "brokers": [{"id": 1, "rack": "a"}, {"id": 2, "rack": "b"}, {"id": 3, "rack": "c", "registered": false}],
         "topics": [{"name": "orders", "partitions": [{"partition": 0, "replicas": [1, 2], "size": 1000}]}]}
        """.write(to: file, atomically: true, encoding: .utf8)
        let sim = try KScaleBinary.start(["sim", "--snapshot", file.path, "--port", "0", "--control-port", "0"])
        defer { sim.kill() }
        try await waitUntil("kscale sim to print its control URL", timeout: .seconds(60), pause: .sleep(.milliseconds(50))) {
            sim.stdoutSoFar.contains("\ncontrol ") || !sim.isRunning
        }
        let lines = sim.stdoutSoFar.split(separator: "\n")
        let bootstrap = try #require(lines.first { $0.hasPrefix("bootstrap ") }.map { String($0.dropFirst("bootstrap ".count)) },
                                     "\(sim.stdoutSoFar)\(sim.stderrSoFar)")
        let control = try #require(lines.first { $0.hasPrefix("control ") }.map { String($0.dropFirst("control ".count)) })
        let client = try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: nil)
        do {
            #expect(try await client.describeCluster().brokers.map(\.id) == [1, 2])
            var start = URLRequest(url: try #require(URL(string: control + "/brokers/3/start")))
            start.httpMethod = "POST"
            let (_, response) = try await URLSession.shared.data(for: start)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(try await client.describeCluster().brokers.map(\.id) == [1, 2, 3])
            await client.close()
        } catch {
            await client.close()
            throw error
        }
        sim.signal(SIGTERM)
        _ = try await sim.wait(timeout: .seconds(30))
    }
}
