import CRdKafka
import Dispatch
import Foundation
import KScaleCore

/// The outcome of one produced record, as librdkafka's delivery report tells it.
public struct DeliveryReport: Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The record's offset in its partition; -1 when the broker did not say (acks=0) or on error.
    public var offset: Int64
    /// From the call to `produce` to the delivery report: what kafka-producer-perf-test calls latency.
    public var latencyNanos: UInt64
    public var error: KafkaAPIError?
}

/// Per-record context handed to librdkafka as the message opaque and taken back, exactly once,
/// in the delivery callback (or when a produce call fails before librdkafka owns it).
private final class DeliveryContext {
    let topic: String
    let enqueuedAt: UInt64
    let handler: @Sendable (DeliveryReport) -> Void
    init(topic: String, handler: @escaping @Sendable (DeliveryReport) -> Void) {
        self.topic = topic
        self.handler = handler
        enqueuedAt = DispatchTime.now().uptimeNanoseconds
    }
}

/// Runs on the producer's poll thread for every record librdkafka has finished with.
private let deliveryCallback: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeRetainedValue()
    let m = message.pointee
    let now = DispatchTime.now().uptimeNanoseconds
    context.handler(DeliveryReport(
        topic: context.topic, partition: m.partition, offset: m.offset,
        latencyNanos: now >= context.enqueuedAt ? now - context.enqueuedAt : 0,
        error: m.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaAPIError(rd: m.err, api: "Produce")))
}

/// The poll thread's stop flag and its exit signal, shared without referencing the producer, so
/// the producer's deinit can never run on (and wait for) the poll thread itself.
private final class Poller: @unchecked Sendable {
    private let lock = NSLock()
    private var stopping = false
    private var joined = false
    private let done = DispatchSemaphore(value: 0)

    func start(_ handle: RdKafkaHandle) {
        let thread = Thread { [self] in
            while !lock.withLock({ stopping }) {
                rd_kafka_poll(handle.raw, 50)
            }
            done.signal()
        }
        thread.name = "kscale-rdkafka-poll"
        thread.start()
    }

    /// Stops the thread and waits for it to return; later calls return at once.
    func stopAndJoin() {
        let wait = lock.withLock { () -> Bool in
            stopping = true
            defer { joined = true }
            return !joined
        }
        if wait { done.wait() }
    }
}

/// Errors librdkafka reports about the client rather than a record (error_cb): a failed login,
/// brokers that cannot be reached. librdkafka retries these for ever; `connect` turns them into
/// an answer.
private final class ClientErrors: @unchecked Sendable {
    private let lock = NSLock()
    private var authentication: String?
    private var last: String?

    func record(code: Int32, reason: String) {
        lock.withLock {
            if code == RD_KAFKA_RESP_ERR__AUTHENTICATION.rawValue { authentication = authentication ?? reason }
            last = reason
        }
    }

    var seen: (authentication: String?, last: String?) { lock.withLock { (authentication, last) } }
}

private let errorCallback: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { _, code, reason, opaque in
    guard let opaque else { return }
    Unmanaged<ClientErrors>.fromOpaque(opaque).takeUnretainedValue().record(code: code, reason: reason.map { String(cString: $0) } ?? "")
}

/// A librdkafka producer with its own poll thread, so delivery reports arrive without the caller
/// polling and `send` can be awaited.
public final class RdKafkaProducer: @unchecked Sendable {
    private let handle: RdKafkaHandle
    private let poller = Poller()
    private let lock = NSLock()
    private var topicHandles: [String: OpaquePointer] = [:] // guarded by lock
    private var closed = false // guarded by lock
    private let errors = ClientErrors()

