import Foundation
import KScaleIO
import KScaleTestSupport
import Testing
@testable import KScaleCore

/// Hostile files are refused with a message, never a crash or an unbounded allocation.
@Suite(.offThePool) struct HostileInputTests {
    /// 200,000 levels: enough to overflow a recursive reader's stack.
    static let levels = 200_000

    @Test func deepNestingInAnUnknownFieldIsRefused() {
        let text = #"{"format":"kafka-cluster-v1","brokers":[],"topics":[],"x":"# + String(repeating: "[", count: Self.levels)
            + String(repeating: "]", count: Self.levels) + "}"
        let error = #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data(text.utf8)) }
        #expect(error?.message.contains("nesting deeper than \(SnapshotParser.maxDepth) levels") == true)
    }

    @Test func deepNestingInObjectsIsRefused() {
        let text = String(repeating: #"{"a":"#, count: Self.levels) + "1" + String(repeating: "}", count: Self.levels)
        let error = #expect(throws: InvalidInput.self) { try ClusterSnapshot.decode(Data(text.utf8)) }
        #expect(error?.message.contains("nesting deeper") == true)
        // The path in the message shows its ends, not 512 steps.
        #expect((error?.message.count ?? .max) < 300)
    }

    @Test func deepNestingInAPlanIsRefused() {
        let text = #"{"version":1,"partitions":[],"x":"# + String(repeating: "[", count: Self.levels) + String(repeating: "]", count: Self.levels) + "}"
        let error = #expect(throws: InvalidInput.self) { try ReassignmentPlan.decode(Data(text.utf8)) }
        #expect(error?.message.contains("nesting deeper") == true)
    }

    @Test func nestingWithinTheLimitStillParses() throws {
        let depth = 100
        let text = #"{"format":"kafka-cluster-v1","brokers":[{"id":1}],"topics":[],"x":"# + String(repeating: "[", count: depth)
            + String(repeating: "]", count: depth) + "}"
        #expect(try ClusterSnapshot.decode(Data(text.utf8)).brokers.count == 1)
    }

    @Test func aZstdBombIsRefusedAtTheLimit() throws {
        // 64 MB of zeros compress to a few kilobytes; the limit stops the expansion at 1 MB.
        let bomb = try Zstd.compress(Data(count: 64 << 20), level: 19)
        #expect(bomb.count < 64 << 10)
        let path = NSTemporaryDirectory() + "kscale-bomb-\(UUID().uuidString).json.zst"
        try bomb.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: InvalidInput.self) { try KScaleFiles.readSnapshot(path, maxBytes: 1 << 20) }
        #expect(error?.message.contains("expands to more than") == true)
        #expect(error?.message.contains("--max-input-size") == true)
    }

    @Test func aPlainFileOverTheLimitIsRefusedBeforeReading() throws {
        let path = NSTemporaryDirectory() + "kscale-big-\(UUID().uuidString).json"
        try Data(count: 2 << 20).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = #expect(throws: InvalidInput.self) { try KScaleFiles.readSnapshot(path, maxBytes: 1 << 20) }
        #expect(error?.message.contains("more than the input size limit") == true)
    }
}
