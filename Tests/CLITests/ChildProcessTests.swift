import Foundation
import KScaleTestSupport
import Testing

private struct Probe: Error, CustomStringConvertible { let description: String }

/// The one helper every test uses to run a child process (kscale, Python, docker compose).
@Suite struct ChildProcessTests {
    func shell(_ script: String) throws -> ChildProcess {
        try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", script])
    }

    /// A child that fills stderr long before it writes stdout: reading one stream to its end
    /// before the other would leave the child blocked on a full pipe and the test waiting for ever.
    @Test func bothStreamsArriveWholeWhicheverFillsFirst() async throws {
        let megabyte = 1_048_576
        let child = try shell("head -c \(megabyte) /dev/zero | tr '\\0' e >&2; head -c \(megabyte) /dev/zero | tr '\\0' o; exit 3")
        let result = try await child.wait(timeout: .seconds(60))
        #expect(result.status == 3)
        #expect(result.stderr.utf8.count == megabyte)
        #expect(result.stdout.utf8.count == megabyte)
        #expect(result.stderr.allSatisfy { $0 == "e" } && result.stdout.allSatisfy { $0 == "o" })
    }

    @Test func aChildStillRunningAtItsBoundIsKilledAndNamed() async throws {
        let child = try shell("echo started; exec sleep 600")
        let error = await #expect(throws: ProcessTimedOut.self) { try await child.wait(timeout: .milliseconds(300)) }
        #expect(error?.description.contains("sleep 600") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("started") == true, "\(error?.description ?? "")")
        #expect(!child.isRunning)
    }

    @Test func environmentIsLaidOverThisProcesss() async throws {
        let child = try ChildProcess(executable: URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "echo \"$KSCALE_PROBE:$PATH\""],
                                     environment: ["KSCALE_PROBE": "laid"])
        let result = try await child.wait(timeout: .seconds(60))
        #expect(result.stdout == "laid:\(ProcessInfo.processInfo.environment["PATH"] ?? "")\n")
    }

    @Test func waitUntilNamesWhatItWaitedFor() async throws {
        var checks = 0
        let error = await #expect(throws: WaitTimedOut.self) {
            try await waitUntil("the probe to turn green", timeout: .milliseconds(50), pause: .yield) {
                checks += 1
                return false
            }
        }
        #expect(error?.description.contains("the probe to turn green") == true)
        #expect(checks > 1)
    }

    @Test func aSeededFailureNamesItsSeed() async throws {
        let seed = TestSeed(value: 42)
        let error = await #expect(throws: SeededFailure.self) {
            try await seed.withSeedInFailures { throw Probe(description: "nothing came") }
        }
        #expect(error?.description == "nothing came [seed 42 (replay with KSCALE_TEST_SEED=42)]")
        var first = seed.generator(), second = seed.generator()
        #expect(first.next() == second.next())
    }
}
