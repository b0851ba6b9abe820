/// A Kafka UUID (topic ids, directory ids): 16 raw bytes, written as two big-endian int64s.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Kafka's "no id" value (`Uuid.ZERO_UUID`).
    public static let zero = KafkaUUID(high: 0, low: 0)

    /// The 16 bytes in wire order.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(16)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: high >> UInt64(shift))) }
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: low >> UInt64(shift))) }
        return out
    }

    /// Builds a UUID from exactly 16 bytes; nil otherwise.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var h: UInt64 = 0
        var l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(bytes[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(bytes[i]) }
        self.init(high: h, low: l)
    }

    /// A random UUID (version 4 bits set, as Kafka's `Uuid.randomUuid`), never `.zero`.
    public static func random<G: RandomNumberGenerator>(using generator: inout G) -> KafkaUUID {
        var high = UInt64.random(in: .min ... .max, using: &generator)
        var low = UInt64.random(in: .min ... .max, using: &generator)
        high = (high & ~0xF000) | 0x4000
        low = (low & ~(0xC000_0000_0000_0000 as UInt64)) | 0x8000_0000_0000_0000
        return KafkaUUID(high: high, low: low)
    }

    public static func random() -> KafkaUUID {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    /// Parses Kafka's printed form (22 characters of URL-safe base64, no padding); nil otherwise.
    public init?(base64 text: String) {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let chars = Array(text)
        guard chars.count == 22 else { return nil }
        var bits: UInt32 = 0
        var nbits = 0
        var out: [UInt8] = []
        for c in chars {
            guard let v = alphabet.firstIndex(of: c) else { return nil }
            bits = (bits << 6) | UInt32(v)
            nbits += 6
            if nbits >= 8 {
                nbits -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(nbits)))
            }
        }
        // 22 characters carry 132 bits: the 4 left over must be zero, as the encoder writes them.
        guard out.count == 16, bits & ((1 << UInt32(nbits)) - 1) == 0 else { return nil }
        self.init(bytes: out)
    }

    /// Kafka prints UUIDs as URL-safe base64 without padding (as `kafka-topics --describe` shows them).
    public var description: String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        let b = bytes
        var out = ""
        var i = 0
        while i < b.count {
            let chunk = Array(b[i..<min(i + 3, b.count)])
            let n = (UInt32(chunk[0]) << 16) | (chunk.count > 1 ? UInt32(chunk[1]) << 8 : 0) | (chunk.count > 2 ? UInt32(chunk[2]) : 0)
            for k in 0...chunk.count { out.append(alphabet[Int((n >> UInt32(18 - 6 * k)) & 63)]) }
            i += 3
        }
        return out
    }
}
