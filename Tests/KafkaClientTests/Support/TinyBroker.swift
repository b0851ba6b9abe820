import Foundation
import KafkaProtocol
import NIOCore
import NIOPosix
import NIOSSL
@testable import KafkaClient

/// What a `TinyBroker` does with one request.
enum TinyReply: Sendable {
    case respond([UInt8])
    case respondAfter(TimeAmount, [UInt8])
    case ignore
    case close

    /// A response frame for `header`'s correlation id, at the version asked.
    static func with<R: KafkaResponse>(_ header: RequestHeader, _ body: R, version: Int16? = nil, delay: TimeAmount? = nil) -> TinyReply {
        do {
            let frame = try KafkaFraming.encodeResponse(correlationId: header.correlationId, version: version ?? header.apiVersion, body)
            return delay.map { .respondAfter($0, frame) } ?? .respond(frame)
        } catch {
            return .close
        }
    }
}

/// A one-port Kafka-speaking server for connection tests: each request goes to `answer`, which
/// runs on the event loop with per-connection state of its own choosing.
final class TinyBroker: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }
    var address: String { "127.0.0.1:\(port)" }

    typealias Answer = @Sendable (RequestHeader, any KafkaRequest) -> TinyReply

    private init(channel: any Channel) { self.channel = channel }

    static func start(tls: NIOSSLContext? = nil, _ answer: @escaping Answer) async throws -> TinyBroker {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    if let tls { try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try ch.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try ch.pipeline.syncOperations.addHandler(TinyBrokerHandler(answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TinyBroker(channel: channel)
    }

    func stop() async {
        try? await channel.close().get()
    }
}

private final class TinyBrokerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let answer: TinyBroker.Answer

    init(answer: @escaping TinyBroker.Answer) { self.answer = answer }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        var reader = ByteReader(bytes: frame.readableBytesView)
        guard let header = try? KafkaFraming.decodeRequestHeader(from: &reader) else { context.close(promise: nil); return }
        let request: any KafkaRequest
        do {
            request = try KafkaAPIs.decodeAnyRequest(apiKey: header.apiKey, version: header.apiVersion, from: &reader)
        } catch {
            // An ApiVersions version we do not know still gets KIP-511's v0 answer.
            if header.apiKey == 18 {
                request = ApiVersionsRequest()
            } else {
                context.close(promise: nil)
                return
            }
        }
        let channel = context.channel
        switch answer(header, request) {
        case .respond(let bytes):
            context.writeAndFlush(wrapOutboundOut(channel.allocator.buffer(bytes: bytes)), promise: nil)
        case .respondAfter(let delay, let bytes):
            channel.eventLoop.scheduleTask(in: delay) {
                channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
            }
        case .ignore:
            break
        case .close:
            context.close(promise: nil)
        }
    }
}

/// ApiVersions answer listing every API the generated code knows at its full range.
func allVersions(_ header: RequestHeader, except overrides: [Int16: ClosedRange<Int16>] = [:]) -> TinyReply {
    let keys = KafkaAPIs.all.map { api in
        let r = overrides[api.apiKey] ?? api.versions
        return ApiVersionsResponse.ApiVersion(apiKey: api.apiKey, minVersion: r.lowerBound, maxVersion: r.upperBound)
    }
    return .with(header, ApiVersionsResponse(errorCode: 0, apiKeys: keys))
}

/// Records values from the event loop for the test to read.
final class Recorder<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [T] = []
    func add(_ item: T) { lock.withLock { items.append(item) } }
    var all: [T] { lock.withLock { items } }
}
