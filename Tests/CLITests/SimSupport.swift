import KScaleCore
import KafkaSim

/// Runs `body` against a KafkaSim cluster started from `snapshot`, shutting it down either way.
func withSimCluster(_ snapshot: ClusterSnapshot, options: SimOptions = SimOptions(), _ body: (SimCluster) async throws -> Void) async throws {
    let sim = try await SimCluster.start(snapshot: snapshot, options: options)
    do {
        try await body(sim)
        await sim.shutdown()
    } catch {
        await sim.shutdown()
        throw error
    }
}
