import Foundation
import KScaleTestSupport
import Testing
import KScaleCore
import KafkaSim

/// kscale's JSON output, read as the tests read it.
extension KScaleBinary {
    static func json(_ r: ProcessResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
        return try #require(object as? [String: Any])
    }
}

@Suite struct SizeCommandTests {
    @Test func partitionsTextShowsTheAnswerAndWhichTermDecided() async throws {
        let r = try await KScaleBinary.run(["size", "partitions", "--target-throughput", "200MB/s",
                                      "--per-partition-throughput", "10MB/s", "--consumers", "48"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("partitions: 48\n"))
        #expect(r.stdout.contains("ceil(200 MB/s / 10.0 MB/s) = 20"))
        #expect(r.stdout.contains("decided by consumers"))
    }

    @Test func partitionsJSONHasThePartitionsField() async throws {
        let r = try await KScaleBinary.run(["size", "partitions", "--target-throughput", "200MB/s",
                                      "--per-partition-throughput", "10MB/s", "--consumers", "8", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try KScaleBinary.json(r)
        #expect(j["partitions"] as? Int == 20)
        #expect(j["decided_by"] as? String == "throughput")
        #expect(j["throughput_partitions"] as? Int == 20)
    }

    @Test func partitionsWithSnapshotReportsReplicasPerBroker() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let parts = (0..<6).map { p in "{\"partition\": \(p), \"replicas\": [\(p % 3 + 1), \((p + 1) % 3 + 1)]}" }
        let snapshot = """
        {"format": "kafka-cluster-v1", "brokers": [{"id": 1}, {"id": 2}, {"id": 3}],
         "topics": [{"name": "orders", "partitions": [\(parts.joined(separator: ","))]}]}
        """
        let path = dir.appendingPathComponent("cluster.json").path
        try Data(snapshot.utf8).write(to: URL(fileURLWithPath: path))
        let r = try await KScaleBinary.run(["size", "partitions", "--target-throughput", "90MB/s", "--per-partition-throughput",
                                      "10MB/s", "--snapshot", path, "--topic", "orders", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try KScaleBinary.json(r)
        #expect(j["partitions"] as? Int == 9)
        let d = try #require(j["replica_density"] as? [String: Any])
        #expect(d["replicas_before"] as? Int == 12)
        #expect(d["replicas_added"] as? Int == 6) // 3 more partitions x RF 2
        #expect(d["max_replicas_per_broker_after"] as? Int == 6)
        #expect(d["over_guideline"] as? Bool == false)
    }

    @Test func partitionsWithBootstrapServerReadsTheLiveCluster() async throws {
        // One reading of the cluster, as `kscale snapshot` would write it: 3 brokers, `orders` with 2 partitions x RF 3.
        let brokers = (1...3).map { Broker(id: BrokerID($0), rack: nil) }
        let orders = TopicState(name: "orders", partitions: (0..<2).map { PartitionState(partition: Int32($0), replicas: [1, 2, 3], size: 100) })
        try await withSimCluster(ClusterSnapshot(brokers: brokers, topics: [orders])) { sim in
            let r = try await KScaleBinary.run(["size", "partitions", "--target-throughput", "100MB/s", "--per-partition-throughput", "10MB/s",
                                                "--bootstrap-server", sim.bootstrapServers, "--output", "json"])
            #expect(r.status == 0, "\(r.stderr)")
            let d = try #require(try KScaleBinary.json(r)["replica_density"] as? [String: Any])
            #expect(d["brokers"] as? Int == 3)
            #expect(d["replicas_before"] as? Int == 6)
            #expect(d["replicas_added"] as? Int == 30) // a new topic: 10 partitions x RF 3
            #expect(d["max_replicas_per_broker_after"] as? Int == 12)

            let grow = try await KScaleBinary.run(["size", "partitions", "--target-throughput", "100MB/s", "--per-partition-throughput", "10MB/s",
                                                   "--bootstrap-server", sim.bootstrapServers, "--topic", "orders", "--output", "json"])
            #expect(grow.status == 0, "\(grow.stderr)")
            let g = try #require(try KScaleBinary.json(grow)["replica_density"] as? [String: Any])
            #expect(g["replicas_added"] as? Int == 24) // orders grows from 2 to 10 partitions x RF 3
        }
    }

    @Test func brokersJSONHasTheBrokersField() async throws {
        let r = try await KScaleBinary.run(["size", "brokers", "--ingress", "100MB/s", "--egress", "200MB/s",
                                      "--replication-factor", "3", "--retention-hours", "24", "--broker-network", "125MB/s",
                                      "--broker-disk", "2TB", "--lagging-consumers", "10%", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let j = try KScaleBinary.json(r)
        #expect(j["brokers"] as? Int == 19)
        #expect(j["decided_by"] as? [String] == ["storage"])
    }

    @Test func brokersTextShowsEveryResource() async throws {
        let r = try await KScaleBinary.run(["size", "brokers", "--ingress", "100MB/s", "--egress", "200MB/s",
                                      "--replication-factor", "3", "--retention-hours", "1", "--broker-network", "125MB/s",
                                      "--broker-disk", "2TB", "--target-utilization", "100%"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("brokers: 4 (decided by network out)"))
        for resource in ["network in", "network out", "storage", "disk throughput", "replication factor"] {
            #expect(r.stdout.contains(resource))
        }
    }

    @Test(arguments: [
        (["size", "partitions", "--target-throughput", "200 parsecs", "--per-partition-throughput", "10MB/s"], "--target-throughput"),
        (["size", "partitions", "--target-throughput", "200MB/s", "--per-partition-throughput", "0MB/s"], "--per-partition-throughput"),
        (["size", "partitions", "--target-throughput=-5MB/s", "--per-partition-throughput", "1MB/s"], "--target-throughput must not be negative"),
        (["size", "partitions", "--target-throughput", "5MB/s", "--per-partition-throughput", "1MB/s", "--consumers=0"], "--consumers"),
        (["size", "partitions", "--target-throughput", "5MB/s", "--per-partition-throughput", "1MB/s", "--topic", "t"], "--snapshot"),
        (["size", "brokers", "--ingress", "100MB/s", "--egress", "1MB/s", "--replication-factor", "3", "--retention-hours", "24",
          "--broker-network", "125MB/s", "--broker-disk", "2TB", "--target-utilization", "0.7"], "ambiguous"),
        (["size", "brokers", "--ingress", "0", "--egress", "1MB/s", "--replication-factor", "3", "--retention-hours", "24",
          "--broker-network", "125MB/s", "--broker-disk", "2TB"], "--ingress"),
        (["size", "brokers", "--ingress", "1MB/s", "--egress", "1MB/s", "--replication-factor", "3", "--retention-hours=-1",
          "--broker-network", "125MB/s", "--broker-disk", "2TB"], "--retention-hours"),
        (["size", "brokers", "--ingress", "1MB/s", "--egress", "1MB/s", "--replication-factor", "3", "--retention-hours", "1",
          "--broker-network", "125MB/s", "--broker-disk", "lots"], "--broker-disk"),
    ])
    func badInputExitsWithAClearError(arguments: [String], mentions: String) async throws {
        let r = try await KScaleBinary.run(arguments)
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("error: "))
        #expect(r.stderr.contains(mentions))
        #expect(r.stdout.isEmpty)
    }
}
