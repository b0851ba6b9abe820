import Foundation

/// A hand-rolled reader for the `kafka-cluster-v1` snapshot: Foundation's JSONDecoder takes
/// seconds and gigabytes on a million-replica snapshot, this takes a fraction of a second.
/// It reads exactly the fields the model has and skips every other value, as the format asks.
struct SnapshotParser {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    /// Where the reader is, for error messages; built into text only when an error is thrown.
    private enum Step { case key(String), index(Int) }
    private var path: [Step] = []
    /// Objects and arrays open around the reader. The format nests five deep; an unknown field
    /// may nest more, but a file nesting thousands deep is hostile (each level is a stack frame
    /// of this recursive reader: 100,000 levels overflow the stack), so it is refused.
    private var depth = 0
    static let maxDepth = 512

    private var pathText: String {
        func text(_ steps: ArraySlice<Step>) -> String {
            steps.map { step in
                switch step {
                case .key(let k): ".\(k)"
                case .index(let i): "[\(i)]"
                }
            }.joined()
        }
        if path.isEmpty { return "" }
        // A deep path is shown by its ends: where it starts, and where the reader gave up.
        let shownEnds = 4
        if path.count > 2 * shownEnds { return " at " + text(path.prefix(shownEnds)) + "..." + text(path.suffix(shownEnds)) }
        return " at " + text(path[...])
    }

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    static func parse(_ data: Data) throws -> ClusterSnapshot {
        try data.withUnsafeBytes { raw in
            var p = SnapshotParser(raw.bindMemory(to: UInt8.self))
            let s = try p.snapshot()
            p.skipSpace()
            if p.i < p.bytes.count { throw p.fail("unexpected text after the snapshot") }
            return s
        }
    }

    // MARK: the format

    private mutating func snapshot() throws -> ClusterSnapshot {
        var format: String?, brokers: [Broker]?, topics: [TopicState]?, groups: [ConsumerGroupState]?
        try object { p, key in
            switch key {
            case "format": format = try p.string()
            case "brokers": brokers = try p.array { try $0.broker() }
            case "topics": topics = try p.array { try $0.topic() }
            case "consumer_groups": groups = try p.nullable { try $0.array { try $0.consumerGroup() } }
            default: try p.skipValue()
            }
        }
        guard let format else { throw missing("format") }
        guard let brokers else { throw missing("brokers") }
        guard let topics else { throw missing("topics") }
        var s = ClusterSnapshot(brokers: brokers, topics: topics, consumerGroups: groups)
        s.format = format
        return s
    }

    private mutating func broker() throws -> Broker {
        var id: BrokerID?, rack: String?, total: Int64?, usable: Int64?, cordoned: Bool?
        var networkIn: Int64?, networkOut: Int64?, registered: Bool?
        try object { p, key in
            switch key {
            case "id": id = try p.int32()
            case "rack": rack = try p.nullable { try $0.string() }
            case "disk_total_bytes": total = try p.nullable { try $0.int64() }
            case "disk_usable_bytes": usable = try p.nullable { try $0.int64() }
            case "cordoned": cordoned = try p.nullable { try $0.bool() }
            case "network_in_capacity": networkIn = try p.nullable { try $0.rate() }
            case "network_out_capacity": networkOut = try p.nullable { try $0.rate() }
            case "registered": registered = try p.nullable { try $0.bool() }
            default: try p.skipValue()
            }
        }
        guard let id else { throw missing("id") }
        return Broker(id: id, rack: rack, diskTotalBytes: total, diskUsableBytes: usable, cordoned: cordoned,
                      networkInCapacity: networkIn, networkOutCapacity: networkOut, registered: registered)
    }

    private mutating func consumerGroup() throws -> ConsumerGroupState {
        var group: String?, topics: [String]?
        try object { p, key in
            switch key {
            case "group": group = try p.string()
            case "topics": topics = try p.array { try $0.string() }
            default: try p.skipValue()
            }
        }
        guard let group else { throw missing("group") }
        return ConsumerGroupState(group: group, topics: topics ?? [])
    }

    private mutating func topic() throws -> TopicState {
        var name: String?, partitions: [PartitionState]?, configs: [String: String]?
        try object { p, key in
            switch key {
            case "name": name = try p.string()
            case "partitions": partitions = try p.array { try $0.partition() }
            case "configs":
                configs = try p.nullable { p in
                    var c: [String: String] = [:]
                    try p.object { p, k in c[k] = try p.string() }
                    return c
                }
            default: try p.skipValue()
            }
        }
        guard let name else { throw missing("name") }
        guard let partitions else { throw missing("partitions") }
        return TopicState(name: name, partitions: partitions, configs: configs)
    }

    private mutating func partition() throws -> PartitionState {
        var number: Int32?, replicas: [BrokerID]?, size: Int64?, isr: [BrokerID]?, leader: BrokerID?
        var bytesIn: Int64?, bytesOut: Int64?
        try object { p, key in
            switch key {
            case "partition": number = try p.int32()
            case "replicas": replicas = try p.array { try $0.int32() }
            case "size": size = try p.nullable { try $0.int64() }
            case "isr": isr = try p.nullable { try $0.array { try $0.int32() } }
            case "leader": leader = try p.nullable { try $0.int32() }
            case "bytes_in_per_sec": bytesIn = try p.nullable { try $0.rate() }
            case "bytes_out_per_sec": bytesOut = try p.nullable { try $0.rate() }
            default: try p.skipValue()
            }
        }
        guard let number else { throw missing("partition") }
        guard let replicas else { throw missing("replicas") }
        return PartitionState(partition: number, replicas: replicas, size: size, isr: isr, leader: leader,
                              bytesInPerSec: bytesIn, bytesOutPerSec: bytesOut)
    }

