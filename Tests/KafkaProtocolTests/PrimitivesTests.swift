import Testing
import Foundation
import KScaleTestSupport
@testable import KafkaProtocol

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func unhex(_ s: String) -> [UInt8] {
    var out = [UInt8]()
    var it = s.makeIterator()
    while let a = it.next(), let b = it.next() {
        out.append(UInt8(String([a, b]), radix: 16) ?? 0)
    }
    return out
}

@Suite(.offThePool) struct PrimitivesTests {
    @Test func readmeExampleAlterPartitionReassignmentsV0() throws {
        let req = AlterPartitionReassignmentsRequest(timeoutMs: 30000, topics: [
            .init(name: "orders", partitions: [
                .init(partitionIndex: 0, replicas: [1, 2, 3]),
                .init(partitionIndex: 1, replicas: nil),
            ]),
        ])
        let expected = "0000753002076f7264657273030000000004000000010000000200000003000000000100000000"
        #expect(hex(try req.encoded(version: 0)) == expected)
        #expect(try AlterPartitionReassignmentsRequest.decode(unhex(expected), version: 0) == req)
    }

    @Test(arguments: [
        (UInt32(0), "00"), (1, "01"), (127, "7f"), (128, "8001"), (300, "ac02"), (16383, "ff7f"), (16384, "808001"),
        (UInt32.max, "ffffffff0f"),
    ])
    func unsignedVarint(value: UInt32, encoded: String) throws {
        var w = ByteWriter()
        w.writeUnsignedVarint(value)
        #expect(hex(w.bytes) == encoded)
        var r = ByteReader(w.bytes)
        #expect(try r.readUnsignedVarint() == value)
        #expect(r.isAtEnd)
    }

    @Test(arguments: [Int32(0), -1, 1, -64, 63, 64, Int32.min, Int32.max])
    func signedVarintRoundTrip(value: Int32) throws {
        var w = ByteWriter()
        w.writeVarint(value)
        var r = ByteReader(w.bytes)
        #expect(try r.readVarint() == value)
    }

    @Test(arguments: [Int64(0), -1, 1, Int64.min, Int64.max, 1 << 40])
    func signedVarlongRoundTrip(value: Int64) throws {
        var w = ByteWriter()
        w.writeVarlong(value)
        var r = ByteReader(w.bytes)
        #expect(try r.readVarlong() == value)
    }

    @Test func zigzagMatchesKafka() {
        var w = ByteWriter()
        w.writeVarint(-1)
        w.writeVarint(1)
        w.writeVarint(-64)
        #expect(hex(w.bytes) == "01027f")
    }

    @Test func overlongVarintThrows() {
        var r = ByteReader([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])
        #expect(throws: KafkaProtocolError.self) { try r.readUnsignedVarint() }
        var r2 = ByteReader([0x80, 0x80])
        #expect(throws: KafkaProtocolError.self) { try r2.readUnsignedVarint() }
        var r3 = ByteReader(Array(repeating: 0xff, count: 10) + [0x01])
        #expect(throws: KafkaProtocolError.self) { try r3.readUnsignedVarlong() }
    }

    @Test func hugeArrayLengthIsRejectedBeforeAllocating() {
        var r = ByteReader([0x7f, 0xff, 0xff, 0xff, 0x00])
        #expect(throws: KafkaProtocolError.self) { try r.readArrayLength(compact: false, field: "x") }
        var c = ByteReader([0xff, 0xff, 0xff, 0xff, 0x0f])
        #expect(throws: KafkaProtocolError.self) { try c.readNullableArrayLength(compact: true) }
    }

    @Test func nullInNonNullableVersionThrows() throws {
        // MetadataRequest v0 has a non-nullable Topics array; null arrived as -1.
        #expect(throws: KafkaProtocolError.self) { try MetadataRequest.decode([0xff, 0xff, 0xff, 0xff], version: 0) }
        // ...and writing null there is refused rather than silently sent.
        let req = MetadataRequest(topics: nil)
        #expect(throws: KafkaProtocolError.self) { try req.encoded(version: 0) }
        #expect(try req.encoded(version: 1) == [0xff, 0xff, 0xff, 0xff])
    }

    @Test func stringsAndUUID() throws {
        var w = ByteWriter()
        try w.writeString("héllo", compact: true)
        try w.writeNullableString(nil, compact: false)
        let id = KafkaUUID(high: 0x0102030405060708, low: 0x090a0b0c0d0e0f10)
        w.writeUUID(id)
        var r = ByteReader(w.bytes)
        #expect(try r.readString(compact: true, field: "a") == "héllo")
        #expect(try r.readNullableString(compact: false) == nil)
        #expect(try r.readUUID() == id)
        #expect(KafkaUUID(bytes: id.bytes) == id)
        #expect(KafkaUUID.zero.description == "AAAAAAAAAAAAAAAAAAAAAA")
    }

