import Foundation
import KScaleTestSupport
import Testing

/// `kscale rehearse` run as an operator runs it: the built binary, a snapshot and a plan on disk.
@Suite struct RehearseCommandTests {
    /// Broker 4 receives 800 MB, the most of any broker: the bound is 80 s at 10 MB/s.
    static let snapshot = #"{"format":"kafka-cluster-v1","brokers":[{"id":1},{"id":2},{"id":3},{"id":4}],"topics":[{"name":"big","configs":{"min.insync.replicas":"1"},"partitions":["#
        + #"{"partition":0,"replicas":[1,2],"size":400000000},{"partition":1,"replicas":[2,1],"size":400000000},{"partition":2,"replicas":[1,2],"size":100000000}]}]}"#
    static let plan = #"{"version":1,"partitions":[{"topic":"big","partition":0,"replicas":[1,4]},{"topic":"big","partition":1,"replicas":[2,4]},{"topic":"big","partition":2,"replicas":[3,2]}]}"#

    private struct Scratch {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-rehearse-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        func write(_ name: String, _ text: String) throws -> String {
            try Data(text.utf8).write(to: url.appendingPathComponent(name))
            return url.appendingPathComponent(name).path
        }
    }

    @Test func jsonReportsTheDurationTheBoundTheirRatioAndTheLimitingBroker() async throws {
        let s = try Scratch()
        defer { try? FileManager.default.removeItem(at: s.url) }
        let r = try await KScaleBinary.run(["rehearse", "--snapshot", try s.write("snap.json", Self.snapshot), "--plan", try s.write("plan.json", Self.plan),
                                            "--throttle", "10MB/s", "--output", "json"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stdout)")
        #expect(report["bound_seconds"] as? Double == 80)
        #expect((report["ratio"] as? Double ?? 0) >= 1)
        #expect((report["limiting_broker"] as? [String: Any])?["broker"] as? Int == 4)
        #expect(report["finished"] as? Bool == true)
        #expect(report["peak_under_replicated"] as? Int == 0)
        #expect((report["timeline"] as? [Any])?.isEmpty == false)
    }

    @Test func textNamesTheBoundRatioAndLimitingBroker() async throws {
        let s = try Scratch()
        defer { try? FileManager.default.removeItem(at: s.url) }
        let r = try await KScaleBinary.run(["rehearse", "--snapshot", try s.write("snap.json", Self.snapshot), "--plan", try s.write("plan.json", Self.plan),
                                            "--throttle", "10MB/s"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("bound: 1m20s (80 s): broker 4 takes in 800 MB"), "\(r.stdout)")
        #expect(r.stdout.contains("ratio to the bound: "))
        #expect(r.stdout.contains("limits the finish: broker 4"))
        #expect(r.stdout.contains("bytes copied in/out per broker:"))
    }

    @Test func badInputIsNamedAndExitsTwo() async throws {
        let s = try Scratch()
        defer { try? FileManager.default.removeItem(at: s.url) }
        let snap = try s.write("snap.json", Self.snapshot), plan = try s.write("plan.json", Self.plan)
        let noThrottle = try await KScaleBinary.run(["rehearse", "--snapshot", snap, "--plan", plan])
        #expect(noThrottle.status == 2)
        #expect(noThrottle.stderr.contains("--throttle"), "\(noThrottle.stderr)")
        let missing = s.url.appendingPathComponent("nowhere.json").path
        let noFile = try await KScaleBinary.run(["rehearse", "--snapshot", missing, "--plan", plan, "--throttle", "10MB/s"])
        #expect(noFile.status == 2)
        #expect(noFile.stderr.contains("nowhere.json"), "\(noFile.stderr)")
        let unknown = try s.write("unknown.json", #"{"version":1,"partitions":[{"topic":"big","partition":0,"replicas":[1,9]}]}"#)
        let badPlan = try await KScaleBinary.run(["rehearse", "--snapshot", snap, "--plan", unknown, "--throttle", "10MB/s"])
        #expect(badPlan.status == 2)
        #expect(badPlan.stderr.contains("9"), "\(badPlan.stderr)")
    }
}
