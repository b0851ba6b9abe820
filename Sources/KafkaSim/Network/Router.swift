import KScaleCore
import KafkaProtocol

/// Every API the simulated brokers answer, by api key.
enum Router {
    static let entries: [Int16: HandlerEntry] = {
        let all: [HandlerEntry] = [
            HandlerEntry(ProduceHandler.self),
            HandlerEntry(FetchHandler.self),
            HandlerEntry(ListOffsetsHandler.self),
            HandlerEntry(MetadataHandler.self),
            HandlerEntry(OffsetFetchHandler.self),
            HandlerEntry(FindCoordinatorHandler.self),
            HandlerEntry(DescribeGroupsHandler.self),
            HandlerEntry(ListGroupsHandler.self),
            HandlerEntry(SaslHandshakeHandler.self),
            HandlerEntry(ApiVersionsHandler.self),
            HandlerEntry(CreateTopicsHandler.self),
            HandlerEntry(DeleteTopicsHandler.self),
            HandlerEntry(InitProducerIdHandler.self),
            HandlerEntry(DescribeConfigsHandler.self),
            HandlerEntry(AlterConfigsHandler.self),
            HandlerEntry(DescribeLogDirsHandler.self),
            HandlerEntry(SaslAuthenticateHandler.self),
            HandlerEntry(CreatePartitionsHandler.self),
            HandlerEntry(ElectLeadersHandler.self),
            HandlerEntry(IncrementalAlterConfigsHandler.self),
            HandlerEntry(AlterPartitionReassignmentsHandler.self),
            HandlerEntry(ListPartitionReassignmentsHandler.self),
            HandlerEntry(DescribeQuorumHandler.self),
            HandlerEntry(DescribeClusterHandler.self),
            HandlerEntry(UnregisterBrokerHandler.self),
            HandlerEntry(DescribeTopicPartitionsHandler.self),
        ]
        return Dictionary(uniqueKeysWithValues: all.map { ($0.apiKey, $0) })
    }()

    /// The versions of `entry` a broker of `profile` serves: what the handler fills in, narrowed
    /// to what that release serves; nil when the release does not have the API at all.
    static func served(_ entry: HandlerEntry, by profile: KafkaProfile) -> ClosedRange<Int16>? {
        guard let release = profile.apiVersions[entry.apiKey], release.overlaps(entry.versions) else { return nil }
        return entry.versions.clamped(to: release)
    }

    /// APIs allowed before a SASL listener has authenticated the connection.
    static let preAuthentication: Set<Int16> = [17, 18, 36]

    /// The answer to one request frame, or nil when the connection must be closed (unknown api,
    /// unsupported version other than ApiVersions, malformed body, or a request before SASL),
    /// which is what a Kafka broker does in each of those cases.
    static func respond(to frame: [UInt8], ctxBase: RequestContext) async -> Outcome {
        var reader = ByteReader(frame)
        guard let header = try? KafkaFraming.decodeRequestHeader(from: &reader) else { return .close }
        if ctxBase.security.requiresAuthentication, !preAuthentication.contains(header.apiKey),
           await !ctxBase.connection.authenticated {
            return .close
        }
        let body = Array(frame[reader.offset...])
        let profile = ctxBase.engine.profile
        guard let entry = entries[header.apiKey], let versions = served(entry, by: profile) else { return .close }
        guard versions.contains(header.apiVersion) else {
            if header.apiKey == ApiVersionsRequest.apiKey, let r = ApiVersionsHandler.unsupportedVersionResponse(header, profile) { return .reply(r) }
            return .close
        }
        var ctx = ctxBase
        ctx.version = header.apiVersion
        ctx.clientID = header.clientId
        do {
            guard let response = try await entry.run(header, body, ctx) else { return .noReply }
            return .reply(response)
        } catch {
            return .close
        }
    }
}
