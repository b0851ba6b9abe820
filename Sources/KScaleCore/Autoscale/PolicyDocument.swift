/// A configuration document as a tree of scalars, mappings and sequences, each node with the line
/// it starts on: what the YAML reader (KScaleIO, over Yams) hands the pure policy rules, so every
/// problem they find names its line and key without KScaleCore reading YAML itself.
public struct PolicyNode: Sendable, Hashable {
    public enum Content: Sendable, Hashable {
        /// A scalar's text as written (`15m`, `70%`, `6`); `null`/`~`/empty are `.null`.
        case scalar(String)
        case mapping([PolicyEntry])
        case sequence([PolicyNode])
        case null
    }

    public var content: Content
    /// 1-based line of the node in its file.
    public var line: Int

    public init(_ content: Content, line: Int) {
        self.content = content
        self.line = line
    }

    /// What the node is, for messages: "a mapping", "a list", "a value", "nothing".
    public var shape: String {
        switch content {
        case .scalar: "a value"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .null: "nothing"
        }
    }
}

/// One `key: value` of a mapping, with the key's line.
public struct PolicyEntry: Sendable, Hashable {
    public var key: String
    public var line: Int
    public var value: PolicyNode

    public init(key: String, line: Int, value: PolicyNode) {
        self.key = key
        self.line = line
        self.value = value
    }
}

/// One thing wrong with a policy: where (line, dotted key) and what.
public struct PolicyProblem: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var line: Int
    /// The dotted path of the key, e.g. `signals.network_in.out_above` or `schedule[1].cron`.
    public var key: String
    public var message: String

    public init(line: Int, key: String, message: String) {
        self.line = line
        self.key = key
        self.message = message
    }

    public static func < (a: PolicyProblem, b: PolicyProblem) -> Bool {
        (a.line, a.key, a.message) < (b.line, b.key, b.message)
    }

    /// `line 12: signals.network_in.out_above: "70x" is not a percentage`.
    public var description: String { "line \(line): \(key): \(message)" }
}

/// Every problem of a policy file at once, so the operator fixes them in one pass (exit 2).
public struct PolicyProblems: KindedError, Sendable, Equatable {
    /// The file the problems are in, for the first line of the message.
    public var file: String
    public var problems: [PolicyProblem]

    public init(file: String, problems: [PolicyProblem]) {
        self.file = file
        self.problems = problems.sorted()
    }

    public var kind: ErrorKind { .badInput }

    public var description: String {
        let count = problems.count == 1 ? "1 problem" : "\(problems.count) problems"
        return "policy \(file) has \(count):\n" + problems.map { "  \(file): \($0)" }.joined(separator: "\n")
    }
}
