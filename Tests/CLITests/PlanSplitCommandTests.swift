import Foundation
import KScaleTestSupport
import Testing

/// `kscale plan split` as an operator runs it: the built binary, real files, exit codes.
@Suite struct PlanSplitCommandTests {
    static let snapshot = Repository.url("Fixtures/snapshots/split-traffic.json").path
    static let limits = ["--max-cluster-write", "50MB/s", "--max-cluster-read", "300MB/s", "--max-partition-write", "1MB/s"]

    static func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-split-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func writesThePlanTheMirrorMakerFilesAndTheRunbooks() async throws {
        let dir = try Self.scratch().appendingPathComponent("out/split")
        let r = try await KScaleBinary.run(["plan", "split", "--snapshot", Self.snapshot] + Self.limits + ["--output-dir", dir.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("split (by-owner, groups by prefix:.): 6 groups into "), "\(r.stdout)")
        #expect(r.stdout.contains("lower bound") && r.stdout.contains("partition increases"))
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("split.json"))) as? [String: Any])
        let targets = try #require(plan["targets"] as? [[String: Any]])
        #expect(!targets.isEmpty)
        for target in targets {
            let name = try #require(target["name"] as? String)
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(name).mm2.properties").path))
            #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\(name).runbook.md").path))
            #expect(target["brokers"] as? Int ?? 0 >= 3, "sized from the snapshot's broker capacities")
        }
        #expect(plan["stays_behind"] as? [String] == ["__consumer_offsets"])
    }

    @Test func jsonOutputIsTheSplitFile() async throws {
        let r = try await KScaleBinary.run(["plan", "split", "--snapshot", Self.snapshot, "--strategy", "write-read", "--max-cluster-read", "300MB/s", "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(plan["format"] as? String == "kscale-split-v1" && plan["strategy"] as? String == "write-read")
        #expect((plan["replication_bytes_per_sec"] as? Int ?? 0) > 0 && plan["replication_permanent"] as? Bool == true)
    }

    /// Bad or infeasible requests: exit 2, a message naming the problem, nothing written.
    @Test(arguments: [
        (["--max-cluster-write", "30MB/s", "--headroom", "0%"], "group web"),
        (["--max-cluster-write", "50MB/s", "--clusters", "1"], "--clusters 1 is too few"),
        (["--max-cluster-write", "40MB/s", "--group-by", "owner"], "expected prefix:DELIM"),
        (["--max-cluster-write", "fast"], "--max-cluster-write"),
        (["--headroom", "20%"], "give a cluster limit"),
    ])
    func refusesBadOrInfeasibleRequests(_ extra: [String], _ message: String) async throws {
        let dir = try Self.scratch().appendingPathComponent("never")
        let r = try await KScaleBinary.run(["plan", "split", "--snapshot", Self.snapshot, "--output-dir", dir.path] + extra)
        #expect(r.status == 2, "\(extra): \(r.stdout) \(r.stderr)")
        #expect(r.stderr.contains(message), "\(extra): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func groupingByConsumersNeedsASampledSnapshot() async throws {
        let r = try await KScaleBinary.run(["plan", "split", "--snapshot", Repository.url("Fixtures/snapshots/no-racks.json").path,
                                            "--group-by", "consumers", "--max-cluster-write", "40MB/s"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("kscale snapshot --sample"), "\(r.stderr)")
    }
}
