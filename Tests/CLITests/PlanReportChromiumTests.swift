import Foundation
import KScaleCore
import KScaleIO
import KScaleTestSupport
import Testing

/// `--html` as a reviewer sees it: the page kscale writes for a plan, opened in real headless
/// Chromium (Debian's `chromium`, installed by scripts/setup.sh). The screenshot must show
/// something, and the numbers in the rendered DOM must be the JSON summary's.
@Suite(.serialized) struct PlanReportChromiumTests {
    static let setupHint = "chromium is not installed: run scripts/setup.sh (it installs Debian's chromium package)"

    /// Nine brokers over three racks with random topics, sizes and placements, three empty brokers
    /// to add, and one topic named to break out of HTML.
    static func generatedCluster(_ seed: TestSeed) -> ClusterSnapshot {
        var random = seed.generator()
        let racks = ["rack-a", "rack-b", "rack-c"]
        let brokers = (1...12).map { Broker(id: BrokerID($0), rack: racks[($0 - 1) % racks.count]) }
        let names = (0..<12).map { "topic-\($0)" } + ["</td><script>alert('x')</script>&\"<b>"]
        let topics = names.map { name -> TopicState in
            let partitionCount = Int.random(in: 1...8, using: &random)
            let partitions = (0..<partitionCount).map { p -> PartitionState in
                // One broker per rack among the nine that hold data.
                let replicas = racks.indices.map { rack in BrokerID(rack + 1 + 3 * Int.random(in: 0..<3, using: &random)) }.shuffled(using: &random)
                return PartitionState(partition: Int32(p), replicas: replicas, size: Int64.random(in: 1_000_000...5_000_000_000, using: &random))
            }
            return TopicState(name: name, partitions: partitions)
        }
        return ClusterSnapshot(brokers: brokers, topics: topics)
    }

    /// An executable on PATH, or nil.
    static func onPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    static func run(_ executable: URL, _ arguments: [String], timeout: Duration = .seconds(180)) async throws -> ProcessResult {
        try await ChildProcess(executable: executable, arguments: arguments).wait(timeout: timeout)
    }

    @Test func theReportRendersInChromiumWithTheSummarysNumbers() async throws {
        guard let chromium = Self.onPath("chromium") ?? Self.onPath("chromium-browser") else {
            Issue.record(Comment(rawValue: Self.setupHint))
            return
        }
        let python = try #require(Self.onPath("python3"), "python3 reads the screenshot")
        let seed = try TestSeed.fromEnvironment()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let file = { (name: String) in scratch.appendingPathComponent(name).path }
        try KScaleFiles.writeSnapshot(Self.generatedCluster(seed), to: file("snapshot.json"))

        let plan = try await KScaleBinary.run(["plan", "scale-out", "--snapshot", file("snapshot.json"), "--add-brokers", "10,11,12",
                                               "--out", file("plan.json"), "--output", "json", "--throttle", "50MB/s",
                                               "--html", file("report.html")])
        #expect(plan.status == 0, "\(seed): \(plan.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8))
        let page = try String(contentsOfFile: file("report.html"), encoding: .utf8)
        #expect(!page.contains("<script"), "the hostile topic name is escaped")

        // The screenshot shows charts and tables, not a blank page.
        let browser = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(file("chromium-profile"))"]
        let shot = try await Self.run(chromium, browser + ["--screenshot=\(file("report.png"))", "--window-size=1200,1600",
                                                           "file://\(file("report.html"))"])
        #expect(shot.status == 0, "chromium --screenshot: \(shot.stderr)")
        let stats = try await Self.run(python, [Repository.url("scripts/png-stats.py").path, file("report.png")])
        #expect(stats.status == 0, "png-stats: \(stats.stderr)")
        let picture = try #require(try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any])
        #expect(picture["width"] as? Int == 1200 && picture["height"] as? Int == 1600, "\(picture)")
        let colours = picture["colours"] as? Int ?? 0
        let drawn = picture["non_background_share"] as? Double ?? 0
        #expect(colours >= 8, "a page of text and charts has many colours: \(picture)")
        #expect(drawn > 0.02, "more than 2% of the screenshot is drawn: \(picture)")

        // The DOM Chromium built holds every number of the summary, at its path, with its value.
        let dom = try await Self.run(chromium, browser + ["--dump-dom", "file://\(file("report.html"))"])
        #expect(dom.status == 0, "chromium --dump-dom: \(dom.stderr)")
        #expect(dom.stdout.contains("<svg"), "the charts are in the DOM")
        #expect(!dom.stdout.contains("<script"), "no script element came from a topic name")
        let (fields, conflicts) = ReportFields.dataFields(html: dom.stdout)
        #expect(conflicts.isEmpty, "\(conflicts)")
        let numbers = ReportFields.numbers(json: summary)
        #expect(!numbers.isEmpty)
        for (path, value) in numbers where !path.hasSuffix(".broker") {
            #expect(fields[path].flatMap(Double.init) == value, "\(seed) \(path): page \(fields[path] ?? "missing"), summary \(value)")
        }
        for (path, text) in fields where numbers[path] != nil {
            #expect(Double(text) == numbers[path], "\(path)")
        }
        // What the summary does not carry adds up to it: the bytes by broker pair and the bytes copied in.
        let bytesMoved = Int64(numbers["bytes_moved"] ?? -1)
        let byPair = fields.filter { $0.key.hasPrefix("relocations.") && $0.key.hasSuffix(".bytes") }.compactMap { Int64($0.value) }
        #expect(byPair.reduce(0, +) == bytesMoved)
        let copiedIn = fields.filter { $0.key.hasPrefix("estimate.brokers.") && $0.key.hasSuffix(".bytes_in") }.compactMap { Int64($0.value) }
        #expect(copiedIn.reduce(0, +) == bytesMoved)
        #expect(fields["estimate.throttle"] == "50000000")
        #expect(fields["estimate.seconds"].flatMap(Double.init).map { $0 > 0 } == true)
    }
}
