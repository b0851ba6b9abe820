import Foundation

/// Topics that move together: one group is never split across target clusters.
public struct SplitGroup: Sendable, Hashable, Codable {
    public var name: String
    public var topics: [String]
    /// The consumer groups that read these topics, when the snapshot records them.
    public var consumerGroups: [String]
    public var load: SplitLoad

    enum CodingKeys: String, CodingKey {
        case name, topics, load
        case consumerGroups = "consumer_groups"
    }
}

/// Builds the groups of a split from its topics and the request's grouping.
public enum SplitGrouping {
    /// What every refusal to group by consumers says: the snapshot must be sampled.
    public static let needsConsumerGroups = "the snapshot records no consumer groups (consumer_groups): take a sampled snapshot with kscale snapshot --sample"

    public static func groups(_ topics: [SplitTopic], snapshot: ClusterSnapshot, grouping: SplitRequest.Grouping) throws -> [SplitGroup] {
        let readers = readersByTopic(snapshot)
        var members: [String: [SplitTopic]] = [:]
        switch grouping {
        case .prefix(let delimiter):
            guard !delimiter.isEmpty else { throw InvalidInput("--group-by prefix: needs a delimiter, e.g. prefix:.") }
            for topic in topics {
                let key = topic.name.range(of: delimiter).map { String(topic.name[..<$0.lowerBound]) } ?? topic.name
                members[key, default: []].append(topic)
            }
        case .consumers:
            guard let groups = snapshot.consumerGroups, !groups.isEmpty else { throw InvalidInput(needsConsumerGroups) }
            members = joinedByConsumers(topics, groups)
        case .explicit(let file):
            let known = Set(topics.map(\.name))
            var owner: [String: String] = [:]
            for (group, names) in file.sorted(by: { $0.key < $1.key }) {
                for name in names {
                    if SplitTopics.isInternal(name) { throw InvalidInput("--groups: group \(group) lists internal topic \(name), which stays on the cluster it is on") }
                    guard known.contains(name) else { throw InvalidInput("--groups: group \(group) lists topic \(name), which is not in the snapshot") }
                    if let other = owner[name] { throw InvalidInput("--groups: topic \(name) is in both group \(other) and group \(group)") }
                    owner[name] = group
                }
            }
            for topic in topics { members[owner[topic.name] ?? topic.name, default: []].append(topic) }
        }
        return members.keys.sorted().compactMap { name in
            guard let topics = members[name] else { return nil }
            let sorted = topics.sorted { $0.name < $1.name }
            let load = sorted.reduce(SplitLoad.zero) { $0 + $1.load }
            let consumers = Set(sorted.flatMap { readers[$0.name] ?? [] }).sorted()
            return SplitGroup(name: name, topics: sorted.map(\.name), consumerGroups: consumers, load: load)
        }
    }

    /// Consumer group ids by the topics they read.
    static func readersByTopic(_ snapshot: ClusterSnapshot) -> [String: [String]] {
        var readers: [String: [String]] = [:]
        for group in snapshot.consumerGroups ?? [] {
            for topic in Set(group.topics) { readers[topic, default: []].append(group.group) }
        }
        return readers
    }

    /// Topics joined whenever one consumer group reads both (union-find over topic indices); a group
    /// is named after its first consumer group id, a topic no group reads after itself.
    static func joinedByConsumers(_ topics: [SplitTopic], _ groups: [ConsumerGroupState]) -> [String: [SplitTopic]] {
        var index: [String: Int] = [:]
        for (i, t) in topics.enumerated() { index[t.name] = i }
        var parent = Array(topics.indices)
        func root(_ i: Int) -> Int {
            var r = i
            while parent[r] != r { r = parent[r] }
            var walk = i
            while parent[walk] != r { (parent[walk], walk) = (r, parent[walk]) }
            return r
        }
        var firstGroup: [Int: String] = [:]
        for group in groups.sorted(by: { $0.group < $1.group }) {
            let read = group.topics.compactMap { index[$0] }
            guard let first = read.first else { continue }
            for other in read.dropFirst() {
                let (a, b) = (root(first), root(other))
                if a != b { parent[max(a, b)] = min(a, b) }
            }
            for t in read where firstGroup[t] == nil { firstGroup[t] = group.group }
        }
        var names: [Int: String] = [:]
        for i in topics.indices {
            if let g = firstGroup[i] {
                let r = root(i)
                if let known = names[r] { names[r] = min(known, g) } else { names[r] = g }
            }
        }
        var members: [String: [SplitTopic]] = [:]
        for (i, topic) in topics.enumerated() {
            members[names[root(i)] ?? topic.name, default: []].append(topic)
        }
        return members
    }
}

/// The operator's groups file (`--groups groups.yaml`), the small YAML subset it needs: a mapping of
/// group names to lists of topic names, as a block list (`- name` lines) or a flow list (`[a, b]`).
/// Comments (`#`) and blank lines are ignored; anything else is refused with its line number.
public enum SplitGroupsFile {
    public static func parse(_ text: String, file: String) throws -> [String: [String]] {
        var groups: [String: [String]] = [:]
        var current: String?
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = stripComment(String(raw))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            func fail(_ why: String) -> InvalidInput { InvalidInput("\(file) line \(number + 1): \(why)") }
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                guard let group = current, line.first == " " || line.first == "-" else { throw fail("a list item outside a group") }
                let topic = unquote(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces))
                guard !topic.isEmpty else { throw fail("an empty topic name") }
                groups[group, default: []].append(topic)
                continue
            }
            guard line.first != " ", let colon = trimmed.firstIndex(of: ":") else {
                throw fail("expected `group:` followed by `- topic` lines, or `group: [topic, ...]`")
            }
            let name = unquote(String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces))
            guard !name.isEmpty else { throw fail("a group without a name") }
            guard groups[name] == nil else { throw fail("group \(name) is listed twice") }
            let rest = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            groups[name] = []
            current = name
            if rest.isEmpty { continue }
            guard rest.hasPrefix("["), rest.hasSuffix("]") else { throw fail("expected a list [topic, ...] after \(name):") }
            let items = rest.dropFirst().dropLast().split(separator: ",").map { unquote($0.trimmingCharacters(in: .whitespaces)) }
            guard !items.contains(where: \.isEmpty) else { throw fail("an empty topic name in \(name)'s list") }
            groups[name] = items
            current = nil
        }
        for (name, topics) in groups where topics.isEmpty {
            throw InvalidInput("\(file): group \(name) lists no topics")
        }
        guard !groups.isEmpty else { throw InvalidInput("\(file): no groups in the file") }
        return groups
    }

    private static func stripComment(_ line: String) -> String {
        guard let hash = line.firstIndex(of: "#") else { return line }
        if hash == line.startIndex || line[line.index(before: hash)] == " " { return String(line[..<hash]) }
        return line
    }

    private static func unquote(_ s: String) -> String {
        for quote in ["\"", "'"] where s.count >= 2 && s.hasPrefix(quote) && s.hasSuffix(quote) {
            return String(s.dropFirst().dropLast())
        }
        return s
    }
}
