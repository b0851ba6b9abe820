import Foundation
import KScaleTestSupport
import Testing

/// `kscale plan ...` run as an operator runs it: the built binary, real files, exit codes.
private func fixture(_ name: String) -> String { Repository.url("Fixtures/snapshots/\(name)").path }

/// A scratch folder per test.
private struct Scratch {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-plan-\(UUID().uuidString)")
    init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws -> String {
        try Data(text.utf8).write(to: url.appendingPathComponent(name))
        return path(name)
    }
    func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }
}

@Suite struct PlanCommandTests {
    @Test func scaleOutWritesPlanRollbackAndSummary() async throws {
        let s = try Scratch()
        let r = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", fixture("scale-out-racks.json"), "--add-brokers", "7,8,9",
                                 "--out", s.path("plan.json"), "--rollback", s.path("rollback.json")])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("scale-out: "))
        #expect(r.stdout.contains("replicas moved"))
        let plan = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.path("plan.json")))) as? [String: Any]
        let rollback = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: s.path("rollback.json")))) as? [String: Any]
        #expect(plan?["version"] as? Int == 1)
        let lines = plan?["partitions"] as? [[String: Any]] ?? []
        #expect(!lines.isEmpty)
        #expect((rollback?["partitions"] as? [[String: Any]])?.count == lines.count)
    }

    @Test func planGoesToStdoutAndJSONSummaryToStderrWithoutOutput() async throws {
        let r = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", fixture("scale-out-two-racks.json.zst"), "--add-brokers", "5,6",
                                 "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("{\"version\":1,\"partitions\":["))
        let summary = try JSONSerialization.jsonObject(with: Data(r.stderr.utf8)) as? [String: Any]
        #expect(summary?["kind"] as? String == "scale-out")
        #expect((summary?["replicas_moved"] as? Int ?? 0) > 0)
        #expect((summary?["brokers"] as? [Any])?.count == 6)
    }

    /// A snapshot with rates and a `--broker-capacity` file: the summary carries each broker's
    /// network in, network out and disk share before and after (the load model), as JSON and as
    /// table columns; a bad capacity file is refused naming the key, and no plan is written.
    @Test func loadColumnsFromRatesAndACapacityFile() async throws {
        let s = try Scratch()
        let snapshot = try s.write("rates.json", #"{"format":"kafka-cluster-v1","brokers":[{"id":1},{"id":2},{"id":3}],"topics":[{"name":"t","partitions":["#
            + #"{"partition":0,"replicas":[1,2],"size":1000,"bytes_in_per_sec":1000000,"bytes_out_per_sec":2000000},"#
            + #"{"partition":1,"replicas":[1,2],"size":1000,"bytes_in_per_sec":1000000,"bytes_out_per_sec":2000000},"#
            + #"{"partition":2,"replicas":[2,1],"size":1000,"bytes_in_per_sec":1000000,"bytes_out_per_sec":2000000}]}]}"#)
        let capacities = try s.write("capacity.json", #"{"default": {"network_in": "10MB/s", "network_out": "20MB/s", "disk": "1MB"}}"#)
        let r = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", snapshot, "--add-brokers", "3", "--broker-capacity", capacities,
                                            "--out", s.path("plan.json"), "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let load = summary?["load"] as? [String: Any]
        let before = load?["before"] as? [[String: Any]] ?? [], after = load?["after"] as? [[String: Any]] ?? []
        #expect(before.map { $0["network_in"] as? Int } == [3_000_000, 3_000_000, 0])
        #expect(after.map { $0["network_in_capacity"] as? Int } == [10_000_000, 10_000_000, 10_000_000])
        let afterIn = after.map { $0["network_in"] as? Int ?? -1 }
        #expect(afterIn.reduce(0, +) == 6_000_000, "replicas keep their rates: \(afterIn)")
        #expect(afterIn[2] > 0, "the new broker takes load with its replicas: \(afterIn)")
        let text = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", snapshot, "--add-brokers", "3", "--broker-capacity", capacities,
                                               "--out", s.path("plan2.json")])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("net in"), "\(text.stdout)")
        #expect(text.stdout.contains("3.00 MB/s (30%) -> "), "\(text.stdout)")
        let bad = try s.write("bad.json", #"{"default": {"network_in": "fast"}}"#)
        let refused = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", snapshot, "--add-brokers", "3", "--broker-capacity", bad,
                                                  "--out", s.path("plan3.json")])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\"default.network_in\": \"fast\" is not a rate"), "\(refused.stderr)")
        #expect(!s.exists("plan3.json"))
    }

    /// `plan relieve` on the binary: a hot disk is brought under the limit with a plan file and a
    /// summary; a limit no capacity can judge is refused with exit 2 and no plan.
    @Test func relieveBringsAHotBrokerUnderItsDiskLimit() async throws {
        let s = try Scratch()
        let snapshot = try s.write("hot.json", #"{"format":"kafka-cluster-v1","brokers":[{"id":1,"disk_total_bytes":1000},{"id":2,"disk_total_bytes":1000},{"id":3,"disk_total_bytes":1000}],"#
            + #""topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,2],"size":400},{"partition":1,"replicas":[1,3],"size":300},{"partition":2,"replicas":[2,1],"size":200}]}]}"#)
        let r = try await KScaleBinary.run(["plan", "relieve", "--snapshot", snapshot, "--brokers", "1", "--disk", "70%",
                                            "--out", s.path("plan.json"), "--output", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        #expect(summary?["kind"] as? String == "relieve")
        let after = (summary?["load"] as? [String: Any])?["after"] as? [[String: Any]] ?? []
        #expect(after.first { $0["broker"] as? Int == 1 }?["disk_bytes"] as? Int ?? 1000 <= 700, "\(after)")
        #expect(s.exists("plan.json"))
        let refused = try await KScaleBinary.run(["plan", "relieve", "--snapshot", snapshot, "--network-in", "70%", "--out", s.path("none.json")])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("no broker in the snapshot has a network_in_capacity"), "\(refused.stderr)")
        #expect(!s.exists("none.json"))
    }

    /// `--max-disk` on the binary: a rebalance that cannot keep every broker under it is refused
    /// with exit 2, naming the limit and the sums, and writes no plan; leaders and relieve refuse the option.
    @Test func maxDiskRefusesAnInfeasibleRebalanceAndDoesNotApplyToLeaders() async throws {
        let s = try Scratch()
        let snapshot = try s.write("full.json", #"{"format":"kafka-cluster-v1","brokers":[{"id":1,"disk_total_bytes":1000},{"id":2,"disk_total_bytes":1000}],"#
            + #""topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,2],"size":400},{"partition":1,"replicas":[2,1],"size":300}]}]}"#)
        let refused = try await KScaleBinary.run(["plan", "rebalance", "--snapshot", snapshot, "--max-disk", "50%", "--out", s.path("plan.json")])
        #expect(refused.status == 2, "\(refused.stderr)")
        #expect(refused.stderr.contains("no plan can bring every broker under the 50% disk limit: the replicas hold 1.40 KB in all, and the 2 target brokers allow 1.00 KB together"), "\(refused.stderr)")
        #expect(!s.exists("plan.json"))
        let fits = try await KScaleBinary.run(["plan", "rebalance", "--snapshot", snapshot, "--max-disk", "75%", "--out", s.path("ok.json")])
        #expect(fits.status == 0, "\(fits.stderr)")
        let leaders = try await KScaleBinary.run(["plan", "leaders", "--snapshot", snapshot, "--max-network", "70%"])
        #expect(leaders.status != 0)
        #expect(leaders.stderr.contains("--max-network does not apply here: a leaders plan moves no data"), "\(leaders.stderr)")
    }

    @Test func scaleInRebalanceAndLeadersRun() async throws {
        let snap = fixture("racks-drift.json")
        for args in [["scale-in", "--remove-brokers", "8,9"], ["scale-in", "--remove-brokers", "9", "--rebalance"],
                     ["rebalance"], ["rebalance", "--brokers", "1,2,3,4,5,6"], ["leaders"],
                     ["rebalance", "--max-moves", "5", "--max-bytes", "1.5TiB", "--exclude-topics", "topic-000[0-4]"]] {
            let r = try await KScaleBinary.run(["plan"] + args + ["--snapshot", snap])
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.hasPrefix("{\"version\":1"), "\(args)")
        }
    }

    /// Every bad input: a clear message on stderr, a non-zero exit, and no plan file.
    @Test(arguments: [
        (["scale-out", "--snapshot", "/nonexistent/snap.json", "--add-brokers", "7"], "cannot read snapshot file /nonexistent/snap.json"),
        (["scale-out", "--snapshot", "@malformed", "--add-brokers", "7"], "malformed snapshot"),
        (["scale-out", "--snapshot", "@missing-field", "--add-brokers", "7"], "missing field \"replicas\""),
        (["scale-in", "--snapshot", "racks-drift.json", "--remove-brokers", "42"], "cannot remove broker(s) 42"),
        (["rebalance", "--snapshot", "racks-drift.json", "--brokers", "1,2,77"], "unknown broker(s) 77"),
        (["scale-out", "--snapshot", "racks-drift.json", "--add-brokers", "12"], "--new-broker-racks 12=RACK"),
        (["scale-out", "--snapshot", "racks-drift.json", "--add-brokers", "x,9"], "\"x\" is not a broker id"),
        (["scale-in", "--snapshot", "no-racks.json", "--remove-brokers", "1,2,3,4,5"], "more replicas than the 1 target broker(s) 6"),
        (["scale-in", "--snapshot", "racks-drift.json", "--remove-brokers", "3,6,9"], "empties rack(s) rack2"),
        (["rebalance", "--snapshot", "@mixed-racks"], "give every broker a rack, or plan with --disable-rack-aware"),
        (["rebalance", "--snapshot", "racks-drift.json", "--max-bytes", "12 parsecs"], "\"12 parsecs\" is not a size"),
        (["rebalance", "--snapshot", "racks-drift.json", "--exclude-topics", "(unclosed"], "is not a valid regular expression"),
        (["scale-in", "--snapshot", "racks-drift.json", "--remove-brokers", "9", "--max-moves", "1"], "more than the budget"),
    ])
    func badInputIsRefusedClearly(_ args: [String], _ message: String) async throws {
        let s = try Scratch()
        let special: [String: String] = [
            "@malformed": #"{"format":"kafka-cluster-v1","brokers":[{"id":1}],"topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,]}]}]}"#,
            "@missing-field": #"{"format":"kafka-cluster-v1","brokers":[{"id":1}],"topics":[{"name":"t","partitions":[{"partition":0}]}]}"#,
            "@mixed-racks": #"{"format":"kafka-cluster-v1","brokers":[{"id":1,"rack":"a"},{"id":2}],"topics":[{"name":"t","partitions":[{"partition":0,"replicas":[1,2]}]}]}"#,
        ]
        var resolved: [String] = []
        for (i, a) in args.enumerated() {
            if i > 0 && args[i - 1] == "--snapshot" {
                if let text = special[a] { resolved.append(try s.write("snap.json", text)) }
                else if a.hasPrefix("/") { resolved.append(a) }
                else { resolved.append(fixture(a)) }
            } else {
                resolved.append(a)
            }
        }
        let r = try await KScaleBinary.run(["plan"] + resolved + ["--out", s.path("plan.json"), "--rollback", s.path("rollback.json")])
        #expect(r.status != 0)
        #expect(r.stderr.contains("error:"), "\(r.stderr)")
        #expect(r.stderr.contains(message), "\(r.stderr)")
        #expect(!s.exists("plan.json"))
        #expect(!s.exists("rollback.json"))
    }
}
