import Foundation

// Reading and writing the two JSON contracts (snapshot, reassignment plan) from and to bytes.
// Files and compression live in KScaleIO; this stays pure.

extension ClusterSnapshot {
    /// Decodes and validates a `kafka-cluster-v1` snapshot. Unknown fields are ignored so later
    /// versions can add to the format.
    public static func decode(_ data: Data) throws -> ClusterSnapshot {
        let snapshot = try SnapshotParser.parse(data)
        guard snapshot.format == formatName else {
            throw InvalidInput("snapshot format is \"\(snapshot.format)\", expected \"\(formatName)\"")
        }
        try snapshot.validate()
        return snapshot
    }

    /// Structural checks every consumer relies on: unique brokers, topics and partitions, and
    /// replicas that name known brokers exactly once.
    public func validate() throws {
        var ids = Set<BrokerID>()
        for b in brokers where !ids.insert(b.id).inserted {
            throw InvalidInput("snapshot lists broker \(b.id) twice")
        }
        for b in brokers {
            for (field, capacity) in [("network_in_capacity", b.networkInCapacity), ("network_out_capacity", b.networkOutCapacity)] {
                if let capacity, capacity <= 0 { throw InvalidInput("broker \(b.id) has a \(field) of \(capacity); it must be above 0") }
            }
        }
        var names = Set<String>()
        for t in topics {
            guard names.insert(t.name).inserted else { throw InvalidInput("snapshot lists topic \(t.name) twice") }
            var seen = Set<Int32>()
            for p in t.partitions {
                let tp = TopicPartition(t.name, p.partition)
                guard seen.insert(p.partition).inserted else { throw InvalidInput("snapshot lists partition \(tp) twice") }
                guard !p.replicas.isEmpty else { throw InvalidInput("partition \(tp) has no replicas") }
                guard !hasDuplicate(p.replicas) else {
                    throw InvalidInput("partition \(tp) lists a broker twice in its replicas \(p.replicas)")
                }
                if let unknown = p.replicas.first(where: { !ids.contains($0) }) {
                    throw InvalidInput("partition \(tp) has a replica on broker \(unknown), which is not in the snapshot's broker list")
                }
                if let size = p.size, size < 0 { throw InvalidInput("partition \(tp) has a negative size \(size)") }
                if let rate = p.bytesInPerSec, rate < 0 { throw InvalidInput("partition \(tp) has a negative bytes_in_per_sec \(rate)") }
                if let rate = p.bytesOutPerSec, rate < 0 { throw InvalidInput("partition \(tp) has a negative bytes_out_per_sec \(rate)") }
            }
        }
    }

    /// Deterministic, compact JSON (sorted keys) so the same snapshot always gives the same bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}

extension ReassignmentPlan {
    private struct Wire: Decodable {
        var version: Int
        var partitions: [Line]
        struct Line: Decodable {
            var topic: String
            var partition: Int32
            var replicas: [BrokerID]
            var log_dirs: [String]?
            var original_replicas: [BrokerID]?
        }
    }

