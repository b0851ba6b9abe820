import KScaleCore
import KafkaProtocol

/// Where a request must go.
enum Route: Hashable, Sendable, CustomStringConvertible {
    case any
    case controller
    case broker(BrokerID)

    var description: String {
        switch self {
        case .any: "any"
        case .controller: "controller"
        case .broker(let id): "broker-\(id)"
        }
    }
}

/// A broker's answer that says "try again": thrown inside a call's check, caught by the retry loop.
struct RetriableAnswer: Error {
    var error: KafkaAPIError
}

/// A broker's error code as the error to throw from a check: retriable codes retry the call.
func answer(_ code: Int16, _ message: String?, api: String, _ c: BrokerConnection, item: String? = nil) -> any Error {
    let e = apiError(code, message, api: api, c, item: item)
    return isRetriable(code) ? RetriableAnswer(error: e) : e
}

func apiError(_ code: Int16, _ message: String?, api: String, _ c: BrokerConnection, item: String? = nil) -> KafkaAPIError {
    var text = message ?? ""
    if let item { text = text.isEmpty ? item : "\(item): \(text)" }
    return KafkaAPIError(code: code, name: errorName(code), message: text.isEmpty ? nil : text, api: api, broker: c.label)
}

private let notController = KafkaErrorCode.notController.rawValue

extension KafkaAdminClient {
    /// Runs `body` until it succeeds, retrying transport failures and retriable answers with a
    /// doubling backoff; NOT_CONTROLLER and lost connections refresh the metadata first.
    func withRetries<T>(_ body: (Int) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            do {
                return try await body(attempt)
            } catch let e as KafkaClientError where e.isRetriable && attempt < config.retries {
                _ = e
            } catch let e as RetriableAnswer {
                guard attempt < config.retries else { throw e.error }
                if e.error.code == notController { _ = try? await cluster.refreshMetadata() }
            }
            try await Task.sleep(for: backoff(attempt))
            attempt += 1
        }
    }

    func backoff(_ attempt: Int) -> Duration {
        let base = config.retryBackoff * (1 << min(attempt, 5))
        return min(base, .seconds(2))
    }

    /// One request to `route`, its response checked by `check` (which throws `answer(...)` errors).
    func call<R: KafkaRequest, T>(_ route: Route, _: R.Type, maxVersion: Int16? = nil,
                                  build: (Int16) throws -> R, check: (R.Response, BrokerConnection) throws -> T) async throws -> T {
        try await withRetries { _ in
            let c = try await connection(for: route)
            do {
                var v = try c.versions.version(for: R.self, broker: c.label)
                if let maxVersion { v = min(v, maxVersion) }
                let response = try await c.send(try build(v), version: v)
                return try check(response, c)
            } catch let e as KafkaClientError where e.isRetriable {
                await cluster.dropConnection(c)
                if route != .any { _ = try? await cluster.refreshMetadata() }
                throw e
            }
        }
    }

    /// A request about many items (topics, partitions, resources) whose answer is per item: items
    /// that fail with a retriable code are sent again (alone), the rest are reported.
    func callPerItem<R: KafkaRequest, Key: Hashable>(_ route: Route, _ type: R.Type, items: [Key], maxVersion: Int16? = nil,
                                                    build: ([Key], Int16) throws -> R,
                                                    check: (R.Response, BrokerConnection) throws -> [Key: KafkaAPIError]) async throws -> [Key: KafkaAPIError] {
        var pending = items
        var failed: [Key: KafkaAPIError] = [:]
        var attempt = 0
        while !pending.isEmpty {
            let keys = pending
            let answers = try await call(route, type, maxVersion: maxVersion, build: { try build(keys, $0) }, check: check)
            pending = []
            var refresh = false
            for k in keys {
                guard let e = answers[k] else { continue }
                if isRetriable(e.code), attempt < config.retries {
                    pending.append(k)
                    refresh = refresh || e.code == notController
                } else {
                    failed[k] = e
                }
            }
            if !pending.isEmpty {
                if refresh { _ = try? await cluster.refreshMetadata() }
                try await Task.sleep(for: backoff(attempt))
                attempt += 1
            }
        }
        return failed
    }

    func connection(for route: Route) async throws -> BrokerConnection {
        switch route {
        case .any: try await cluster.anyConnection()
        case .controller: try await cluster.controllerConnection()
        case .broker(let id): try await cluster.connection(to: id)
        }
    }
}
