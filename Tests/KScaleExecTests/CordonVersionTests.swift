import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTestSupport
import Testing
@testable import KScaleExec

/// Issue 12 item 7's cordon findings: cordoning by the cluster's metadata.version (not the broker
/// version), and cordon requests kept under KRaft's 10,000-record cap.
@Suite("Lifecycle: cordons by metadata.version and under the records cap", .timeLimit(.minutes(6)), .offThePool)
struct CordonVersionTests {
    typealias Flows = LifecycleFlowTests
    typealias Events = LifecycleCordonTests.Events

    /// 4.3 brokers whose metadata.version is still 4.2 (upgrade not finalized): the config exists,
    /// but the controller would ignore it, so the drain does not cordon and says why.
    @Test func aDrainDoesNotCordonBelowMetadataVersion43() async throws {
        let c = try await Flows.sixBrokers(profile: try KafkaProfile(version: "4.3").withMetadataVersion(29))
        let events = Events()
        let report = try await LifecycleCordonTests.flows(c, execute: true, events: events).scaleIn(removing: [4])
        #expect(report.failure == nil)
        #expect(events.contains("cordon", "brokers 4 are not cordoned: the cluster's metadata.version is 4.2-IV1 (level 29); cordons (KIP-1066) need 4.3-IV0 (level 30) or later"),
                "\(events.all.map(\.message))")
        #expect(try await LifecycleCordonTests.cordon(of: 4, c) == "")
        #expect(await c.configCalls.allSatisfy { call in call.values.joined().allSatisfy { $0.name != ClusterObservation.cordonKey } })
        // At 4.3-IV0 the same drain cordons.
        let finalized = try await Flows.sixBrokers()
        _ = try await Flows.flows(finalized, execute: true).scaleIn(removing: [4])
        #expect(try await LifecycleCordonTests.cordon(of: 4, finalized) == "*")
    }

    /// The dry run of a drain says what `--execute` does with the cordon: at 4.3-IV0 it cordons the
    /// broker, the cordon stays, and a rollback of the drain's run lifts it (`CordonLift`); below
    /// it, why the broker is not cordoned. Nothing is cordoned by the dry run itself.
    @Test(arguments: [(Int16(30), "--execute cordons brokers 4 (cordoned.log.dirs=*) before draining them"),
                      (Int16(29), "brokers 4 are not cordoned: the cluster's metadata.version is 4.2-IV1 (level 29)")])
    func aDrainDryRunSaysWhatHappensToTheCordon(level: Int16, line: String) async throws {
        let c = try await Flows.sixBrokers(profile: try KafkaProfile(version: "4.3").withMetadataVersion(level))
        let events = Events()
        let report = try await LifecycleCordonTests.flows(c, execute: false, events: events).scaleIn(removing: [4])
        #expect(!report.executed)
        #expect(events.contains("cordon", line), "\(events.all.map(\.message))")
        let rollback = "a rollback (kscale cancel --rollback of the drain's run) lifts it before moving replicas back"
        #expect(events.contains("cordon", rollback) == (level >= MetadataVersion.cordonedLogDirsLevel), "\(events.all.map(\.message))")
        #expect(try await LifecycleCordonTests.cordon(of: 4, c) == "")
    }

    /// One config operation per broker: cordoning, and lifting the cordon of, more brokers than
    /// one chunk goes in requests of at most `RequestChunks.maxItems` operations (so never near
    /// KRaft's 10,000-record cap), and all apply. Two chunks and a bit prove the chunking; 10,001
    /// brokers took 80 s of debug-build CPU on the test pool and starved the wire tests beside it.
    @Test func cordonAndUncordonOverTheRecordsCapAreChunked() async throws {
        let count = 2 * RequestChunks.maxItems + 1
        let ids = (1...count).map { BrokerID($0) }
        let c = try await EngineCluster(brokers: ids.map { ($0, String?.none) }, topics: [])
        let flows = Flows.flows(c, execute: true)
        // The readings built by hand (as the reader would make them) rather than one DescribeConfigs per broker.
        func reading(cordon value: String, source: ConfigEntry.Source) async throws -> ClusterObservation {
            var o = ClusterObservation(cluster: try await c.describeCluster(), topics: [])
            o.brokerConfigs = Dictionary(uniqueKeysWithValues: ids.map { ($0, [ConfigEntry(name: ClusterObservation.cordonKey, value: value, source: source)]) })
            o.finalizedFeatures = try await c.finalizedFeatures()
            return o
        }
        await flows.cordon(ids, in: try await reading(cordon: "", source: .defaultConfig))
        let cordoned = await c.admin.engine.state().snapshot.cordonedBrokers
        #expect(cordoned.count == count)
        let cordonCalls = await c.configCalls
        #expect(cordonCalls.count > 1)
        #expect(cordonCalls.allSatisfy { $0.values.joined().count <= RequestChunks.maxItems })

        let result = try await Uncordon.run(ids, in: try await reading(cordon: "*", source: .dynamicBroker), admin: DryRunAdmin(c, execute: true))
        #expect(result.failed.isEmpty, "\(result.failed.values.first ?? "")")
        #expect(result.uncordoned.count == count)
        #expect(await c.admin.engine.state().snapshot.cordonedBrokers.isEmpty)
        #expect(await c.configCalls.dropFirst(cordonCalls.count).allSatisfy { $0.values.joined().count <= RequestChunks.maxItems })
    }
}
