import KScaleCore
import KafkaProtocol

// UnregisterBroker (key 64, KIP-631). An admin removes a broker's registration from the KRaft
// controller, for a broker that is gone for good (`kafka-cluster.sh unregister`,
// `Admin.unregisterBroker`). A broker forwards the request to the active controller
// (`KafkaApis`: `forwardToControllerOrFail`); `ControllerApis.handleUnregisterBroker` checks
// CLUSTER ALTER and hands it to `QuorumController.unregisterBroker`, whose
// `ClusterControlManager.unregisterBroker` answers BROKER_ID_NOT_REGISTERED ("Broker ID N is not
// currently registered") for an id with no registration and otherwise writes an
// UnregisterBrokerRecord: the broker leaves Metadata and DescribeCluster, fenced or not. KRaft
// only: the schema's listeners are `broker` and `controller` (no `zkBroker`), so a ZooKeeper-mode
// broker does not list it in ApiVersions (the profile leaves it out, and the router closes the
// connection as Kafka does for an API it does not serve); served from 3.0 in KRaft mode.
// Modelled: the registration check, and the unregistration (`ClusterModel.unregisterBroker`: a
// broker still running is stopped first, so it is absent from metadata, as Kafka's registry would
// have it until the process registers again). Not modelled: authorization (no ACLs), a running
// broker's own re-registration on its next heartbeat.
enum UnregisterBrokerHandler: APIHandler {
    typealias Request = UnregisterBrokerRequest
    static let versions: ClosedRange<Int16> = 0...0
    static let apiKey: Int16 = UnregisterBrokerRequest.apiKey

    static func changesCluster(_ request: Request) -> Bool { true }

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> UnregisterBrokerResponse {
        await ctx.engine.withModel { m, t in
            var r = UnregisterBrokerResponse()
            // null on success, as Kafka answers (the codec's default is "").
            r.errorMessage = nil
            guard m.broker(request.brokerId)?.registered == true else {
                r.errorCode = SimErrorCode.brokerIdNotRegistered
                r.errorMessage = "Broker ID \(request.brokerId) is not currently registered"
                return r
            }
            do {
                try m.unregisterBroker(request.brokerId, at: t)
            } catch {
                r.errorCode = SimErrorCode.unknownServerError
                r.errorMessage = "\(error)"
            }
            return r
        }
    }
}
