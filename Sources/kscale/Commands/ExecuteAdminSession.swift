import KafkaClient
import KScaleCore

/// Opens the admin client (KafkaAdminClient over kscale's own wire protocol). Kept apart so
/// swapping the transport touches one function.
func openAdminSession(bootstrap: String, commandConfig: String?) async throws -> AdminSession {
    let client = try await KafkaAdminClient.connect(bootstrap: bootstrap, commandConfig: commandConfig)
    return AdminSession(admin: client, close: { await client.close() })
}
