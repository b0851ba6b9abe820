import Foundation
import KScaleCore
import KScaleExec
import NIOCore
import NIOHTTP1
import NIOPosix

/// `--metrics-port`: `GET /metrics` on 127.0.0.1 answers `AutoscaleMetrics.render()` in the
/// Prometheus text format; any other path is 404. Loopback only: put a scraper beside it, or a
/// proxy in front, to reach it from elsewhere.
final class MetricsEndpoint: Sendable {
    let port: Int
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    private init(port: Int, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.channel = channel
        self.group = group
    }

    static func start(port: Int, metrics: AutoscaleMetrics) async throws -> MetricsEndpoint {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try await ServerBootstrap(group: group)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.pipeline.configureHTTPServerPipeline().flatMap {
                        channel.pipeline.addHandler(MetricsHandler(metrics: metrics))
                    }
                }
                .bind(host: "127.0.0.1", port: port).get()
            return MetricsEndpoint(port: channel.localAddress?.port ?? port, channel: channel, group: group)
        } catch {
            try? await group.shutdownGracefully()
            throw InvalidInput("--metrics-port \(port): cannot listen on 127.0.0.1:\(port) (\(error))")
        }
    }

    func stop() async {
        try? await channel.close()
        try? await group.shutdownGracefully()
    }
}

private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    private let metrics: AutoscaleMetrics
    private var head: HTTPRequestHead?

    init(metrics: AutoscaleMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): head = h
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let found = head.method == .GET && head.uri.split(separator: "?").first == "/metrics"
            let body = Data((found ? metrics.render() : "not found\n").utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? AutoscaleMetrics.contentType : "text/plain")
            headers.add(name: "Content-Length", value: String(body.count))
            headers.add(name: "Connection", value: head.isKeepAlive ? "keep-alive" : "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            let keepAlive = head.isKeepAlive
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in if !keepAlive { channel.close(promise: nil) } }
        }
    }
}
