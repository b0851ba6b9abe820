import Foundation
import KScaleCore
import KafkaProtocol
import KScaleTime
import Testing
@testable import KafkaSim

/// The simulator over real sockets, spoken to with KafkaProtocol's codecs.
struct SimClusterTests {
    static func snapshot() -> ClusterSnapshot {
        ClusterSnapshot(
            brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c"), Broker(id: 4, rack: "a")],
            topics: [TopicState(name: "orders", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 50_000_000),
                PartitionState(partition: 1, replicas: [2, 3], size: 50_000_000),
            ])])
    }

    func addresses(_ sim: SimCluster) -> [String] { sim.bootstrapServers.split(separator: ",").map(String.init) }

    @Test func apiVersionsAndMetadataOverTheWire() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        #expect(addresses(sim).count == 4)
        let client = try await connectWire(addresses(sim)[0])
        let versions = try await client.call(ApiVersionsRequest(), version: 3)
        #expect(versions.errorCode == 0)
        #expect(versions.apiKeys.contains { $0.apiKey == 45 && $0.maxVersion >= 0 })
        let md = try await client.call(MetadataRequest(topics: nil), version: 12)
        #expect(md.brokers.map(\.nodeId).sorted() == [1, 2, 3, 4])
        #expect(md.brokers.first { $0.nodeId == 2 }?.rack == "b")
        // KRaft (the default profile) names a random live broker (QuorumTests has the rule).
        #expect((1...4).contains(md.controllerId))
        let topic = try #require(md.topics.first { $0.name == "orders" })
        #expect(topic.partitions.map(\.replicaNodes) == [[1, 2], [2, 3]])
        #expect(topic.partitions.map(\.leaderId) == [1, 2])
        #expect(topic.topicId != .zero)
        let missing = try await client.call(MetadataRequest(topics: [.init(name: "nope")]), version: 9)
        #expect(missing.topics.first?.errorCode == SimErrorCode.unknownTopicOrPartition)
        await sim.shutdown()
    }

    @Test func unsupportedApiVersionsGetsV0Fallback() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        let client = try await connectWire(addresses(sim)[0])
        // ApiVersions v99 with a flexible (v2) header, as new clients send it, empty body; the answer is a v0 body with UNSUPPORTED_VERSION.
        var w = ByteWriter()
        w.writeInt32(0)
        try RequestHeader(apiKey: 18, apiVersion: 99, correlationId: 7, clientId: "x").encode(into: &w, headerVersion: 2)
        var bytes = w.bytes
        let size = Int32(bytes.count - 4)
        bytes[0] = UInt8(truncatingIfNeeded: size >> 24); bytes[1] = UInt8(truncatingIfNeeded: size >> 16)
        bytes[2] = UInt8(truncatingIfNeeded: size >> 8); bytes[3] = UInt8(truncatingIfNeeded: size)
        let raw = bytes
        let frame = try await offPool { try client.sendRaw(raw) }
        var reader = ByteReader(frame)
        let (header, body) = try KafkaFraming.decodeResponse(ApiVersionsResponse.self, version: 0, from: &reader)
        #expect(header.correlationId == 7)
        #expect(body.errorCode == SimErrorCode.unsupportedVersion)
        #expect(body.apiKeys.contains { $0.apiKey == 3 })
        await sim.shutdown()
    }

    /// ZooKeeper mode: only the controller answers (KRaft's forwarding: `ProfileTests`).
    @Test func reassignmentOnlyOnControllerAndCompletesOnManualClock() async throws {
        let clock = ManualClock()
        let sim = try await SimCluster.start(snapshot: Self.snapshot(), options: SimOptions(brokerNetworkBytesPerSec: 10_000_000, clock: clock,
                                                                                           profile: try KafkaProfile(version: "3.9", mode: .zookeeper)))
        let addrs = addresses(sim)
        let request = AlterPartitionReassignmentsRequest(topics: [.init(name: "orders", partitions: [.init(partitionIndex: 0, replicas: [3, 4])])])
        let refused = try await connectWire(addrs[1]).call(request, version: 0)
        #expect(refused.errorCode == SimErrorCode.notController)
        let controller = try await connectWire(addrs[0])
        let accepted = try await controller.call(request, version: 0)
        #expect(accepted.errorCode == 0)
        #expect(accepted.responses.first?.partitions.first?.errorCode == 0)
        let listed = try await controller.call(ListPartitionReassignmentsRequest(topics: nil), version: 0)
        let ongoing = try #require(listed.topics.first?.partitions.first)
        #expect(ongoing.replicas == [3, 4, 1, 2])
        #expect(ongoing.addingReplicas == [3, 4])
        #expect(ongoing.removingReplicas == [1, 2])
        // Leader 1 sends to both new replicas, so each gets half its 10 MB/s: 50 MB takes 10 s.
        clock.advance(by: 9)
        #expect(await sim.state().moves.count == 1)
        clock.advance(by: 2)
        let state = await sim.state()
        #expect(state.moves.isEmpty)
        #expect(state.partition(TopicPartition("orders", 0))?.replicas == [3, 4])
        await sim.shutdown()
    }

    @Test func stoppedBrokerClosesAndFailsOver() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        let addrs = addresses(sim)
        await sim.stopBroker(2)
        await #expect(throws: (any Error).self) { _ = try await connectWire(addrs[1]).call(ApiVersionsRequest(), version: 3) }
        let md = try await connectWire(addrs[0]).call(MetadataRequest(topics: nil), version: 12)
        #expect(!md.brokers.contains { $0.nodeId == 2 })
        let p1 = try #require(md.topics.first?.partitions.first { $0.partitionIndex == 1 })
        #expect(p1.leaderId == 3)
        #expect(p1.offlineReplicas == [2])
        await sim.startBroker(2)
        let again = try await connectWire(addrs[1]).call(ApiVersionsRequest(), version: 3)
        #expect(again.errorCode == 0)
        await sim.shutdown()
    }

    @Test func saslListenerRequiresLoginFirst() async throws {
        let users = [SimUser(name: "alice", password: "secret", mechanism: .plain)]
        let sim = try await SimCluster.start(snapshot: Self.snapshot(), options: SimOptions(users: users, securityProtocol: .saslPlaintext))
        let addr = addresses(sim)[0]
        await #expect(throws: (any Error).self) { _ = try await connectWire(addr).call(MetadataRequest(topics: nil), version: 12) }
        let c = try await connectWire(addr)
        let unknown = try await c.call(SaslHandshakeRequest(mechanism: "GSSAPI"), version: 1)
        #expect(unknown.errorCode == SimErrorCode.unsupportedSaslMechanism)
        #expect(unknown.mechanisms == ["PLAIN"])
        let handshake = try await c.call(SaslHandshakeRequest(mechanism: "PLAIN"), version: 1)
        #expect(handshake.errorCode == 0)
        let auth = try await c.call(SaslAuthenticateRequest(authBytes: Array("\u{0}alice\u{0}secret".utf8)), version: 2)
        #expect(auth.errorCode == 0)
        let md = try await c.call(MetadataRequest(topics: nil), version: 12)
        #expect(md.brokers.count == 4)
        // A wrong password is answered, without echoing it, and the connection then closes.
        let d = try await connectWire(addr)
        _ = try await d.call(SaslHandshakeRequest(mechanism: "PLAIN"), version: 1)
        let denied = try await d.call(SaslAuthenticateRequest(authBytes: Array("\u{0}alice\u{0}guess".utf8)), version: 2)
        #expect(denied.errorCode == SimErrorCode.saslAuthenticationFailed)
        #expect(!(denied.errorMessage ?? "").contains("guess"))
        await #expect(throws: (any Error).self) { _ = try await d.call(MetadataRequest(topics: nil), version: 12) }
        await sim.shutdown()
    }

    @Test func droppedAndSlowRequests() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        let addr = addresses(sim)[0]
        sim.dropConnections(broker: 1, nextRequests: 1)
        await #expect(throws: (any Error).self) { _ = try await connectWire(addr).call(ApiVersionsRequest(), version: 3) }
        #expect(try await connectWire(addr).call(ApiVersionsRequest(), version: 3).errorCode == 0)
        await sim.setSlow(broker: 1, ms: 300)
        let start = ContinuousClock.now
        _ = try await connectWire(addr).call(ApiVersionsRequest(), version: 3)
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        #expect(await sim.state().brokerStatus.first { $0.id == 1 }?.slowMs == 300)
        await sim.shutdown()
    }

    @Test func produceOverTheWireStoresBatchesAndFetchServesThem() async throws {
        let sim = try await SimCluster.start(snapshot: Self.snapshot())
        let addrs = addresses(sim)
        let batch = try RecordBatch.encode((0..<3).map { KafkaRecord(offset: Int64($0), key: Array("k\($0)".utf8), value: Array("v\($0)".utf8)) })
        let request = ProduceRequest(acks: -1, timeoutMs: 1000, topicData: [.init(name: "orders", partitionData: [.init(index: 1, records: batch)])])
        let notLeader = try await connectWire(addrs[0]).call(request, version: 9)
        #expect(notLeader.responses.first?.partitionResponses.first?.errorCode == SimErrorCode.notLeaderOrFollower)
        let leader = try await connectWire(addrs[1])
        let first = try await leader.call(request, version: 9)
        #expect(first.responses.first?.partitionResponses.first?.errorCode == 0)
        let base = first.responses.first?.partitionResponses.first?.baseOffset ?? -1
        let second = try await leader.call(request, version: 9)
        #expect(second.responses.first?.partitionResponses.first?.baseOffset == base + 3)
        let offsets = try await leader.call(ListOffsetsRequest(topics: [.init(name: "orders", partitions: [.init(partitionIndex: 1, timestamp: -1)])]), version: 7)
        #expect(offsets.topics.first?.partitions.first?.offset == base + 6)

        // A batch that fails its CRC is refused, and nothing is appended.
        var damaged = batch
        damaged[damaged.count - 1] ^= 0xFF
        let corrupt = try await leader.call(ProduceRequest(acks: -1, timeoutMs: 1000, topicData: [.init(name: "orders", partitionData: [.init(index: 1, records: damaged)])]), version: 9)
        #expect(corrupt.responses.first?.partitionResponses.first?.errorCode == SimErrorCode.corruptMessage)

        func fetch(_ offset: Int64, partitionMax: Int32, max: Int32) async throws -> FetchResponse.PartitionData? {
            var p = FetchRequest.FetchPartition()
            p.partition = 1
            p.fetchOffset = offset
            p.partitionMaxBytes = partitionMax
            var t = FetchRequest.FetchTopic()
            t.topic = "orders"
            t.partitions = [p]
            var request = FetchRequest()
            request.maxBytes = max
            request.topics = [t]
            return try await leader.call(request, version: 12).responses.first?.partitions.first
        }
        // Whole batches from the one holding the offset, with their assigned offsets.
        let all = try #require(try await fetch(base, partitionMax: 1 << 20, max: 1 << 20))
        #expect(all.highWatermark == base + 6)
        let records = try RecordBatch.decode(all.records ?? [])
        #expect(records.map(\.offset) == Array(base..<(base + 6)))
        #expect(records.map { String(decoding: $0.value ?? [], as: UTF8.self) } == ["v0", "v1", "v2", "v0", "v1", "v2"])
        // From inside the second batch: that whole batch (the consumer skips what it has).
        #expect(try RecordBatch.decode(try await fetch(base + 4, partitionMax: 1 << 20, max: 1 << 20)?.records ?? []).map(\.offset) == Array((base + 3)..<(base + 6)))
        // Limits smaller than a batch still return one batch (KIP-74), and never two.
        #expect(try RecordBatch.decode(try await fetch(base, partitionMax: 1, max: 1)?.records ?? []).map(\.offset) == Array(base..<(base + 3)))
        #expect(try await fetch(base, partitionMax: Int32(batch.count + 10), max: 1 << 20)?.records?.count == batch.count)
        // At the log end: nothing; past it: OFFSET_OUT_OF_RANGE.
        #expect(try await fetch(base + 6, partitionMax: 1 << 20, max: 1 << 20)?.records?.isEmpty == true)
        #expect(try await fetch(base + 7, partitionMax: 1 << 20, max: 1 << 20)?.errorCode == SimErrorCode.offsetOutOfRange)
        await sim.shutdown()
    }
}
