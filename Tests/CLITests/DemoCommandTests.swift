import Foundation
import Testing
import KScaleTestSupport

/// The README's first command: `kscale demo` runs a scale-out on a simulated cluster to the end
/// and leaves nothing behind (issue 13 item 11: it left its journal directory).
@Suite struct DemoCommandTests {
    @Test func theDemoFinishesAndLeavesNoTemporaryDirectory() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-demo-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let r = try await KScaleBinary.run(["demo", "--benchmark"], environment: ["TMPDIR": scratch.path + "/"], timeout: .seconds(300))
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("throttles left on the cluster: 0"), "\(r.stdout)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }
}
