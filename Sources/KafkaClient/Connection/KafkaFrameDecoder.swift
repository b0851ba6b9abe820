import NIOCore

/// Splits the byte stream into Kafka frames (int32 size, then that many bytes) and passes each
/// frame on without its size prefix. Shared by the client and the test servers.
struct KafkaFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    /// Kafka's own default for `socket.request.max.bytes`; a larger size means a garbage stream
    /// (a TLS alert read as plaintext, an HTTP server), so fail fast instead of buffering.
    var maxFrameSize: Int32 = 100 * 1024 * 1024

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let size = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else { return .needMoreData }
        guard size >= 0, size <= maxFrameSize else { throw FrameSizeError(size: size, limit: maxFrameSize) }
        guard buffer.readableBytes >= 4 + Int(size) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 4)
        guard let frame = buffer.readSlice(length: Int(size)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}

/// A size prefix no Kafka frame has; the router turns it into `KafkaClientError.frameSizeInvalid`
/// for each request waiting.
struct FrameSizeError: Error, CustomStringConvertible {
    var size: Int32
    var limit: Int32
    var description: String {
        "frame size \(size) is not a Kafka frame (is the port speaking TLS, or another protocol?)"
    }
}