    public init(bootstrapServers: String?, properties: [String: String] = [:]) throws {
        var props = properties
        if let bootstrapServers { props["bootstrap.servers"] = bootstrapServers }
        guard props["bootstrap.servers"] != nil else { throw InvalidInput("no bootstrap servers given") }
        let errors = errors
        handle = try RdKafkaHandle(kind: RD_KAFKA_PRODUCER, properties: props, keepAlive: errors) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryCallback)
            rd_kafka_conf_set_error_cb(conf, errorCallback)
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(errors).toOpaque())
        }
        poller.start(handle)
    }

    /// Waits until the cluster answers metadata for `topic`, for at most `timeout`: a login the
    /// cluster refuses fails as soon as librdkafka reports it, brokers that cannot be reached fail
    /// at the timeout, a missing topic at once. Without it librdkafka keeps retrying and every
    /// record waits out message.timeout.ms (5 minutes) before failing.
    public func connect(topic: String, timeout: Duration) async throws {
        let rkt = try topicHandle(topic)
        let topicPointer = CPointer(raw: rkt)
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var lastAnswer: String?
        repeat {
            if let refused = errors.seen.authentication {
                throw KafkaClientError.authenticationFailed(broker: handle.label, reason: refused)
            }
            let answer = try await handle.blocking { rk -> (err: rd_kafka_resp_err_t, topicErr: rd_kafka_resp_err_t?) in
                var metadata: UnsafePointer<rd_kafka_metadata>?
                let err = rd_kafka_metadata(rk, 0, topicPointer.raw, &metadata, Self.connectProbeMs)
                defer { if let metadata { rd_kafka_metadata_destroy(metadata) } }
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let md = metadata?.pointee else { return (err, nil) }
                let topics = UnsafeBufferPointer(start: md.topics, count: Int(md.topic_cnt))
                return (err, topics.first.map(\.err) ?? RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
            }
            if let topicErr = answer.topicErr {
                if topicErr == RD_KAFKA_RESP_ERR_NO_ERROR { return }
                if topicErr == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART { throw InvalidInput("topic \(topic) does not exist (kscale load writes to an existing topic)") }
                throw KafkaAPIError(rd: topicErr, message: "topic \(topic)", api: "Metadata", via: handle.label)
            }
            lastAnswer = rd_kafka_err2str(answer.err).map { String(cString: $0) }
        } while ContinuousClock.now < deadline
        if let refused = errors.seen.authentication {
            throw KafkaClientError.authenticationFailed(broker: handle.label, reason: refused)
        }
        let why = errors.seen.last ?? lastAnswer ?? "no answer"
        throw KafkaClientError.bootstrapFailed(attempts: ["\(handle.label): \(why)"], timeout: timeout)
    }

    /// One metadata attempt of `connect`, in ms: short, so a refused login is seen soon after
    /// librdkafka reports it.
    static let connectProbeMs: Int32 = 500

    /// Enqueues one record. Returns false when librdkafka's queue is full (back off and retry);
    /// throws on anything else. `partition` nil lets librdkafka's partitioner choose.
    @discardableResult
    public func produce(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8],
                        onDelivery: @escaping @Sendable (DeliveryReport) -> Void) throws -> Bool {
        let rkt = try topicHandle(topic)
        let opaque = Unmanaged.passRetained(DeliveryContext(topic: topic, handler: onDelivery)).toOpaque()
        let copy: Int32 = 0x2 // RD_KAFKA_MSG_F_COPY: librdkafka copies the bytes, so ours may go
        let status = value.withUnsafeBytes { v in
            if let key {
                return key.withUnsafeBytes { k in
                    rd_kafka_produce(rkt, partition ?? -1, copy, UnsafeMutableRawPointer(mutating: v.baseAddress), v.count,
                                     k.baseAddress, k.count, opaque)
                }
            }
            return rd_kafka_produce(rkt, partition ?? -1, copy, UnsafeMutableRawPointer(mutating: v.baseAddress), v.count, nil, 0, opaque)
        }
        if status == 0 { return true }
        Unmanaged<DeliveryContext>.fromOpaque(opaque).release() // librdkafka did not take it
        let err = rd_kafka_last_error()
        if err == RD_KAFKA_RESP_ERR__QUEUE_FULL { return false }
        throw KafkaAPIError(rd: err, message: "\(topic): \(rd_kafka_err2str(err).map { String(cString: $0) } ?? "")", api: "Produce")
    }

    /// Produces one record and waits for its delivery report; throws the broker's error.
    public func send(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]) async throws -> DeliveryReport {
        let (reports, continuation) = AsyncThrowingStream<DeliveryReport, any Error>.makeStream()
        while try !produce(topic: topic, partition: partition, key: key, value: value, onDelivery: { report in
            if let error = report.error {
                continuation.finish(throwing: error)
            } else {
                continuation.yield(report)
                continuation.finish()
            }
        }) {
            try await Task.sleep(for: .milliseconds(10)) // queue full: let librdkafka drain
        }
        for try await report in reports { return report }
        throw KafkaAPIError(rd: RD_KAFKA_RESP_ERR__FAIL, message: "no delivery report", api: "Produce")
    }

    /// Waits until every queued record has a delivery report, or the timeout passes.
    public func flush(timeout: Duration = .seconds(30)) async throws {
        let ms = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        try await handle.blocking { rk in
            let err = rd_kafka_flush(rk, ms)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaAPIError(rd: err, message: "\(rd_kafka_outq_len(rk)) records still queued after \(ms) ms", api: "Produce")
            }
        }
    }

    /// Records librdkafka still holds (queued or in flight).
    public var outstanding: Int { Int(rd_kafka_outq_len(handle.raw)) }

    /// Flushes briefly, purges what is left (each purged record gets its failure report), stops the
    /// poll thread and frees the topic handles. The handle itself goes with the last reference.
    public func close(flushTimeout: Duration = .seconds(10)) async {
        let already = lock.withLock { () -> Bool in
            defer { closed = true }
            return closed
        }
        if already { return }
        try? await flush(timeout: flushTimeout)
        rd_kafka_purge(handle.raw, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
        let poller = poller
        await withCheckedContinuation { (cont: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                poller.stopAndJoin()
                cont.resume()
            }
        }
        rd_kafka_poll(handle.raw, 0) // serve the purge reports, releasing every DeliveryContext
        let handles = lock.withLock { () -> [OpaquePointer] in
            defer { topicHandles = [:] }
            return Array(topicHandles.values)
        }
        for rkt in handles { rd_kafka_topic_destroy(rkt) }
    }

    deinit {
        // Without close(): stop the poller and free the topic handles; rd_kafka_destroy follows
        // when the handle's last reference (the poller's) is gone.
        poller.stopAndJoin()
        for rkt in topicHandles.values { rd_kafka_topic_destroy(rkt) }
    }

    private func topicHandle(_ topic: String) throws -> OpaquePointer {
        try lock.withLock {
            if closed { throw InternalError("the producer is closed") }
            if let rkt = topicHandles[topic] { return rkt }
            guard let rkt = rd_kafka_topic_new(handle.raw, topic, nil) else {
                throw KafkaAPIError(rd: rd_kafka_last_error(), message: "topic \(topic)", api: "Produce")
            }
            topicHandles[topic] = rkt
            return rkt
        }
    }
}
