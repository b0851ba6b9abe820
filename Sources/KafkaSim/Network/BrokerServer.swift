import Foundation
import KScaleCore
import NIOCore
import NIOPosix

/// One simulated broker's TCP listener. Stopping it closes the listener and every open
/// connection, which is what clients see when a broker dies; starting it binds the same port again.
final class BrokerServer: Sendable {
    let broker: BrokerID
    let host: String
    private let group: EventLoopGroup
    private let engine: SimEngine
    private let faults: FaultState
    private let security: SecuritySettings
    private let state = ServerState()

    init(broker: BrokerID, host: String, group: EventLoopGroup, engine: SimEngine, faults: FaultState, security: SecuritySettings) {
        self.broker = broker
        self.host = host
        self.group = group
        self.engine = engine
        self.faults = faults
        self.security = security
    }

    var port: Int { state.withLock { $0.port } }

    /// Binds `port` (0 for an ephemeral one) and returns the port bound.
    func start(port: Int) async throws -> Int {
        let broker = self.broker, engine = self.engine, faults = self.faults, security = self.security, state = self.state
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                let (stream, continuation) = AsyncStream<ByteBuffer>.makeStream()
                state.withLock { $0.children[ObjectIdentifier(channel)] = channel }
                channel.closeFuture.whenComplete { _ in state.withLock { _ = $0.children.removeValue(forKey: ObjectIdentifier(channel)) } }
                let ctx = RequestContext(broker: broker, version: 0, clientID: nil, engine: engine,
                                         connection: ConnectionState(), security: security)
                Task { await Self.serve(stream, channel: channel, ctx: ctx, faults: faults) }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(KafkaFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FrameForwarder(continuation))
                }
            }
        let channel = try await bootstrap.bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        state.withLock {
            $0.listener = channel
            $0.port = bound
        }
        return bound
    }

    /// The connection's request loop: one request at a time, in order.
    private static func serve(_ frames: AsyncStream<ByteBuffer>, channel: Channel, ctx: RequestContext, faults: FaultState) async {
        for await var frame in frames {
            let bytes = frame.readBytes(length: frame.readableBytes) ?? []
            if faults.takeDrop(ctx.broker) {
                try? await channel.close()
                return
            }
            let delay = await ctx.engine.slowMs(ctx.broker)
            if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
            switch await Router.respond(to: bytes, ctxBase: ctx) {
            case .close:
                try? await channel.close()
                return
            case .noReply:
                continue
            case .reply(let response):
                do {
                    try await channel.writeAndFlush(ByteBuffer(bytes: response))
                } catch {
                    return
                }
                if await ctx.connection.failed {
                    try? await channel.close()
                    return
                }
            }
        }
    }

    /// Closes the listener and drops every connection.
    func stop() async {
        let (listener, children) = state.withLock { s -> (Channel?, [Channel]) in
            let out = (s.listener, Array(s.children.values))
            s.listener = nil
            s.children = [:]
            return out
        }
        try? await listener?.close()
        for c in children { try? await c.close() }
    }
}

/// The mutable part of a server, behind a lock because NIO callbacks run on event-loop threads.
private final class ServerState: @unchecked Sendable {
    struct Inner {
        var listener: Channel?
        var children: [ObjectIdentifier: Channel] = [:]
        var port = 0
    }
    private let lock = NSLock()
    private var inner = Inner()
    func withLock<T>(_ body: (inout Inner) -> T) -> T { lock.withLock { body(&inner) } }
}

/// Injected connection faults, per broker: the next N requests close the connection unanswered.
final class FaultState: @unchecked Sendable {
    private let lock = NSLock()
    private var drops: [BrokerID: Int] = [:]

    func dropNext(_ broker: BrokerID, count: Int) { lock.withLock { drops[broker] = max(0, count) } }

    func takeDrop(_ broker: BrokerID) -> Bool {
        lock.withLock {
            guard let n = drops[broker], n > 0 else { return false }
            drops[broker] = n - 1
            return true
        }
    }
}
