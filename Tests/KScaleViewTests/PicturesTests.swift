import Foundation
import KScaleCore
import KScaleExec
import KScaleTestSupport
import KScaleView
import Testing

/// Six brokers over three racks holding `topic`, and broker 7 registered empty in rack `a`: a
/// scale-out onto 7 copies data, so the pictures have both bytes and traffic.
private func cluster(topic: String = "orders", racks: [String] = ["a", "b", "c"]) -> ClusterSnapshot {
    let brokers = (1...7).map { Broker(id: BrokerID($0), rack: racks[($0 - 1) % racks.count]) }
    let partitionCount = 12, megabyte: Int64 = 1_000_000
    let partitions = (0..<partitionCount).map { p -> PartitionState in
        let replicas = (0..<3).map { BrokerID((p + $0 * 2) % 6 + 1) }
        return PartitionState(partition: Int32(p), replicas: replicas, size: Int64(p + 1) * megabyte)
    }
    return ClusterSnapshot(brokers: brokers, topics: [TopicState(name: topic, partitions: partitions)])
}

private func scaleOutPicture(_ snapshot: ClusterSnapshot = cluster(), throttle: Int64? = 50_000_000) throws -> (PlanPicture, PlanResult) {
    let result = try Planner.plan(snapshot, PlanRequest(kind: .scaleOut(add: [7])))
    return (PlanPicture.plan(result.summary, plan: result.plan, snapshot: snapshot, throttle: throttle), result)
}

@Suite struct BalanceBarsTests {
    @Test(arguments: [70, 40])
    func everyLineFitsTheTerminal(_ width: Int) throws {
        let (picture, _) = try scaleOutPicture()
        let text = BalanceBars.render(picture, width: width)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines { #expect(line.count <= width, "\(line.count) columns: \(line)") }
        // Grouped by rack, racks in name order, and both sections drawn.
        let headers = lines.filter { $0.hasPrefix("rack ") }.map(String.init)
        #expect(headers == ["rack a (3 brokers)", "rack b (2 brokers)", "rack c (2 brokers)",
                            "rack a (3 brokers)", "rack b (2 brokers)", "rack c (2 brokers)"].map { String($0.prefix(width)) })
        #expect(text.contains("bytes per broker"))
        #expect(text.contains("bytes copied per broker"))
    }

    /// The largest value fills the bar; another one is drawn in proportion on the same scale.
    @Test func barsShareOneScale() throws {
        let (picture, _) = try scaleOutPicture()
        let width = 70
        let lines = BalanceBars.render(picture, width: width).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let bytesSection = lines.prefix { !$0.isEmpty }
        let largest = picture.brokers.flatMap { [$0.before?.bytes.magnitude ?? 0, $0.after?.bytes.magnitude ?? 0] }.max() ?? 0
        let cellCounts = bytesSection.map { line in line.filter { $0 == "█" || $0 == "▒" }.count }
        let full = cellCounts.max() ?? 0
        #expect(full > 30, "a 70-column bar is long: \(full)")
        // Broker 7 before the scale-out holds nothing: no cell; after it holds data: some.
        let seven = try #require(picture.brokers.first { $0.broker == 7 })
        #expect(seven.before?.bytes.magnitude == 0)
        let afterSeven = try #require(seven.after?.bytes.magnitude)
        let sevenLines = bytesSection.drop { !$0.hasPrefix("  7 ") }.prefix(2)
        #expect(sevenLines.first?.contains("█") == false && sevenLines.first?.contains("▒") == false)
        let expected = Int((afterSeven / largest * Double(full)).rounded())
        let drawn = sevenLines.last.map { $0.filter { $0 == "█" }.count } ?? -1
        #expect(abs(drawn - expected) <= 1, "broker 7 after: \(drawn) cells, expected about \(expected) of \(full)")
    }

    @Test func aPlanThatCopiesNothingShowsNoTraffic() throws {
        let snapshot = cluster()
        let result = try Planner.plan(snapshot, PlanRequest(kind: .leaders))
        let picture = PlanPicture.plan(result.summary, plan: result.plan, snapshot: snapshot, throttle: nil)
        #expect(!picture.hasTraffic)
        let text = BalanceBars.render(picture, width: 80)
        #expect(text.contains("bytes per broker"))
        #expect(!text.contains("bytes copied per broker"))
    }

    /// A rack name is user data: escape sequences and wide characters cannot reach the terminal.
    @Test func rackNamesCannotMoveTheCursor() throws {
        let (picture, _) = try scaleOutPicture(cluster(racks: ["\u{1B}[2Ja", "b\u{7}", "漢字"]))
        let text = BalanceBars.render(picture, width: 40)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(text.contains("rack ?[2Ja"))
        #expect(text.contains("rack ??"))
        for line in text.split(separator: "\n") { #expect(line.count <= 40) }
    }

    @Test func tinyTerminalsStillFit() throws {
        let (picture, _) = try scaleOutPicture()
        for width in [1, 10, 24] {
            for line in BalanceBars.render(picture, width: width).split(separator: "\n") { #expect(line.count <= width) }
        }
    }

    @Test func widthComesFromColumnsElseEighty() {
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "70"]) == 70)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": " 40 "]) == 40)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "0"]) == 80)
        #expect(TerminalWidth.columns(environment: ["COLUMNS": "wide"]) == 80)
        #expect(TerminalWidth.columns(environment: [:]) == 80)
    }
}