    /// Reads Kafka's reassignment JSON, as written by kafka-reassign-partitions.sh or by kscale.
    /// kscale's own plans add `original_replicas` to each line (see `encoded`); a line without
    /// it (Kafka's `--generate`, older kscale plans) decodes with no record.
    public static func decode(_ data: Data) throws -> ReassignmentPlan {
        if let depth = JSONNesting.firstLevelBeyond(SnapshotParser.maxDepth, in: data) {
            throw InvalidInput("malformed reassignment JSON: nesting deeper than \(SnapshotParser.maxDepth) levels (at byte \(depth)); not a reassignment plan")
        }
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: data)
        } catch let error as DecodingError {
            throw InvalidInput("malformed reassignment JSON: \(describe(error))")
        }
        guard wire.version == 1 else { throw InvalidInput("reassignment JSON version \(wire.version) is not supported (expected 1)") }
        var seen = Set<TopicPartition>()
        let lines = try wire.partitions.map { l -> PartitionAssignment in
            let tp = TopicPartition(l.topic, l.partition)
            guard seen.insert(tp).inserted else { throw InvalidInput("reassignment JSON lists partition \(tp) twice") }
            guard !l.replicas.isEmpty else { throw InvalidInput("reassignment JSON gives partition \(tp) no replicas") }
            guard Set(l.replicas).count == l.replicas.count else {
                throw InvalidInput("reassignment JSON lists a broker twice for partition \(tp): \(l.replicas)")
            }
            if let dirs = l.log_dirs, dirs.count != l.replicas.count {
                throw InvalidInput("reassignment JSON for partition \(tp) has \(dirs.count) log_dirs for \(l.replicas.count) replicas")
            }
            if let original = l.original_replicas {
                guard !original.isEmpty else { throw InvalidInput("reassignment JSON records no original_replicas for partition \(tp): an empty list") }
                guard !hasDuplicate(original) else {
                    throw InvalidInput("reassignment JSON lists a broker twice in the original_replicas of partition \(tp): \(original)")
                }
            }
            return PartitionAssignment(topic: l.topic, partition: l.partition, replicas: l.replicas, logDirs: l.log_dirs,
                                       originalReplicas: l.original_replicas)
        }
        return ReassignmentPlan(version: wire.version, partitions: lines)
    }

    /// Kafka's own layout and key order, one partition per line, sorted by topic and partition;
    /// `log_dirs` is "any" per replica unless the plan names directories.
    ///
    /// A line that records what it was planned from ends with `"original_replicas":[...]`, unless
    /// `recordingOriginals` is false (the run id, which is the plan's identity, hashes without it).
    /// Kafka's own tool still reads such a file: kafka-reassign-partitions.sh
    /// (tools/src/main/java/org/apache/kafka/tools/reassign/ReassignPartitionsCommand.java,
    /// `parsePartitionReassignmentData`) looks up only `version` and `partitions` at the top level
    /// and only `topic`, `partition`, `replicas` and `log_dirs` in each line, by name, and ignores
    /// every other field at both levels.
    public func encoded(recordingOriginals: Bool = true) -> Data {
        var out: [UInt8] = []
        out.reserveCapacity(64 + partitions.count * 96)
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        func put(_ n: Int) {
            var v = n
            if v < 0 { out.append(UInt8(ascii: "-")); v = -v }
            var digits: [UInt8] = []
            repeat { digits.append(UInt8(48 + v % 10)); v /= 10 } while v > 0
            out.append(contentsOf: digits.reversed())
        }
        func put(_ ids: [BrokerID]) {
            for (k, r) in ids.enumerated() {
                if k > 0 { out.append(UInt8(ascii: ",")) }
                put(Int(r))
            }
        }
        put("{\"version\":"); put(version); put(",\"partitions\":[")
        let inOrder = partitions.indices.dropFirst().allSatisfy { !(partitions[$0].topicPartition < partitions[$0 - 1].topicPartition) }
        let sorted = inOrder ? partitions : partitions.sorted { $0.topicPartition < $1.topicPartition }
        for (i, p) in sorted.enumerated() {
            put(i == 0 ? "\n" : ",\n")
            put("{\"topic\":"); put(jsonString(p.topic)); put(",\"partition\":"); put(Int(p.partition)); put(",\"replicas\":[")
            put(p.replicas)
            put("],\"log_dirs\":[")
            if let dirs = p.logDirs {
                put(dirs.map(jsonString).joined(separator: ","))
            } else {
                for k in p.replicas.indices { put(k == 0 ? "\"any\"" : ",\"any\"") }
            }
            put("]")
            if recordingOriginals, let original = p.originalReplicas {
                put(",\"original_replicas\":["); put(original); put("]")
            }
            put("}")
        }
        put(sorted.isEmpty ? "]}\n" : "\n]}\n")
        return Data(out)
    }
}

/// Whether a short list repeats a value; replica lists are a handful long, so a quadratic scan
/// beats allocating a Set for each of a million partitions.
func hasDuplicate(_ ids: [BrokerID]) -> Bool {
    if ids.count > 16 { return Set(ids).count != ids.count }
    for i in ids.indices { for j in ids.indices where j > i && ids[i] == ids[j] { return true } }
    return false
}

/// A JSON string literal with the escapes RFC 8259 requires.
func jsonString(_ s: String) -> String {
    if s.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C }) { return "\"" + s + "\"" }
    var out = "\""
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}

private func describe(_ error: DecodingError) -> String {
    func path(_ ctx: DecodingError.Context) -> String {
        let p = ctx.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        return p.isEmpty ? "" : " at \(p)"
    }
    switch error {
    case .keyNotFound(let key, let ctx): return "missing field \"\(key.stringValue)\"\(path(ctx))"
    case .typeMismatch(_, let ctx): return "wrong type\(path(ctx)): \(ctx.debugDescription)"
    case .valueNotFound(_, let ctx): return "null value\(path(ctx))"
    case .dataCorrupted(let ctx): return "not valid JSON\(path(ctx)): \(ctx.debugDescription)"
    @unknown default: return "\(error)"
    }
}

/// How deep a JSON document nests, found by one pass over its bytes (brackets outside strings),
/// so a hostile file is refused with a message before a recursive decoder sees it.
enum JSONNesting {
    /// The byte offset at which nesting first exceeds `limit`, or nil.
    static func firstLevelBeyond(_ limit: Int, in data: Data) -> Int? {
        var depth = 0, inString = false, escaped = false
        for (offset, byte) in data.enumerated() {
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth > limit { return offset }
            case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
            default: break
            }
        }
        return nil
    }
}
