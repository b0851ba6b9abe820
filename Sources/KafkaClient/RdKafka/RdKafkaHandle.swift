import CRdKafka
import Dispatch
import Foundation
import KScaleCore

/// Carries a C pointer across a thread hop. librdkafka handles and queues are thread-safe by
/// librdkafka's contract; everything else stays on the thread that made it.
struct CPointer: @unchecked Sendable {
    let raw: OpaquePointer
}

/// An error librdkafka reported, in the same shape as the native client's, so callers handle both
/// transports alike. Codes below zero are librdkafka's own (timeouts, transport), not Kafka's.
extension KafkaAPIError {
    init(rd err: rd_kafka_resp_err_t, message: String? = nil, api: String, via: String = "librdkafka") {
        let name = rd_kafka_err2name(err).map { String(cString: $0) } ?? "ERROR_\(err.rawValue)"
        let text = message ?? rd_kafka_err2str(err).map { String(cString: $0) }
        self.init(code: Int16(truncatingIfNeeded: err.rawValue), name: name, message: text, api: api, broker: via)
    }

    init(rdError error: OpaquePointer, api: String, via: String = "librdkafka") {
        let name = rd_kafka_error_name(error).map { String(cString: $0) } ?? "ERROR"
        let text = rd_kafka_error_string(error).map { String(cString: $0) }
        self.init(code: Int16(truncatingIfNeeded: rd_kafka_error_code(error).rawValue), name: name, message: text,
                  api: api, broker: via)
    }
}

/// One `rd_kafka_t`, destroyed exactly once when the last reference goes.
///
/// Why a class: librdkafka's handle is shared by every call in flight and must outlive them; the
/// queued admin calls hold a reference until their result event is consumed.
final class RdKafkaHandle: @unchecked Sendable {
    let raw: OpaquePointer
    /// "librdkafka (bootstrap h:p,...)", so an error says where it came from.
    let label: String
    /// What librdkafka's callbacks point at (the conf opaque): kept until the handle is destroyed.
    private let keepAlive: (AnyObject & Sendable)?

    /// Builds the conf from translated properties and creates the handle. `configure` may set
    /// callbacks on the conf before librdkafka takes ownership of it.
    init(kind: rd_kafka_type_t, properties: [String: String], keepAlive: (AnyObject & Sendable)? = nil,
         configure: (OpaquePointer) -> Void = { _ in }) throws {
        let translated = try RdKafkaProperties.translate(properties)
        guard let conf = rd_kafka_conf_new() else { throw InternalError("librdkafka could not allocate a configuration") }
        var errstr = [CChar](repeating: 0, count: 512)
        for (name, value) in translated.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, name, value, &errstr, errstr.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                // librdkafka's message names the property, never echo the value: it may be a secret.
                let why = Self.string(errstr)
                throw InvalidInput("librdkafka refused the client property \(name): \(RdKafkaProperties.isSecret(name) ? "invalid value" : why)")
            }
        }
        // Quiet unless critical: failures surface as thrown Swift errors, not log lines on stderr.
        if translated["log_level"] == nil { _ = rd_kafka_conf_set(conf, "log_level", "2", &errstr, errstr.count) }
        configure(conf)
        guard let rk = rd_kafka_new(kind, conf, &errstr, errstr.count) else {
            rd_kafka_conf_destroy(conf) // not consumed on failure
            throw InvalidInput("librdkafka could not start a client: \(Self.string(errstr))")
        }
        raw = rk
        self.keepAlive = keepAlive
        label = "librdkafka (bootstrap \(properties["bootstrap.servers"] ?? "?"))"
    }

    /// rd_kafka_destroy blocks until librdkafka's threads have finished (often hundreds of ms), so it
    /// runs on a GCD thread: the last reference may well be dropped on the cooperative pool.
    deinit {
        let handle = CPointer(raw: raw)
        let keepAlive = keepAlive
        DispatchQueue.global().async {
            rd_kafka_destroy(handle.raw)
            withExtendedLifetime(keepAlive) {}
        }
    }

    static func string(_ buffer: [CChar]) -> String {
        buffer.withUnsafeBufferPointer { p in p.baseAddress.map { String(cString: $0) } ?? "" }
    }

    /// Starts an admin call on a fresh queue and waits for its result event off the cooperative
    /// pool (rd_kafka_queue_poll blocks), then turns the event into Swift values on that same thread
    /// before the event and queue are destroyed, so no C memory outlives this call.
    func adminCall<T: Sendable>(
        _ api: String, expecting eventType: Int32, timeoutMs: Int32,
        start: (OpaquePointer) throws -> Void,
        result: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        guard let queue = rd_kafka_queue_new(raw) else { throw InternalError("librdkafka could not allocate a queue") }
        do {
            try start(queue)
        } catch {
            rd_kafka_queue_destroy(queue)
            throw error
        }
        let q = CPointer(raw: queue)
        return try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            DispatchQueue.global().async { [self] in
                defer { rd_kafka_queue_destroy(q.raw) }
                withExtendedLifetime(self) {
                    guard let event = rd_kafka_queue_poll(q.raw, timeoutMs + 5_000) else {
                        cont.resume(throwing: KafkaAPIError(rd: RD_KAFKA_RESP_ERR__TIMED_OUT, api: api, via: label))
                        return
                    }
                    defer { rd_kafka_event_destroy(event) }
                    let err = rd_kafka_event_error(event)
                    if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                        let message = rd_kafka_event_error_string(event).map { String(cString: $0) }
                        cont.resume(throwing: KafkaAPIError(rd: err, message: message, api: api, via: label))
                        return
                    }
                    guard rd_kafka_event_type(event) == eventType else {
                        cont.resume(throwing: KafkaAPIError(rd: RD_KAFKA_RESP_ERR__BAD_MSG, message: "unexpected event type", api: api, via: label))
                        return
                    }
                    cont.resume(with: Result { try result(event) })
                }
            }
        }
    }

    /// Runs a blocking librdkafka call (metadata, watermarks) on a GCD thread, not the cooperative pool.
    func blocking<T: Sendable>(_ body: @escaping @Sendable (OpaquePointer) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (cont: CheckedContinuation<T, any Error>) in
            DispatchQueue.global().async { [self] in
                withExtendedLifetime(self) { cont.resume(with: Result { try body(raw) }) }
            }
        }
    }

    /// Admin options with a request timeout and, where the API allows, validate-only.
    func adminOptions(_ op: rd_kafka_admin_op_t, timeoutMs: Int32, validateOnly: Bool = false) throws -> OpaquePointer {
        guard let options = rd_kafka_AdminOptions_new(raw, op) else { throw InternalError("librdkafka could not allocate admin options") }
        var errstr = [CChar](repeating: 0, count: 512)
        var err = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errstr, errstr.count)
        if err == RD_KAFKA_RESP_ERR_NO_ERROR, validateOnly {
            err = rd_kafka_AdminOptions_set_validate_only(options, 1, &errstr, errstr.count)
        }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_AdminOptions_destroy(options)
            throw InvalidInput("librdkafka refused admin options: \(Self.string(errstr))")
        }
        return options
    }
}
