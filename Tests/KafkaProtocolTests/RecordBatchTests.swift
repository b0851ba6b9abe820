import KScaleTestSupport
import Testing
@testable import KafkaProtocol

/// CRC-32C against published check values, and v2 record batches written and read back.
@Suite(.offThePool) struct RecordBatchTests {
    @Test func crc32cMatchesKnownCheckValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        // RFC 3720 (iSCSI), appendix B.4.
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func recordsRoundTripThroughABatch() throws {
        var withHeader = KafkaRecord(offset: 2, timestamp: 1_700_000_000_500, key: nil, value: Array("third".utf8))
        withHeader.headers = [RecordHeader(key: "origin", value: Array("kscale".utf8)), RecordHeader(key: "empty", value: nil)]
        let records = [
            KafkaRecord(offset: 0, timestamp: 1_700_000_000_000, key: Array("run-1".utf8), value: Array(#"{"state":"running"}"#.utf8)),
            KafkaRecord(offset: 1, timestamp: 1_700_000_000_250, key: Array("run-2".utf8), value: nil),
            withHeader,
        ]
        let bytes = try RecordBatch.encode(records, baseOffset: 40)
        // The layout Kafka reads: magic 2 at byte 16, the record count at byte 57, the length after byte 12.
        #expect(bytes[16] == 2)
        #expect(Int32(bitPattern: UInt32(bytes[57]) << 24 | UInt32(bytes[58]) << 16 | UInt32(bytes[59]) << 8 | UInt32(bytes[60])) == 3)
        let spans = try RecordBatch.spans(bytes)
        #expect(spans == [RecordBatch.Span(start: 0, size: bytes.count, baseOffset: 40, lastOffset: 42, recordCount: 3)])

        let back = try RecordBatch.decode(bytes)
        #expect(back.map(\.offset) == [40, 41, 42])
        #expect(back.map(\.key) == records.map(\.key))
        #expect(back.map(\.value) == records.map(\.value))
        #expect(back.map(\.timestamp) == records.map(\.timestamp))
        #expect(back[2].headers == withHeader.headers)
    }

    @Test func aRebasedBatchKeepsItsChecksumAndMovesItsOffsets() throws {
        let bytes = try RecordBatch.encode([KafkaRecord(key: nil, value: [1]), KafkaRecord(offset: 1, key: nil, value: [2])])
        let moved = RecordBatch.rebased(bytes[...], to: 1_000)
        #expect(try RecordBatch.decode(moved).map(\.offset) == [1_000, 1_001])
        // Two batches back to back, as a fetch answer carries them.
        #expect(try RecordBatch.decode(bytes + moved).map(\.offset) == [0, 1, 1_000, 1_001])
    }

    @Test func damagedBatchesAreRefusedByName() throws {
        let bytes = try RecordBatch.encode([KafkaRecord(key: Array("k".utf8), value: Array("v".utf8))])
        var flipped = bytes
        flipped[flipped.count - 1] ^= 0xFF
        #expect(throws: RecordBatch.Failure.self) { try RecordBatch.decode(flipped) }
        if case .badChecksum? = Self.failure(flipped) {} else { Issue.record("a flipped byte is not reported as a CRC failure: \(String(describing: Self.failure(flipped)))") }
        var magic = bytes
        magic[16] = 1
        #expect(Self.failure(magic) == .badMagic(1, offset: 0))
        #expect(Self.failure(Array(bytes.dropLast(3))) == .truncated(offset: 0))
        // A fetch answer cut inside its last batch: the whole batches before it are read.
        #expect(try RecordBatch.decode(bytes + bytes.prefix(20), allowPartialTail: true).count == 1)
        var compressed = bytes
        compressed[22] |= 0x04                       // attributes: zstd
        let crc = CRC32C.checksum(compressed[21...])
        for index in 0..<4 { compressed[17 + index] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * UInt32(index))) }
        #expect(Self.failure(compressed) == .compressed(codec: 4, offset: 0))
    }

    static func failure(_ bytes: [UInt8]) -> RecordBatch.Failure? {
        do {
            _ = try RecordBatch.decode(bytes)
            return nil
        } catch {
            return error
        }
    }
}
