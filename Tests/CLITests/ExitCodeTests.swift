import Foundation
import Testing
import KafkaClient
import KScaleCore
import KScaleExec
import KafkaSim
import KScaleTestSupport
@testable import kscale

/// The exit-code table of docs/operator-guide.md, code by code: the kind -> code mapping itself,
/// then the binary, as an operator runs it, for each documented code.
@Suite(.serialized) struct ExitCodeTests {
    // MARK: - The mapping

    @Test func everyErrorKindHasItsCodeAndNoneIsAGoVerdict() {
        let table: [ErrorKind: Int32] = [.badInput: 2, .refused: 2, .connection: 4, .cluster: 5, .localIO: 6,
                                         .internal: 70, .interrupted: 130]
        #expect(Set(table.keys) == Set(ErrorKind.allCases))
        for kind in ErrorKind.allCases {
            #expect(ExitCodes.code(for: kind) == table[kind], "\(kind)")
            // 0 and 1 let a `check` gate go ahead; an error must never.
            #expect(ExitCodes.code(for: kind) > 1, "\(kind)")
        }
    }

    @Test func everyErrorTypeHasItsKind() {
        let cases: [(any Error, ErrorKind)] = [
            (InvalidInput("--max-moves must be at least 1, got 0"), .badInput),
            (Refusal("refusing to remove brokers 3,6"), .refused),
            (LocalIOError("cannot fsync journal", path: "/j", errno: ENOSPC), .localIO),
            (KafkaClientError.bootstrapFailed(attempts: ["127.0.0.1:1 (connection refused)"], timeout: .seconds(1)), .connection),
            (KafkaClientError.connectFailed(broker: "broker 1", reason: "connection refused"), .connection),
            (KafkaClientError.authenticationFailed(broker: "broker 1", reason: "SASL_AUTHENTICATION_FAILED"), .connection),
            (KafkaClientError.requestTimedOut(broker: "broker 1", api: "Metadata", timeout: .seconds(1)), .connection),
            (KafkaClientError.unsupported(broker: "broker 1", api: "DescribeCluster", reason: "too old"), .cluster),
            (KafkaAPIError(code: 31, name: "CLUSTER_AUTHORIZATION_FAILED", api: "DescribeConfigs"), .cluster),
            (ExecutionError("giving up after 30 failed polls"), .cluster),
            (KafkaClientError.closed, .internal),
            (InternalError("librdkafka could not allocate a queue"), .internal),
            (CancellationError(), .interrupted),
            (CocoaError(.fileReadUnknown), .internal),
        ]
        for (error, kind) in cases {
            #expect(ExitCodes.kind(of: error) == kind, "\(error)")
        }
    }

    @Test func theLineNamesTheKindAndTheProblem() {
        let full = LocalIOError("cannot fsync journal", path: "/runs/r/journal.jsonl", errno: ENOSPC)
        #expect(errorLine(full, kind: .localIO) == "error: local I/O: cannot fsync journal /runs/r/journal.jsonl: \(String(cString: strerror(ENOSPC)))")
        let refused = KafkaAPIError(code: 31, name: "CLUSTER_AUTHORIZATION_FAILED", api: "DescribeConfigs", broker: "broker 2")
        #expect(errorLine(refused, kind: .cluster) == "error: cluster error: broker 2 rejected DescribeConfigs: CLUSTER_AUTHORIZATION_FAILED")
    }

    @Test func aNegativeValueGoesToTheOptionBeforeIt() {
        #expect(joiningNegativeValues(["execute", "--throttle", "-5MB/s", "--execute"]) == ["execute", "--throttle=-5MB/s", "--execute"])
        #expect(joiningNegativeValues(["--max-moves", "-1"]) == ["--max-moves=-1"])
        #expect(joiningNegativeValues(["--poll-interval", "-.5"]) == ["--poll-interval=-.5"])
        // Options, values given with `=`, and words after `--` stay as they are.
        #expect(joiningNegativeValues(["--throttle", "-h"]) == ["--throttle", "-h"])
        #expect(joiningNegativeValues(["--max-moves=-1", "-2"]) == ["--max-moves=-1", "-2"])
        #expect(joiningNegativeValues(["--", "--x", "-1"]) == ["--", "--x", "-1"])
    }

    // MARK: - The binary, code by code