@Suite struct HTMLReportTests {
    /// Topic and rack names are user data: the page shows them as text, never as markup.
    @Test func hostileNamesAreEscaped() throws {
        let topic = "</td><script>alert(\"x\")</script>&'"
        let (picture, _) = try scaleOutPicture(cluster(topic: topic, racks: ["\"><img src=x onerror=alert(1)>", "b", "c"]))
        let page = HTMLReport.render(picture)
        #expect(!page.contains("<script"))
        #expect(!page.contains("<img"))
        #expect(page.contains("&lt;/td&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;-"))
        #expect(page.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(HTMLReport.escape("a<b>&\"'") == "a&lt;b&gt;&amp;&quot;&#39;")
    }

    /// Nothing is fetched: no script, no external address, no URL in the CSS.
    @Test func thePageIsSelfContained() throws {
        let (picture, _) = try scaleOutPicture()
        let page = HTMLReport.render(picture)
        for forbidden in ["<script", "http://", "https://", "src=", "url(", "<link", "@import"] {
            #expect(!page.contains(forbidden), "\(forbidden)")
        }
        #expect(page.contains("<svg"))
        #expect(page.contains("Content-Security-Policy"))
    }

    /// Every number in the page is the JSON summary's number at the same path, and every number of
    /// the summary is in the page; the estimate and the relocations add up to the plan's bytes.
    @Test func pageNumbersAreTheSummarys() throws {
        let (picture, result) = try scaleOutPicture()
        let (fields, conflicts) = ReportFields.dataFields(html: HTMLReport.render(picture))
        #expect(conflicts.isEmpty, "\(conflicts)")
        let summary = ReportFields.numbers(json: try JSONSerialization.jsonObject(with: JSONEncoder().encode(result.summary)))
        for (path, value) in summary where !path.hasSuffix(".broker") {
            #expect(fields[path].flatMap(Double.init) == value, "\(path): page \(fields[path] ?? "missing"), summary \(value)")
        }
        let extra = fields.filter { summary[$0.key] == nil }
        #expect(extra.keys.allSatisfy { $0.hasPrefix("estimate.") || $0.hasPrefix("relocations.") }, "\(extra.keys.sorted())")
        let relocated = extra.filter { $0.key.hasPrefix("relocations.") && $0.key.hasSuffix(".bytes") }.compactMap { Int64($0.value) }
        #expect(relocated.reduce(0, +) == result.summary.bytesMoved)
        let copiedIn = extra.filter { $0.key.hasPrefix("estimate.brokers.") && $0.key.hasSuffix(".bytes_in") }.compactMap { Int64($0.value) }
        #expect(copiedIn.reduce(0, +) == result.summary.bytesMoved)
        #expect(fields["estimate.throttle"] == "50000000")
        #expect(fields["estimate.seconds"].flatMap(Double.init).map { $0 > 0 } == true)
    }

    @Test func withoutAThrottleThePageSaysSoAndGivesNoDuration() throws {
        let (picture, _) = try scaleOutPicture(throttle: nil)
        let page = HTMLReport.render(picture)
        #expect(page.contains("no --throttle given"))
        #expect(!page.contains("data-field=\"estimate.seconds\""))
    }
}

@Suite struct ReplicaRelocationTests {
    @Test func pairsLosersWithGainersPerBrokerPair() {
        let moves = [
            Move(tp: TopicPartition("t", 0), from: [1, 2, 3], to: [1, 2, 7], bytes: 10),
            Move(tp: TopicPartition("t", 1), from: [3, 1, 2], to: [7, 1, 8], bytes: 5),
            Move(tp: TopicPartition("t", 2), from: [1, 2], to: [1, 2, 9], bytes: 4),
            Move(tp: TopicPartition("t", 3), from: [1, 2, 4], to: [1, 2], bytes: 3),
        ]
        #expect(ReplicaRelocation.of(moves) == [
            ReplicaRelocation(from: nil, to: 9, replicas: 1, bytes: 4),
            ReplicaRelocation(from: 2, to: 8, replicas: 1, bytes: 5),
            ReplicaRelocation(from: 3, to: 7, replicas: 2, bytes: 15),
            ReplicaRelocation(from: 4, to: nil, replicas: 1, bytes: 3),
        ])
    }
}
