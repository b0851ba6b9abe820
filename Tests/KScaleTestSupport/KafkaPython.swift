import Foundation

/// kafka-python 3.x (a client kscale did not write; `pip install 'kafka-python>=3,<4'`), run as
/// `python3` on the fidelity scripts under Tests/fidelity.
public enum KafkaPython {
    /// kafka_python_configs.py failed: its exit status and what it wrote to stderr.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// The topic's dynamic configs (`DYNAMIC_TOPIC_CONFIG`), by name, as kafka-python reads them
    /// from the cluster at `bootstrap`.
    public static func topicConfigs(_ bootstrap: String, topic: String) async throws -> [String: String] {
        let script = Repository.url("Tests/fidelity/kafka_python_configs.py").path
        let result = try await ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                            arguments: ["python3", script, "--bootstrap", bootstrap, "--topic", topic])
            .wait(timeout: .seconds(120))
        return try configs(of: result)
    }

    /// A kafka-python reading of a topic's configs started ahead and taken later: the interpreter
    /// starts and connects at once, and reads when `read()` says so, so the reading falls at the
    /// moment the test chooses (while a move is in flight) however slowly Python starts.
    public final class PendingConfigs: Sendable {
        private let child: ChildProcess
        private let trigger: URL

        public init(_ bootstrap: String, topic: String) throws {
            let script = Repository.url("Tests/fidelity/kafka_python_configs.py").path
            trigger = FileManager.default.temporaryDirectory.appendingPathComponent("kscale-read-\(UUID().uuidString)")
            child = try ChildProcess(executable: URL(fileURLWithPath: "/usr/bin/env"),
                                     arguments: ["python3", script, "--bootstrap", bootstrap, "--topic", topic, "--when", trigger.path])
        }

        deinit {
            child.kill()
            try? FileManager.default.removeItem(at: trigger)
        }

        /// Reads now (once the script is connected) and returns the topic's dynamic configs.
        public func read() async throws -> [String: String] {
            try Data().write(to: trigger)
            return try KafkaPython.configs(of: try await child.wait(timeout: .seconds(120)))
        }
    }

    private static func configs(of result: ProcessResult) throws -> [String: String] {
        guard result.status == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
              let configs = json["configs"] as? [String: Any] else {
            throw Failure(description: "kafka_python_configs.py failed (exit \(result.status)): \(result.stderr.suffix(1500))")
        }
        return configs.compactMapValues { $0 as? String }
    }

    /// A comma-separated list config's items as Kafka's brokers split it (Java's `String.split`
    /// keeps inner and leading empty items): "" for none, so an empty item shows as "".
    public static func items(_ value: String?) -> [String] {
        (value ?? "").split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
}
