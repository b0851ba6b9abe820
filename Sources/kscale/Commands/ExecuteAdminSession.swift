import KafkaClient
import KScaleCore

/// Opens the admin client. Kept apart so swapping the transport touches one function.
func openAdminSession(bootstrap: String, commandConfig: String?) async throws -> AdminSession {
    throw InvalidInput("this build has no Kafka admin client yet (KafkaAdminClient has not landed); cannot reach \(bootstrap)")
}
