import KafkaProtocol

// InitProducerId (key 22). Kafka hands an idempotent producer a producer id and epoch (and fences
// older epochs for transactional ids). Modelled: a fresh id per call, epoch 0; no transactions,
// so clients can produce with idempotence on (the default since Kafka 3.0 clients).
enum InitProducerIdHandler: APIHandler {
    typealias Request = InitProducerIdRequest
    typealias Response = InitProducerIdResponse
    static let versions: ClosedRange<Int16> = 0...5

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        var r = Response()
        r.producerId = await ctx.engine.nextProducerID()
        r.producerEpoch = 0
        return r
    }
}
