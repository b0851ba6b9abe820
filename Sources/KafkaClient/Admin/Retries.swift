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

/// One retry, as the client's retry sink hears of it: which broker and API failed, which attempt
/// of how many, why, and the pause before the next.
public struct RetryNotice: Sendable, Equatable, CustomStringConvertible {
    public var api: String
    public var broker: String
    /// The attempt that failed, from 1.
    public var attempt: Int
    public var maxAttempts: Int
    public var reason: String
    public var wait: Duration

    public init(api: String, broker: String, attempt: Int, maxAttempts: Int, reason: String, wait: Duration) {
        self.api = api
        self.broker = broker
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.reason = reason
        self.wait = wait
    }

    /// "DescribeLogDirs to broker 3 (10.0.0.3:9092): attempt 1 of 6 failed (closed the connection
    /// during DescribeLogDirs); retrying in 100 ms"
    public var description: String {
        "\(api) to \(broker): attempt \(attempt) of \(maxAttempts) failed (\(reason)); retrying in \(wait.milliseconds) ms"
    }
}

/// Where a client reports its retries: the CLI prints them on stderr, tests record them, and a
/// library user who wants silence passes `RetryNotice.silent`.
public typealias RetrySink = @Sendable (RetryNotice) -> Void

extension RetryNotice {
    public static let silent: RetrySink = { _ in }
}

/// What one attempt came to: done, or answered with items worth asking again, `partial` being
/// the result should no attempt remain.
enum AttemptOutcome<T> {
    case done(T)
    case retry(partial: T, because: KafkaAPIError)
}

private let notController = KafkaErrorCode.notController.rawValue

extension KafkaAdminClient {
    /// Runs `body` until it succeeds, at most `budget.maxAttempts` times and never past its
    /// deadline, retrying transport failures and retriable answers after a doubling pause;
    /// NOT_CONTROLLER refreshes the metadata first. Each retry goes to the retry sink.
    func withRetries<T>(_ api: String, within budget: CallBudget, _ body: (CallBudget) async throws -> AttemptOutcome<T>) async throws -> T {
        var attempt = 1
        while true {
            let failure: (broker: String, error: any Error)
            var partialResult: T?
            var refresh = false
            do {
                switch try await body(budget) {
                case .done(let value):
                    return value
                case .retry(let partial, let e):
                    partialResult = partial
                    failure = (e.broker ?? "the cluster", e)
                    refresh = e.code == notController
                }
            } catch let e as KafkaClientError where e.isRetriable {
                failure = (e.failedBroker, e)
            } catch let e as RetriableAnswer {
                failure = (e.error.broker ?? "the cluster", e.error)
                refresh = e.error.code == notController
            }
            guard let wait = budget.pause(after: attempt, backoff: config.retryBackoff, maxBackoff: config.retryBackoffMax) else {
                if let partialResult { return partialResult }
                throw failure.error
            }
            onRetry(RetryNotice(api: api, broker: failure.broker, attempt: attempt, maxAttempts: budget.maxAttempts,
                                reason: reason(failure.error, after: failure.broker), wait: wait))
            if refresh { _ = try? await cluster.refreshMetadata(within: budget) }
            try await Task.sleep(for: wait)
            attempt += 1
        }
    }

    /// One request to `route`, its response checked by `check` (which throws `answer(...)` errors).
    func call<R: KafkaRequest, T>(_ route: Route, _: R.Type, maxVersion: Int16? = nil,
                                  build: (Int16) throws -> R, check: (R.Response, BrokerConnection) throws -> T) async throws -> T {
        try await withRetries(apiName(R.self), within: CallBudget(config: config)) { budget in
            .done(try await attempt(route, R.self, maxVersion: maxVersion, build: build, check: check, within: budget))
        }
    }

    /// One attempt of a call: a connection to `route`, the request, its answer checked. A lost
    /// connection is dropped (and, for a routed request, the metadata refreshed) before the
    /// failure goes to the retry loop.
    private func attempt<R: KafkaRequest, T>(_ route: Route, _: R.Type, maxVersion: Int16?, build: (Int16) throws -> R,
                                             check: (R.Response, BrokerConnection) throws -> T, within budget: CallBudget) async throws -> T {
        let c = try await connection(for: route, within: budget)
        do {
            var v = try c.versions.version(for: R.self, broker: c.label)
            if let maxVersion { v = min(v, maxVersion) }
            let response = try await c.send(try build(v), version: v, within: budget)
            return try check(response, c)
        } catch let e as KafkaClientError where e.isRetriable {
            await cluster.dropConnection(c)
            if route != .any, !budget.isSpent { _ = try? await cluster.refreshMetadata(within: budget) }
            throw e
        }
    }

    /// A request about many items (topics, partitions, resources) whose answer is per item: items
    /// that fail with a retriable code are sent again (alone), the rest are reported. All rounds
    /// share one budget, so the attempts and the time are those of one call.
    func callPerItem<R: KafkaRequest, Key: Hashable>(_ route: Route, _ type: R.Type, items: [Key], maxVersion: Int16? = nil,
                                                    build: ([Key], Int16) throws -> R,
                                                    check: (R.Response, BrokerConnection) throws -> [Key: KafkaAPIError]) async throws -> [Key: KafkaAPIError] {
        guard !items.isEmpty else { return [:] }
        var pending = items
        var failed: [Key: KafkaAPIError] = [:]
        return try await withRetries(apiName(R.self), within: CallBudget(config: config)) { budget in
            let keys = pending
            let answers = try await attempt(route, type, maxVersion: maxVersion, build: { try build(keys, $0) }, check: check, within: budget)
            pending = keys.filter { answers[$0].map { isRetriable($0.code) } ?? false }
            for k in keys { if let e = answers[k], !isRetriable(e.code) { failed[k] = e } }
            guard let first = pending.first, let because = answers[first] else { return .done(failed) }
            let partial = failed.merging(pending.compactMap { k in answers[k].map { (k, $0) } }) { a, _ in a }
            return .retry(partial: partial, because: because)
        }
    }

    /// Cluster metadata (DescribeCluster, else Metadata) as one call with retries.
    func refreshMetadataWithRetries() async throws -> ClusterDescription {
        try await withRetries("DescribeCluster", within: CallBudget(config: config)) { budget in
            .done(try await cluster.refreshMetadata(within: budget))
        }
    }

    func connection(for route: Route, within budget: CallBudget) async throws -> BrokerConnection {
        switch route {
        case .any: try await cluster.anyConnection(within: budget)
        case .controller: try await cluster.controllerConnection(within: budget)
        case .broker(let id): try await cluster.connection(to: id, within: budget)
        }
    }
}
