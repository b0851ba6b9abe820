import Foundation
import KScaleCore
import KScaleTestSupport
import Testing
@testable import KafkaClient
@testable import KafkaSim

/// Records through KafkaSim checked with a client kscale did not write: kscale's client writes a
/// record, kafka-python 3.x (Tests/fidelity/kafka_python_records.py) produces and consumes, and
/// kscale's client reads everything back. Needs `pip install 'kafka-python>=3,<4'`.
struct RecordFidelityTests {
    @Test func kafkaPythonProducesAndConsumesAlongsideKscalesClient() async throws {
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 2), Broker(id: 3)],
                                       topics: [TopicState(name: "records", partitions: [PartitionState(partition: 0, replicas: [2, 3], size: 0)])])
        let sim = try await SimCluster.start(snapshot: snapshot)
        let tp = TopicPartition("records", 0)
        let out: [String: Any]
        let readBack: [LogRecord]?
        do {
            let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: sim.bootstrapServers, requestTimeout: .seconds(20)))
            #expect(try await admin.appendRecords([LogRecord(key: Array("kscale".utf8), value: Array("written by kscale".utf8))], to: tp) == 0)
            let script = Repository.url("Tests/fidelity/kafka_python_records.py").path
            let result = try await ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                                arguments: ["python3", script, "--bootstrap", sim.bootstrapServers]).wait(timeout: .seconds(180))
            guard result.status == 0, let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
                Issue.record("kafka_python_records.py exited \(result.status): \(result.stderr.suffix(2000))")
                await admin.close()
                await sim.shutdown()
                return
            }
            out = json
            readBack = try await admin.readAllRecords(tp, fetchBytes: 64)
            #expect(try await admin.readRecords(TopicPartition("missing", 0), from: nil, maxBytes: 100) == nil)
            await admin.close()
        } catch {
            await sim.shutdown()
            throw error
        }
        await sim.shutdown()

        #expect(out["produced_offsets"] as? [Int] == Array(1...20))
        for name in ["whole", "tiny_fetch"] {
            let consumed = out[name] as? [String: Any]
            let records = consumed?["records"] as? [[String: Any]] ?? []
            #expect(records.map { $0["offset"] as? Int } == Array(0...20), "\(name)")
            #expect(records.first?["key"] as? String == "kscale", "\(name)")
            #expect(records.first?["value"] as? String == "written by kscale", "\(name)")
            #expect(records.last?["value"] as? String == "value-19", "\(name)")
            #expect(consumed?["beginning"] as? Int == 0, "\(name)")
            #expect(consumed?["end"] as? Int == 21, "\(name)")
        }
        // kafka-python's batches, read by kscale's client a few bytes at a time (one batch per fetch).
        let records = try #require(readBack)
        #expect(records.map(\.offset) == Array(0...20).map(Int64.init))
        #expect(records.dropFirst().map { String(decoding: $0.value ?? [], as: UTF8.self) } == (0..<20).map { "value-\($0)" })
        #expect(records.dropFirst().map { String(decoding: $0.key ?? [], as: UTF8.self) } == (0..<20).map { "k\($0 % 5)" })
    }
}
