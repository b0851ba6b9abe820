import KScaleCore
import KafkaProtocol

extension KafkaUUID {
    init(simBytes: [UInt8]) { self = KafkaUUID(bytes: simBytes) ?? .zero }
}

extension RequestContext {
    /// Whether this broker is the controller right now (some admin APIs are answered only there).
    func isController() async -> Bool {
        let me = broker
        return await engine.withModel { m, _ in m.controller == me }
    }
}

extension RequestContext {
    /// Whether this broker answers a request meant for the controller itself: in ZooKeeper mode
    /// only the active controller does (`KafkaApis`, `KafkaController.isActive`: NOT_CONTROLLER
    /// elsewhere); in KRaft every broker forwards it to the quorum's leader (KIP-590).
    func answersControllerRequests() async -> Bool {
        switch engine.profile.routing {
        case .anyBrokerForwards: true
        case .controllerOnly: await isController()
        }
    }
}

extension ClusterModel {
    /// Brokers that are alive, as Metadata and DescribeCluster list them.
    var liveBrokers: [SimBrokerInfo] { brokerOrder.compactMap { broker($0) }.filter(\.alive) }
}

extension RequestContext {
    /// A broker resource's configs are this broker's own: a request for broker X on another broker
    /// is refused with INVALID_REQUEST, as Kafka does (`ConfigHelper.describeConfigs` for
    /// DescribeConfigs on every release; `ConfigAdminManager.validateResourceNameIsCurrentNodeId`
    /// for IncrementalAlterConfigs and AlterConfigs where `KafkaProfile.
    /// brokerConfigChangesOnlyOnThatBroker`). The cluster default (broker "") goes anywhere; a
    /// topic is not a broker resource.
    func brokerResourceRefusal(type: Int8, name: String, describing: Bool) -> SimFailure? {
        guard type == SimResourceType.broker.rawValue, !name.isEmpty else { return nil }
        guard describing || engine.profile.brokerConfigChangesOnlyOnThatBroker else { return nil }
        guard let id = BrokerID(name) else {
            return SimFailure(SimErrorCode.invalidRequest, "Node id must be an integer, but it is: \(name)")
        }
        guard id == broker else {
            return SimFailure(SimErrorCode.invalidRequest, describing
                ? "Unexpected broker id, expected \(broker) or empty string, but received \(name)"
                : "Unexpected broker id, expected \(broker), but received \(name)")
        }
        return nil
    }
}
