import CZstd
import Foundation
import KScaleCore

/// zstd frames through libzstd, so snapshots of large clusters stay small on disk.
public enum Zstd {
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let bound = ZSTD_compressBound(data.count)
        var out = Data(count: bound)
        let written = out.withUnsafeMutableBytes { dst in
            data.withUnsafeBytes { src in
                ZSTD_compress(dst.baseAddress, bound, src.baseAddress, data.count, level)
            }
        }
        if ZSTD_isError(written) != 0 { throw InternalError("zstd compression failed: \(String(cString: ZSTD_getErrorName(written)))") }
        out.count = written
        return out
    }

    /// Decompresses every frame with the streaming API, so frames without a content size
    /// (as written by `zstd` from a pipe) work too. Stops, and throws, as soon as the output
    /// passes `limit` bytes: a small hostile file can expand to gigabytes, and it is refused
    /// before it is held in memory whole.
    public static func decompress(_ data: Data, limit: Int = Int.max) throws -> Data {
        guard let stream = ZSTD_createDStream() else { throw InternalError("zstd: out of memory") }
        defer { ZSTD_freeDStream(stream) }
        ZSTD_initDStream(stream)
        let chunk = ZSTD_DStreamOutSize()
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: chunk)
        var lastResult = 0
        try data.withUnsafeBytes { (src: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: src.baseAddress, size: src.count, pos: 0)
            repeat {
                let produced: Int = try buffer.withUnsafeMutableBytes { dst in
                    var output = ZSTD_outBuffer(dst: dst.baseAddress, size: chunk, pos: 0)
                    let r = ZSTD_decompressStream(stream, &output, &input)
                    if ZSTD_isError(r) != 0 { throw InvalidInput("not a valid zstd file: \(String(cString: ZSTD_getErrorName(r)))") }
                    lastResult = r
                    return output.pos
                }
                if out.count + produced > limit {
                    throw InvalidInput("expands to more than \(ByteUnits.format(Int64(clamping: limit))) (the input size limit); if it is a real snapshot, raise --max-input-size")
                }
                out.append(contentsOf: buffer[0..<produced])
                if produced == 0 && input.pos == input.size { break }
            } while input.pos < input.size || lastResult != 0
        }
        if lastResult != 0 { throw InvalidInput("zstd file is truncated") }
        return out
    }
}
