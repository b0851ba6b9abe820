import NIOCore

/// One request on its way out: a complete frame whose correlation id the router fills in.
struct OutgoingRequest: Sendable {
    var frame: [UInt8]
    var api: String
    /// When the wait ends, failing the request with `timeoutError`.
    var deadline: NIODeadline
    var timeoutError: KafkaClientError
    var promise: EventLoopPromise<ByteBuffer>
}

/// Assigns correlation ids and matches responses to the requests waiting for them, so many
/// requests can be in flight on one connection. Runs on the channel's event loop only.
///
/// An answer that breaks the protocol (a correlation id nobody asked for, a frame too short for
/// a response header, a frame size no Kafka frame has) fails every waiting request with an error
/// naming what was wrong, and closes the connection: after it, no later answer can be trusted.
final class ResponseRouter: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = OutgoingRequest
    typealias OutboundOut = ByteBuffer

    private struct Waiting {
        var promise: EventLoopPromise<ByteBuffer>
        var timeout: Scheduled<Void>?
        var api: String
    }

    private let label: String
    private var nextCorrelationID: Int32 = 0
    private var waiting: [Int32: Waiting] = [:]
    /// Requests that timed out: their late answers are dropped, not taken for a broker out of step.
    /// Emptied as the answers arrive; a connection whose request timed out is normally dropped.
    private var abandoned: Set<Int32> = []

    /// Byte offset of the correlation id in a request frame: size(4) + api key(2) + api version(2).
    static let correlationIDOffset = 8
    /// The smallest response header: its int32 correlation id.
    static let minimumResponseHeader = 4

    init(label: String) { self.label = label }

    func write(context: ChannelHandlerContext, data: NIOAny, promise writePromise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        nextCorrelationID = nextCorrelationID == .max ? 1 : nextCorrelationID + 1
        let id = nextCorrelationID
        var buffer = context.channel.allocator.buffer(capacity: request.frame.count)
        buffer.writeBytes(request.frame)
        buffer.setInteger(id, at: Self.correlationIDOffset)

        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        let label = self.label
        let api = request.api
        let timeoutError = request.timeoutError
        let scheduled = context.eventLoop.scheduleTask(deadline: request.deadline) {
            let router = loopBoundSelf.value
            guard let w = router.waiting.removeValue(forKey: id) else { return }
            router.abandoned.insert(id)
            w.promise.fail(timeoutError)
        }
        waiting[id] = Waiting(promise: request.promise, timeout: scheduled, api: api)
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            guard let w = loopBoundSelf.value.waiting.removeValue(forKey: id) else { return }
            w.timeout?.cancel()
            w.promise.fail(KafkaClientError.connectFailed(broker: label, reason: "cannot send \(api): \(error)"))
        }
        if let writePromise { written.futureResult.cascade(to: writePromise) }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: written)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard frame.readableBytes >= Self.minimumResponseHeader, let id = frame.getInteger(at: frame.readerIndex, as: Int32.self) else {
            let size = frame.readableBytes
            failAll(context: context) { id, api in .frameTooShort(broker: self.label, api: api, size: size) }
            return
        }
        if let w = waiting.removeValue(forKey: id) {
            w.timeout?.cancel()
            w.promise.succeed(frame)
        } else if abandoned.remove(id) == nil {
            failAll(context: context) { expected, api in
                .wrongCorrelationID(broker: self.label, api: api, expected: expected, received: id)
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail { _, api in .connectionClosed(broker: self.label, api: api) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(context: context) { _, api in
            if let e = error as? KafkaClientError { return e }
            if let e = error as? FrameSizeError { return .frameSizeInvalid(broker: self.label, api: api, size: e.size, limit: e.limit) }
            return .connectFailed(broker: self.label, reason: "\(error)")
        }
    }

    /// Fails every waiting request, each with the error `make` gives for its correlation id and
    /// API, and closes the connection.
    private func failAll(context: ChannelHandlerContext, _ make: (Int32, String) -> KafkaClientError) {
        fail(make)
        context.close(promise: nil)
    }

    private func fail(_ make: (Int32, String) -> KafkaClientError) {
        let all = waiting
        waiting.removeAll()
        for (id, w) in all.sorted(by: { $0.key < $1.key }) {
            w.timeout?.cancel()
            w.promise.fail(make(id, w.api))
        }
    }
}
