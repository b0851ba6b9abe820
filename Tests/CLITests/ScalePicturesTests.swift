import Foundation
import KScaleTestSupport
import Testing

/// The scale dry runs' pictures: bars in the text summary at the terminal's width, and `--html`
/// with the numbers of the `--output json` report.
@Suite(.serialized) struct ScalePicturesTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kscale-pictures-\(UUID().uuidString)-\(name)").path
    }

    @Test func scaleOutDryRunReportHoldsTheJSONReportsNumbers() async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let html = Self.temporaryPath("report.html")
            defer { try? FileManager.default.removeItem(atPath: html) }
            let r = try await KScaleBinary.run(["scale-out", "--bootstrap-server", sim.bootstrapServers, "--add-brokers", "7",
                                                "--throttle", "50MB/s", "--output", "json", "--html", html])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(await DryRunGateTests.mutating(sim) == 0, "the dry run with --html changed nothing")
            let last = try #require(r.stdout.split(separator: "\n").last, "\(r.stdout)")
            let line = try #require(try JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
            let report = try #require(line["report"])
            let numbers = ReportFields.numbers(json: report)
            let (fields, conflicts) = ReportFields.dataFields(html: try String(contentsOfFile: html, encoding: .utf8))
            #expect(conflicts.isEmpty, "\(conflicts)")
            for (path, value) in numbers where ["before.", "after.", "plans."].contains(where: path.hasPrefix) && !path.hasSuffix(".broker") {
                #expect(fields[path].flatMap(Double.init) == value, "\(path): page \(fields[path] ?? "missing"), report \(value)")
            }
            for (path, text) in fields { #expect(numbers[path] == Double(text), "\(path): page \(text), report \(numbers[path].map { "\($0)" } ?? "missing")") }
            #expect(fields["plans.0.estimate.throttle"] == "50000000")
            #expect(fields.keys.contains { $0.hasPrefix("plans.0.relocations.0.") }, "the moves by broker pair are in the page")
        }
    }

    @Test(arguments: [70, 40])
    func scaleInDryRunDrawsBarsThatFitTheTerminal(_ columns: Int) async throws {
        try await withSimCluster(DryRunGateTests.snapshot()) { sim in
            let r = try await KScaleBinary.run(["drain", "--bootstrap-server", sim.bootstrapServers, "--remove-brokers", "6",
                                                "--throttle", "50MB/s"], environment: ["COLUMNS": String(columns)])
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let start = try #require(lines.firstIndex { $0.hasPrefix("bytes per broker, before and planned") }, "\(r.stdout)")
            let bars = lines[start...].prefix { !$0.hasPrefix("now (dry run") }
            #expect(bars.contains { $0.hasPrefix("bytes copied per broker") }, "\(r.stdout)")
            #expect(bars.filter { $0.hasPrefix("rack ") }.count == 6, "three racks, twice: \(r.stdout)")
            for line in bars { #expect(line.count <= columns, "\(line.count) columns: \(line)") }
        }
    }
}