    @Test func uuidBase64MatchesKafkasPrintedForm() throws {
        // Kafka prints a Uuid as URL-safe base64 without padding; Python's base64.urlsafe_b64encode
        // gives "ASNFZ4mrze_-3LqYdlQyEA" for these 16 bytes.
        let id = KafkaUUID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
        #expect(id.description == "ASNFZ4mrze_-3LqYdlQyEA")
        #expect(KafkaUUID(base64: "ASNFZ4mrze_-3LqYdlQyEA") == id)
        #expect(KafkaUUID(base64: "too-short") == nil)
        #expect(KafkaUUID(base64: "ASNFZ4mrze_-3LqYdlQyEB") == nil)  // stray low bits
        var rng = SplitMix64(seed: 1)
        for _ in 0..<200 {
            let r = KafkaUUID.random(using: &rng)
            #expect(r != .zero)
            #expect(KafkaUUID(base64: r.description) == r)
        }
    }

    @Test func invalidUTF8Throws() {
        var r = ByteReader([0x00, 0x02, 0xc3, 0x28])
        #expect(throws: KafkaProtocolError.self) { try r.readString(compact: false, field: "x") }
    }

    @Test func errorCodes() {
        #expect(KafkaErrorCode.notController.rawValue == 41)
        #expect(KafkaErrorCode.notController.name == "NOT_CONTROLLER")
        #expect(KafkaErrorCode.notController.isRetriable)
        #expect(!KafkaErrorCode.invalidReplicaAssignment.isRetriable)
        #expect(KafkaErrorCode.noReassignmentInProgress.rawValue == 85)
        #expect(KafkaErrorCode.none.name == "NONE")
        #expect(KafkaErrorCode(rawValue: 999).name == "UNKNOWN(999)")
        #expect(KafkaErrorCode.shareSessionLimitReached.rawValue == 133)
    }
}

@Suite(.offThePool) struct HeaderTests {
    @Test func apiVersionsResponseAlwaysUsesHeaderV0() throws {
        #expect(ApiVersionsResponse.responseHeaderVersion(3) == 0)
        #expect(ApiVersionsResponse.responseHeaderVersion(0) == 0)
        #expect(MetadataResponse.responseHeaderVersion(9) == 1)
        #expect(MetadataResponse.responseHeaderVersion(8) == 0)
        #expect(KafkaAPIs.responseHeaderVersion(apiKey: 18, apiVersion: 4) == 0)
        let frame = try KafkaFraming.encodeResponse(correlationId: 7, version: 3, ApiVersionsResponse())
        // size, correlation id, then the body directly (no header tagged-field byte): error code 0.
        #expect(hex(Array(frame[4..<10])) == "000000070000")
    }

    @Test func requestHeaderVersions() throws {
        #expect(MetadataRequest.requestHeaderVersion(9) == 2)
        #expect(MetadataRequest.requestHeaderVersion(8) == 1)
        #expect(SaslHandshakeRequest.requestHeaderVersion(1) == 1)
        let frame = try KafkaFraming.encodeRequest(
            RequestHeader(apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "kscale"), ApiVersionsRequest())
        // size | 0012 0003 00000001 | 0006 "kscale" (classic string even in header v2) | 00 tags | body
        #expect(hex(Array(frame[4..<20])) == "0012000300000001" + "00066b7363616c65")
        var r = ByteReader(Array(frame[4...]))
        let header = try KafkaFraming.decodeRequestHeader(from: &r)
        #expect(header == RequestHeader(apiKey: 18, apiVersion: 3, correlationId: 1, clientId: "kscale"))
        let body = try KafkaAPIs.decodeAnyRequest(apiKey: header.apiKey, version: header.apiVersion, from: &r)
        #expect(body as? ApiVersionsRequest == ApiVersionsRequest())
        #expect(r.isAtEnd)
    }

    @Test func splitFrame() throws {
        let frame = try KafkaFraming.encodeRequest(RequestHeader(apiKey: 3, apiVersion: 12, correlationId: 5), MetadataRequest())
        #expect(try KafkaFraming.splitFrame(frame[0..<3]) == nil)
        #expect(try KafkaFraming.splitFrame(frame.dropLast()) == nil)
        let split = try #require(try KafkaFraming.splitFrame(frame[...] + [1, 2]))
        #expect(split.consumed == frame.count)
        #expect(throws: KafkaProtocolError.self) { try KafkaFraming.splitFrame([0xff, 0xff, 0xff, 0xff]) }
    }
}
