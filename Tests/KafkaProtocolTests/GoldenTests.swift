import Foundation
import KScaleTestSupport
import Testing
@testable import KafkaProtocol

/// One encoded message from Fixtures/protocol, made by kafka-python (see make_golden.py).
struct GoldenCase: CustomTestStringConvertible, Sendable {
    let message: String
    let apiKey: Int16
    let version: Int16
    let variant: String
    let bytes: [UInt8]
    let valuesJSON: Data
    /// The full variant also has the framed bytes (size, header, body) and the header's values.
    var frame: [UInt8]?
    var correlationId: Int32 = 0
    var clientId: String?

    var testDescription: String { "\(message) v\(version) \(variant)" }

    var type: (any KafkaMessage.Type)? {
        message.hasSuffix("Request") ? KafkaAPIs.requestType(forKey: apiKey) : KafkaAPIs.responseType(forKey: apiKey)
    }
}

enum Fixtures {
    static let directory = Repository.url("Fixtures/protocol")

    static func messageFiles() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().map { directory.appendingPathComponent($0) }
    }

    /// Every case in every fixture file. Loading problems surface as a failing test, not as zero cases.
    static let all: [GoldenCase] = {
        var out: [GoldenCase] = []
        for file in messageFiles() {
            guard let data = try? Data(contentsOf: file),
                  let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let message = root["message"] as? String, let apiKey = root["apiKey"] as? Int,
                  let cases = root["cases"] as? [[String: Any]] else { continue }
            for c in cases {
                guard let v = c["version"] as? Int, let variant = c["variant"] as? String, let h = c["hex"] as? String,
                      let values = c["values"], let json = try? JSONSerialization.data(withJSONObject: values) else { continue }
                var golden = GoldenCase(message: message, apiKey: Int16(apiKey), version: Int16(v), variant: variant,
                                        bytes: unhex(h), valuesJSON: json)
                if let f = c["frameHex"] as? String, let cid = c["correlationId"] as? Int {
                    golden.frame = unhex(f)
                    golden.correlationId = Int32(cid)
                    golden.clientId = c["clientId"] as? String
                }
                out.append(golden)
            }
        }
        return out
    }()
}

/// Compares a decoded Swift value with kafka-python's values through reflection, so one test covers
/// every generated type. Keys are schema field names; Swift properties are the same, first letter lowered.
func mismatches(_ value: Any, _ json: Any, path: String) -> [String] {
    let mirror = Mirror(reflecting: value)
    if mirror.displayStyle == .optional {
        guard let inner = mirror.children.first?.value else {
            return json is NSNull ? [] : ["\(path): Swift nil, expected \(json)"]
        }
        return mismatches(inner, json, path: path)
    }
    if json is NSNull { return ["\(path): expected null, got \(value)"] }
    if type(of: value) == [UInt8].self, let b = value as? [UInt8] {
        return hex(b) == (json as? String) ? [] : ["\(path): bytes \(hex(b)) != \(json)"]
    }
    if let u = value as? KafkaUUID {
        return hex(u.bytes) == (json as? String) ? [] : ["\(path): uuid \(hex(u.bytes)) != \(json)"]
    }
    if let s = value as? String {
        return s == (json as? String) ? [] : ["\(path): \"\(s)\" != \(json)"]
    }
    if let b = value as? Bool {
        return b == (json as? NSNumber)?.boolValue ? [] : ["\(path): \(b) != \(json)"]
    }
    if let d = value as? Double {
        return d == (json as? NSNumber)?.doubleValue ? [] : ["\(path): \(d) != \(json)"]
    }
    if let i = value as? any BinaryInteger {
        let expected = (json as? NSNumber)?.int64Value
        return Int64(i) == expected ? [] : ["\(path): \(i) != \(json)"]
    }
    if mirror.displayStyle == .collection {
        guard let list = json as? [Any] else { return ["\(path): array vs \(json)"] }
        let items = Array(mirror.children.map(\.value))
        guard items.count == list.count else { return ["\(path): \(items.count) elements, expected \(list.count)"] }
        return zip(items, list).enumerated().flatMap { i, pair in mismatches(pair.0, pair.1, path: "\(path)[\(i)]") }
    }
    if mirror.displayStyle == .struct {
        guard let dict = json as? [String: Any] else { return ["\(path): struct vs \(json)"] }
        var byLabel: [String: Any] = [:]
        for child in mirror.children { if let l = child.label { byLabel[l] = child.value } }
        var out: [String] = []
        for (key, expected) in dict {
            let label = key.prefix(1).lowercased() + key.dropFirst()
            guard let actual = byLabel[label] else { out.append("\(path).\(label): no such property"); continue }
            out += mismatches(actual, expected, path: "\(path).\(label)")
        }
        return out
    }
    return ["\(path): cannot compare \(type(of: value))"]
}