    /// Four brokers, the fourth empty: a replica spread of 3 > 2 is a balance warning, nothing critical.
    static func unevenSnapshot() -> ClusterSnapshot {
        let partitions = (0..<3).map { p in
            PartitionState(partition: Int32(p), replicas: (0..<3).map { BrokerID((p + $0) % 3 + 1) }, size: 1_000_000)
        }
        return ClusterSnapshot(brokers: (1...4).map { Broker(id: BrokerID($0)) }, topics: [TopicState(name: "orders", partitions: partitions)])
    }

    /// A scratch directory holding a plan that moves orders-0 onto broker 4 (not executed).
    static func scratch() throws -> (dir: String, plan: String) {
        let dir = NSTemporaryDirectory() + "kscale-exit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let plan = dir + "/plan.json"
        try Data(#"{"version":1,"partitions":[{"topic":"orders","partition":0,"replicas":[4,2,3]}]}"#.utf8)
            .write(to: URL(fileURLWithPath: plan))
        return (dir, plan)
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/snapshots")

    @Test func checkExitsByItsVerdictAndVerifyByWhetherTheRunFinished() async throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        try await withSimCluster(Self.unevenSnapshot()) { sim in
            let warn = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers])
            #expect(warn.status == 1, "\(warn.stdout)\(warn.stderr)")
            #expect(warn.stdout.contains("replica-balance"), "\(warn.stdout)")
            #expect(warn.stdout.contains("status: WARN"), "\(warn.stdout)")

            let verify = try await KScaleBinary.run(["verify", "--bootstrap-server", sim.bootstrapServers, "--plan", s.plan,
                                                     "--state-dir", s.dir + "/run"])
            #expect(verify.status == 3, "\(verify.stdout)\(verify.stderr)")
            #expect(verify.stdout.contains("0 of 1 partitions at target"), "\(verify.stdout)")
        }
    }

    @Test func badArgumentValuesExit2NamingTheValue() async throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let cases: [([String], String)] = [
            (["execute", "--plan", s.plan, "--bootstrap-server", "127.0.0.1:1", "--throttle", "-5MB/s"],
             "error: bad input: --throttle must not be negative, got -5MB/s"),
            (["execute", "--plan", s.plan, "--bootstrap-server", "127.0.0.1:1", "--throttle", "5 parsecs"],
             "error: bad input: --throttle: \"5 parsecs\" is not a rate"),
            (["execute", "--plan", s.plan, "--bootstrap-server", "127.0.0.1:1", "--max-in-flight", "-1"],
             "error: bad input: --max-in-flight must be at least 1, got -1"),
            // ArgumentParser's own refusals: the same code, its message names the value and the usage follows.
            (["plan", "rebalance", "--snapshot", "s.json", "--max-moves", "lots"],
             "error: bad input: The value 'lots' is invalid for '--max-moves <max-moves>'"),
            (["check", "--bootstrap-server", "127.0.0.1:1", "--no-such-option"],
             "error: bad input: Unknown option '--no-such-option'"),
        ]
        for (args, message) in cases {
            let r = try await KScaleBinary.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
        }
        let help = try await KScaleBinary.run(["check", "--help"])
        #expect(help.status == 0, "\(help.stderr)")
        #expect(help.stdout.contains("USAGE: kscale check"), "\(help.stdout)")
    }

    @Test func badInputFilesExit2NamingTheFile() async throws {
        let cases: [([String], String)] = [
            (["check", "--bootstrap-server", "127.0.0.1:1", "--command-config", "/nonexistent/client.properties"],
             "error: bad input: cannot read --command-config file /nonexistent/client.properties"),
            (["plan", "rebalance", "--snapshot", "/nonexistent/snap.json", "--out", "/nonexistent/plan.json"],
             "error: bad input: cannot read snapshot file /nonexistent/snap.json"),
        ]
        for (args, message) in cases {
            let r = try await KScaleBinary.run(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.hasPrefix(message), "\(args): \(r.stderr)")
        }
    }

    @Test func anUnreachableClusterExits4() async throws {
        for command in [["check"], ["describe"], ["scale-in", "--remove-brokers", "3", "--throttle", "50MB/s"]] {
            let r = try await KScaleBinary.run(command + ["--bootstrap-server", "127.0.0.1:1"])
            #expect(r.status == 4, "\(command): \(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("error: connection: could not connect to any bootstrap server"), "\(r.stderr)")
            #expect(r.stderr.contains("127.0.0.1:1"), "\(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one line: \(r.stderr)")
            #expect(!r.stderr.contains("KafkaClientError"), "\(r.stderr)")
        }
    }

    @Test func aFailedLoginExits4WithoutThePassword() async throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        func commandConfig(_ password: String) throws -> String {
            let path = s.dir + "/client-\(password).properties"
            try Data("""
                security.protocol=SASL_PLAINTEXT
                sasl.mechanism=PLAIN
                sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="\(password)";

                """.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let options = SimOptions(users: [SimUser(name: "alice", password: "alice-secret")], securityProtocol: .saslPlaintext)
        let sim = try await SimCluster.start(snapshot: Self.unevenSnapshot(), options: options)
        do {
            let ok = try await KScaleBinary.run(["describe", "--bootstrap-server", sim.bootstrapServers,
                                                 "--command-config", try commandConfig("alice-secret")])
            #expect(ok.status == 0, "the right password logs in: \(ok.stderr)")

            let r = try await KScaleBinary.run(["check", "--bootstrap-server", sim.bootstrapServers,
                                                "--command-config", try commandConfig("not-her-password")])
            #expect(r.status == 4, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("error: connection: authentication with "), "\(r.stderr)")
            #expect(!(r.stdout + r.stderr).contains("not-her-password"))
            await sim.shutdown()
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    /// A run's ledger says it throttled broker 99, which has since left the cluster: undoing it is a
    /// request the cluster cannot take, 5, and the ledger keeps the entry.
    @Test func aRequestTheClusterRefusesExits5() async throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let run = s.dir + "/run"
        let journal = try Journal(path: run + "/" + RunDirectory.journalName)
        var start = JournalRecord(.run, at: 1)
        start.runID = "gone-broker"
        var rate = JournalRecord(.rate, at: 2)
        rate.broker = 99
        rate.key = ThrottleKeys.leaderRate
        rate.value = "50000000"
        try journal.append(start)
        try journal.append(rate)

        try await withSimCluster(Self.unevenSnapshot()) { sim in
            let r = try await KScaleBinary.run(["throttle", "clear", "--bootstrap-server", sim.bootstrapServers, "--state-dir", s.dir, "--execute"])
            #expect(r.status == 5, "\(r.stdout)\(r.stderr)")
            #expect(r.stderr.hasPrefix("error: cluster error: "), "\(r.stderr)")
            #expect(r.stderr.contains("broker 99"), "\(r.stderr)")
        }
        #expect(try RunDirectory.readState(run).ledger.rates.count == 1)
    }

    /// A state dir under a regular file (root ignores permissions, so not a read-only one), a
    /// journal path that is a directory, an output file under a regular file: 6, with the path and
    /// the system's reason, and nothing changed on the cluster.
    @Test func aLocalWriteFailureExits6NamingThePathAndTheReason() async throws {
        let s = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: s.dir) }
        let file = s.dir + "/a-file"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        // The plan's run directory under the root `blocked` holds a directory where its journal goes.
        let blocked = s.dir + "/journal-is-a-directory"
        let id = RunDirectory.runID(for: try ReassignmentPlan.decode(Data(contentsOf: URL(fileURLWithPath: s.plan))))
        try FileManager.default.createDirectory(atPath: blocked + "/\(id)/journal.jsonl", withIntermediateDirectories: true)

        try await withSimCluster(Self.unevenSnapshot()) { sim in
            let before = await sim.state().snapshot.topics
            let cases: [(String, String)] = [
                (file + "/runs", "error: local I/O: cannot create state directory \(file)/runs: \(String(cString: strerror(ENOTDIR)))"),
                (blocked, "error: local I/O: cannot open journal \(blocked)/\(id)/journal.jsonl: \(String(cString: strerror(EISDIR)))"),
            ]
            for (stateDir, message) in cases {
                let r = try await KScaleBinary.run(["execute", "--bootstrap-server", sim.bootstrapServers, "--plan", s.plan,
                                                    "--state-dir", stateDir, "--no-throttle", "--execute"])
                #expect(r.status == 6, "\(r.stdout)\(r.stderr)")
                #expect(r.stderr.hasPrefix(message), "\(r.stderr)")
            }
            #expect(await sim.state().snapshot.topics == before)
        }

        let snapshot = Self.fixtures.appendingPathComponent("racks-drift.json").path
        let r = try await KScaleBinary.run(["plan", "rebalance", "--snapshot", snapshot, "--out", file + "/plan.json"])
        #expect(r.status == 6, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.hasPrefix("error: local I/O: cannot write plan file \(file)/plan.json: \(String(cString: strerror(ENOTDIR)))"), "\(r.stderr)")
    }
}
