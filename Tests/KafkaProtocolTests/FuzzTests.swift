import KScaleTestSupport
import Testing
@testable import KafkaProtocol

/// Every generated message type with every version it supports.
func allTypesAndVersions() -> [(any KafkaMessage.Type, Int16)] {
    var out: [(any KafkaMessage.Type, Int16)] = []
    for api in KafkaAPIs.all {
        for v in api.versions {
            if let t = KafkaAPIs.requestType(forKey: api.apiKey) { out.append((t, v)) }
            if let t = KafkaAPIs.responseType(forKey: api.apiKey) { out.append((t, v)) }
        }
    }
    return out
}

/// Decodes and reports whether it threw; reaching the return at all is the "never crashes" check.
func decodeThrows(_ type: any KafkaMessage.Type, _ bytes: [UInt8], version: Int16) -> Bool {
    var r = ByteReader(bytes)
    do {
        _ = try type.init(from: &r, version: version)
        return false
    } catch {
        return true
    }
}

@Suite(.offThePool) struct FuzzTests {
    @Test func everyStrictPrefixOfAGoldenMessageThrows() {
        var checked = 0
        for golden in Fixtures.all {
            guard let type = golden.type else { continue }
            for n in 0..<golden.bytes.count {
                #expect(decodeThrows(type, Array(golden.bytes[0..<n]), version: golden.version),
                        "\(golden.testDescription) prefix \(n) decoded")
                checked += 1
            }
        }
        #expect(checked > 10_000)
    }

    @Test func mutatedGoldenMessagesThrowOrDecode() {
        var rng = SplitMix64(seed: 0x6B73_6361_6C65)
        var cases = 0
        for golden in Fixtures.all where !golden.bytes.isEmpty {
            guard let type = golden.type else { continue }
            for _ in 0..<12 {
                var bytes = golden.bytes
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    let i = Int.random(in: 0..<bytes.count, using: &rng)
                    switch Int.random(in: 0..<3, using: &rng) {
                    case 0: bytes[i] ^= UInt8(1 << Int.random(in: 0..<8, using: &rng))
                    case 1: bytes[i] = [0x00, 0x7f, 0x80, 0xff][Int.random(in: 0..<4, using: &rng)]
                    default: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: i)
                    }
                }
                _ = decodeThrows(type, bytes, version: golden.version)
                cases += 1
            }
        }
        #expect(cases > 5_000)
    }

    @Test func randomBytesThrowOrDecode() {
        var rng = SplitMix64(seed: 42)
        var cases = 0
        for (type, version) in allTypesAndVersions() {
            for _ in 0..<32 {
                let n = Int.random(in: 0...96, using: &rng)
                var bytes = (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
                // Bias toward plausible small lengths so decoding gets past the first field.
                if Bool.random(using: &rng) { bytes = bytes.map { $0 & 0x03 } }
                _ = decodeThrows(type, bytes, version: version)
                cases += 1
            }
        }
        #expect(cases > 5_000)
    }

    @Test func headersRejectGarbage() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<2_000 {
            let bytes = (0..<Int.random(in: 0...24, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var r = ByteReader(bytes)
            _ = try? KafkaFraming.decodeRequestHeader(from: &r)
            var r2 = ByteReader(bytes)
            _ = try? ResponseHeader(from: &r2, headerVersion: 1)
            _ = try? KafkaFraming.splitFrame(bytes[...])
        }
    }
}

@Suite(.offThePool) struct RoundTripTests {
    /// Defaults survive a round trip at every version of every message.
    @Test func defaultsRoundTripEverywhere() throws {
        for (type, version) in allTypesAndVersions() {
            let value = type.init()
            var w = ByteWriter()
            try value.encode(into: &w, version: version)
            var r = ByteReader(w.bytes)
            let back = try type.init(from: &r, version: version)
            #expect(r.isAtEnd)
            var w2 = ByteWriter()
            try back.encode(into: &w2, version: version)
            #expect(w.bytes == w2.bytes, "\(type) v\(version)")
        }
    }

    @Test(arguments: MetadataResponse.validVersions)
    func metadataResponse(version: Int16) throws {
        let resp = MetadataResponse(
            throttleTimeMs: 5,
            brokers: [.init(nodeId: 1, host: "b1", port: 9092, rack: "r1"), .init(nodeId: 2, host: "b2", port: 9093, rack: nil)],
            clusterId: "c",
            controllerId: 2,
            topics: [.init(errorCode: 0, name: "orders", topicId: KafkaUUID(high: 1, low: 2), isInternal: false, partitions: [
                .init(errorCode: 0, partitionIndex: 0, leaderId: 1, leaderEpoch: 3, replicaNodes: [1, 2], isrNodes: [1], offlineReplicas: [2]),
            ])])
        let bytes = try resp.encoded(version: version)
        let back = try MetadataResponse.decode(bytes, version: version)
        #expect(back.brokers.map(\.nodeId) == [1, 2])
        #expect(back.topics.first?.partitions.first?.isrNodes == [1])
        #expect(back.controllerId == (version >= 1 ? 2 : -1))
        #expect(back.brokers.first?.rack == (version >= 1 ? "r1" : nil))
        #expect(back.topics.first?.topicId == (version >= 10 ? KafkaUUID(high: 1, low: 2) : .zero))
    }

    @Test func decodeAnyRequestRejectsUnknownKeysAndVersions() {
        var r = ByteReader([])
        #expect(throws: KafkaProtocolError.unknownApiKey(999)) {
            try KafkaAPIs.decodeAnyRequest(apiKey: 999, version: 0, from: &r)
        }
        #expect(throws: KafkaProtocolError.unsupportedVersion(apiKey: 3, version: 99)) {
            try KafkaAPIs.decodeAnyRequest(apiKey: 3, version: 99, from: &r)
        }
    }
}