@Suite(.offThePool) struct GoldenTests {
    @Test func fixturesCoverEveryGeneratedMessage() {
        let messages = Set(Fixtures.all.map(\.message))
        for api in KafkaAPIs.all {
            #expect(messages.contains(api.name + "Request"), "no golden bytes for \(api.name)Request")
            #expect(messages.contains(api.name + "Response"), "no golden bytes for \(api.name)Response")
        }
        #expect(Fixtures.all.count >= 500)
    }

    /// Every version of every generated message has both a full and a sparse golden case.
    @Test func fixturesCoverEveryVersion() {
        let have = Set(Fixtures.all.map { "\($0.message) v\($0.version) \($0.variant)" })
        for api in KafkaAPIs.all {
            for v in api.versions {
                for kind in ["Request", "Response"] {
                    for variant in ["full", "sparse"] {
                        #expect(have.contains("\(api.name)\(kind) v\(v) \(variant)"), "missing \(api.name)\(kind) v\(v) \(variant)")
                    }
                }
            }
        }
    }

    @Test(arguments: Fixtures.all)
    func decodesAndReencodesExactly(_ golden: GoldenCase) throws {
        let type = try #require(golden.type)
        var reader = ByteReader(golden.bytes)
        let value = try type.init(from: &reader, version: golden.version)
        #expect(reader.isAtEnd, "\(reader.remaining) bytes left over")
        let values = try JSONSerialization.jsonObject(with: golden.valuesJSON)
        let diff = mismatches(value, values, path: golden.message)
        #expect(diff.isEmpty, "\(diff.prefix(5))")
        var writer = ByteWriter()
        try value.encode(into: &writer, version: golden.version)
        #expect(hex(writer.bytes) == hex(golden.bytes))
    }
}

func framed<R: KafkaRequest>(_ body: R, _ header: RequestHeader) throws -> [UInt8] {
    try KafkaFraming.encodeRequest(header, body)
}

func framed<R: KafkaResponse>(_ body: R, correlationId: Int32, version: Int16) throws -> [UInt8] {
    try KafkaFraming.encodeResponse(correlationId: correlationId, version: version, body)
}

@Suite(.offThePool) struct GoldenFrameTests {
    static let framedCases = Fixtures.all.filter { $0.frame != nil }

    /// Whole frames, header included, against kafka-python's: this pins the header-version rules
    /// (request v1/v2, response v0/v1, ApiVersionsResponse always v0) to an independent encoder.
    @Test(arguments: framedCases)
    func framesMatchKafkaPython(_ golden: GoldenCase) throws {
        let frame = try #require(golden.frame)
        let type = try #require(golden.type)
        var reader = ByteReader(golden.bytes)
        let body = try type.init(from: &reader, version: golden.version)
        let mine: [UInt8]
        if let request = body as? any KafkaRequest {
            let header = RequestHeader(apiKey: golden.apiKey, apiVersion: golden.version,
                                       correlationId: golden.correlationId, clientId: golden.clientId)
            mine = try framed(request, header)
            // A server reads it back: split the frame, read the header, decode whatever request it is.
            let split = try #require(try KafkaFraming.splitFrame(frame[...]))
            #expect(split.consumed == frame.count)
            var r = ByteReader(split.frame)
            #expect(try KafkaFraming.decodeRequestHeader(from: &r) == header)
            let decoded = try KafkaAPIs.decodeAnyRequest(apiKey: golden.apiKey, version: golden.version, from: &r)
            #expect(r.isAtEnd)
            #expect(try decoded.encoded(version: golden.version) == golden.bytes)
        } else if let response = body as? any KafkaResponse {
            mine = try framed(response, correlationId: golden.correlationId, version: golden.version)
            var r = ByteReader(Array(frame.dropFirst(4)))
            let headerVersion = KafkaAPIs.responseHeaderVersion(apiKey: golden.apiKey, apiVersion: golden.version)
            #expect(try ResponseHeader(from: &r, headerVersion: headerVersion).correlationId == golden.correlationId)
        } else {
            Issue.record("\(golden.message) is neither request nor response")
            return
        }
        #expect(hex(mine) == hex(frame))
    }
}