    // MARK: JSON

    private func fail(_ what: String) -> InvalidInput {
        InvalidInput("malformed snapshot: \(what)\(pathText) (byte \(i))")
    }

    private func missing(_ key: String) -> InvalidInput {
        InvalidInput("malformed snapshot: missing field \"\(key)\"\(pathText)")
    }

    private mutating func skipSpace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ c: UInt8, _ what: String) throws {
        skipSpace()
        guard i < bytes.count, bytes[i] == c else { throw fail("expected \(what)") }
        i += 1
    }

    private mutating func peek() -> UInt8? {
        skipSpace()
        return i < bytes.count ? bytes[i] : nil
    }

    private mutating func enter() throws {
        depth += 1
        if depth > Self.maxDepth { throw fail("nesting deeper than \(Self.maxDepth) levels; not a kafka-cluster-v1 snapshot") }
    }

    private mutating func object(_ field: (inout SnapshotParser, String) throws -> Void) throws {
        try expect(UInt8(ascii: "{"), "an object")
        try enter()
        defer { depth -= 1 }
        if peek() == UInt8(ascii: "}") { i += 1; return }
        while true {
            let key = try string()
            try expect(UInt8(ascii: ":"), "':' after a key")
            path.append(.key(key))
            try field(&self, key)
            path.removeLast()
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return }
            throw fail("expected ',' or '}' in an object")
        }
    }

    private mutating func array<T>(_ element: (inout SnapshotParser) throws -> T) throws -> [T] {
        try expect(UInt8(ascii: "["), "an array")
        try enter()
        defer { depth -= 1 }
        var out: [T] = []
        if peek() == UInt8(ascii: "]") { i += 1; return out }
        while true {
            path.append(.index(out.count))
            out.append(try element(&self))
            path.removeLast()
            skipSpace()
            guard i < bytes.count else { throw fail("unterminated array") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return out }
            throw fail("expected ',' or ']' in an array")
        }
    }

    private mutating func nullable<T>(_ value: (inout SnapshotParser) throws -> T) throws -> T? {
        if peek() == UInt8(ascii: "n") {
            try literal("null")
            return nil
        }
        return try value(&self)
    }

    private mutating func literal(_ word: StaticString) throws {
        skipSpace()
        let n = word.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw fail("unexpected end of input") }
        for k in 0..<n where bytes[i + k] != word.utf8Start[k] { throw fail("expected \(word)") }
        i += n
    }

    private mutating func bool() throws -> Bool {
        switch peek() {
        case UInt8(ascii: "t"):
            try literal("true")
            return true
        case UInt8(ascii: "f"):
            try literal("false")
            return false
        default:
            throw fail("expected true or false")
        }
    }

    private mutating func int64() throws -> Int64 {
        skipSpace()
        var negative = false
        if i < bytes.count && bytes[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        let first = i
        var value: Int64 = 0
        while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(bytes[i] - 0x30))
            if o1 || o2 { throw fail("number too large") }
            value = a
            i += 1
        }
        if i == first { throw fail("expected an integer") }
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            throw fail("expected a whole number")
        }
        return negative ? -value : value
    }

    /// A rate in bytes per second: a whole number, or a decimal (as a generator or another tool may
    /// write it) rounded to the nearest byte.
    private mutating func rate() throws -> Int64 {
        skipSpace()
        let first = i
        while i < bytes.count, Self.numberBytes.contains(bytes[i]) { i += 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite, let rounded = Int64(exactly: value.rounded()) else {
            i = first
            throw fail("expected a rate in bytes per second")
        }
        return rounded
    }

    private static let numberBytes: Set<UInt8> = Set("0123456789+-.eE".utf8)

    private mutating func int32() throws -> Int32 {
        let v = try int64()
        guard let small = Int32(exactly: v) else { throw fail("\(v) does not fit a 32-bit integer") }
        return small
    }

    private mutating func string() throws -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let first = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { throw fail("unterminated string") }
        if bytes[i] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<i]), as: UTF8.self)
            i += 1
            return s
        }
        var out = Array(bytes[first..<i])
        while true {
            guard i < bytes.count else { throw fail("unterminated string") }
            let c = bytes[i]
            i += 1
            if c == UInt8(ascii: "\"") { break }
            if c != UInt8(ascii: "\\") { out.append(c); continue }
            guard i < bytes.count else { throw fail("unterminated string") }
            let e = bytes[i]
            i += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var code = try hex4()
                if code >= 0xD800 && code < 0xDC00, i + 1 < bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4()
                    code = 0x10000 + ((code - 0xD800) << 10) + (low &- 0xDC00)
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(code) ?? "\u{FFFD}")).utf8))
            default: throw fail("bad escape in a string")
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw fail("bad \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[i]
            let d: UInt32
            switch c {
            case 0x30...0x39: d = UInt32(c - 0x30)
            case 0x41...0x46: d = UInt32(c - 0x41 + 10)
            case 0x61...0x66: d = UInt32(c - 0x61 + 10)
            default: throw fail("bad \\u escape")
            }
            v = v * 16 + d
            i += 1
        }
        return v
    }

    /// Skips any JSON value (an unknown field).
    private mutating func skipValue() throws {
        guard let c = peek() else { throw fail("unexpected end of input") }
        switch c {
        case UInt8(ascii: "{"): try object { p, _ in try p.skipValue() }
        case UInt8(ascii: "["): _ = try array { try $0.skipValue() }
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        case UInt8(ascii: "-"), 0x30...0x39:
            i += 1
            while i < bytes.count {
                switch bytes[i] {
                case 0x30...0x39, UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "+"), UInt8(ascii: "-"): i += 1
                default: return
                }
            }
        default: throw fail("not valid JSON")
        }
    }
}
