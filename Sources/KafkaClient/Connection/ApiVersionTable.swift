import KafkaProtocol

/// What one broker said it speaks (ApiVersions), and the choice of version for each request:
/// the highest version both sides support.
public struct ApiVersionTable: Sendable, Equatable {
    public var ranges: [Int16: ClosedRange<Int16>]
    /// The finalized feature levels the broker reported (ApiVersions v3+, KIP-584), by feature
    /// name (the max level); empty when it reported none.
    public var finalizedFeatures: [String: Int16]

    public init(ranges: [Int16: ClosedRange<Int16>], finalizedFeatures: [String: Int16] = [:]) {
        self.ranges = ranges
        self.finalizedFeatures = finalizedFeatures
    }

    /// The version to send `R` at; throws when the broker's range and ours do not meet.
    func version<R: KafkaRequest>(for _: R.Type, broker: String) throws -> Int16 {
        guard let theirs = ranges[R.apiKey] else {
            throw KafkaClientError.unsupported(broker: broker, api: apiName(R.self), reason: "the broker does not offer this API (too old a Kafka version?)")
        }
        let ours = R.validVersions
        let best = min(theirs.upperBound, ours.upperBound)
        guard best >= max(theirs.lowerBound, ours.lowerBound) else {
            throw KafkaClientError.unsupported(broker: broker, api: apiName(R.self),
                                               reason: "broker speaks v\(theirs.lowerBound)-\(theirs.upperBound), kscale v\(ours.lowerBound)-\(ours.upperBound)")
        }
        return best
    }

    func supports<R: KafkaRequest>(_ type: R.Type) -> Bool {
        guard let theirs = ranges[R.apiKey] else { return false }
        return min(theirs.upperBound, R.validVersions.upperBound) >= max(theirs.lowerBound, R.validVersions.lowerBound)
    }
}

/// "DescribeLogDirs" for `DescribeLogDirsRequest`: the name Kafka's docs and errors use.
func apiName<M: KafkaMessage>(_ type: M.Type) -> String {
    var name = String(describing: type)
    for suffix in ["Request", "Response"] where name.hasSuffix(suffix) {
        name.removeLast(suffix.count)
    }
    return name
}

/// Kafka's name for an error code, e.g. "NOT_CONTROLLER".
func errorName(_ code: Int16) -> String {
    KafkaErrorCode(rawValue: code).name
}

func isRetriable(_ code: Int16) -> Bool {
    KafkaErrorCode(rawValue: code).isRetriable
}
