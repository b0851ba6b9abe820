import NIOCore

/// One request on its way out: a complete frame whose correlation id the router fills in.
struct OutgoingRequest: Sendable {
    var frame: [UInt8]
    var api: String
    var timeout: TimeAmount
    var promise: EventLoopPromise<ByteBuffer>
}

/// Assigns correlation ids and matches responses to the requests waiting for them, so many
/// requests can be in flight on one connection. Runs on the channel's event loop only.
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

    /// Byte offset of the correlation id in a request frame: size(4) + api key(2) + api version(2).
    static let correlationIDOffset = 8

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
        let timeout = request.timeout
        let scheduled = context.eventLoop.scheduleTask(in: timeout) {
            guard let w = loopBoundSelf.value.waiting.removeValue(forKey: id) else { return }
            w.promise.fail(KafkaClientError.requestTimedOut(broker: label, api: api, timeout: .nanoseconds(timeout.nanoseconds)))
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
        // A response nobody waits for (its request timed out) is dropped: correlation ids tell us so.
        guard let id = frame.getInteger(at: frame.readerIndex, as: Int32.self),
              let w = waiting.removeValue(forKey: id) else { return }
        w.timeout?.cancel()
        w.promise.succeed(frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let all = waiting
        waiting.removeAll()
        for w in all.values {
            w.timeout?.cancel()
            w.promise.fail(KafkaClientError.connectionClosed(broker: label, api: w.api))
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        failAll(error is KafkaClientError ? error : KafkaClientError.connectFailed(broker: label, reason: "\(error)"))
        context.close(promise: nil)
    }

    private func failAll(_ error: Error) {
        let all = waiting
        waiting.removeAll()
        for w in all.values {
            w.timeout?.cancel()
            w.promise.fail(error)
        }
    }
}
