import Foundation
import KScaleCore
import Yams

/// YAML files read into KScaleCore's document tree (`PolicyNode`), every node with its line (Yams
/// marks), so the pure rules name the line of each problem. Nothing here judges a value.
public enum PolicyFiles {
    /// The most bytes a policy file may hold: policies are a page, not a data set.
    public static let maxPolicyBytes = 1 << 20

    /// Reads and checks an autoscaling policy; throws `PolicyProblems` (every problem, with line
    /// and key) or `InvalidInput` (no such file, not YAML).
    public static func readAutoscalePolicy(_ path: String) throws -> AutoscalePolicy {
        let data = try KScaleFiles.read(path, what: "policy", maxBytes: maxPolicyBytes)
        return try AutoscalePolicy.read(try document(data, file: path), file: path)
    }

    /// The YAML document of `data` as a tree; an empty file is an empty mapping.
    public static func document(_ data: Data, file: String) throws -> PolicyNode {
        guard let text = String(data: data, encoding: .utf8) else {
            throw InvalidInput("policy \(file) is not UTF-8 text")
        }
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw InvalidInput("policy \(file) is not YAML: \(error)")
        }
        guard let root else { return PolicyNode(.mapping([]), line: 1) }
        return try tree(root, file: file)
    }

    private static let nullSpellings: Set<String> = ["", "~", "null", "Null", "NULL"]

    private static func tree(_ node: Node, file: String) throws -> PolicyNode {
        let line = node.mark?.line ?? 1
        switch node {
        case let .scalar(scalar):
            if scalar.style == .plain, nullSpellings.contains(scalar.string) { return PolicyNode(.null, line: line) }
            return PolicyNode(.scalar(scalar.string), line: line)
        case let .mapping(mapping):
            var entries: [PolicyEntry] = []
            for (key, value) in mapping {
                guard case let .scalar(name) = key else {
                    throw InvalidInput("policy \(file) line \(key.mark?.line ?? line): a key must be a plain name")
                }
                entries.append(PolicyEntry(key: name.string, line: key.mark?.line ?? line, value: try tree(value, file: file)))
            }
            return PolicyNode(.mapping(entries), line: line)
        case let .sequence(sequence):
            return PolicyNode(.sequence(try sequence.map { try tree($0, file: file) }), line: line)
        case .alias:
            throw InvalidInput("policy \(file) line \(line): YAML aliases (*name) are not supported in a policy; write the value out")
        }
    }
}
