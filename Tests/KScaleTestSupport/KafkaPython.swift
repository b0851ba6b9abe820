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
