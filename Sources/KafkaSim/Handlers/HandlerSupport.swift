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
