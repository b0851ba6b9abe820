import Foundation
import KafkaAdmin
import KafkaClient
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTestSupport
import KScaleTime
import Testing

/// `TrafficRates.measure`, the one rule from two offset readings to rates, on hand-built values.
@Suite struct TrafficRatesTests {
    static let p0 = TopicPartition("orders", 0)
    static let p1 = TopicPartition("orders", 1)
    static let idle = TopicPartition("audit", 0)

    /// 60 s apart: orders-0 gains 600 records of 2,000 bytes, orders-1 (empty log) borrows the
    /// topic's bytes per record, audit-0 has none.
    static func readings(committedAfter: [String: [TopicPartition: Int64]]) -> (OffsetReading, OffsetReading) {
        let first = OffsetReading(time: 100, earliest: [p0: 0, p1: 50, idle: 10], latest: [p0: 1_000, p1: 50, idle: 20],
                                  sizes: [:], committed: ["billing": [p0: 900, p1: 50], "audit-reader": [idle: 20]])
        let second = OffsetReading(time: 160, earliest: [p0: 0, p1: 50, idle: 10], latest: [p0: 1_600, p1: 110, idle: 20],
                                   sizes: [p0: 3_200_000, p1: 0, idle: 5_000], committed: committedAfter)
        return (first, second)
    }

    @Test func ratesFromOffsetsAndLogSizes() throws {
        let (first, second) = Self.readings(committedAfter: ["billing": [Self.p0: 1_500, Self.p1: 80], "audit-reader": [Self.idle: 20]])
        let traffic = try TrafficRates.measure(first: first, second: second)
        // 600 records / 60 s x (3,200,000 / 1,600) bytes = 20,000 bytes/s.
        #expect(traffic.bytesInPerSec[Self.p0] == 20_000)
        // orders-1 reports 0 bytes for 60 records: it takes the topic's 3,200,000 / 1,600 bytes per record.
        #expect(traffic.bytesInPerSec[Self.p1] == 2_000)
        #expect(traffic.bytesInPerSec[Self.idle] == 0)
        #expect(traffic.bytesOutPerSec[Self.p0] == 20_000)
        #expect(traffic.bytesOutPerSec[Self.idle] == 0)
        // The group that did not advance reads nothing and is not listed, but is named.
        #expect(traffic.consumerGroups == [ConsumerGroupState(group: "billing", topics: ["orders"])])
        #expect(traffic.notes.contains { $0.contains("audit-reader") && $0.contains("no commit advanced") })
        #expect(traffic.intervalSeconds == 60)
    }

    @Test func offsetResetsAreNotMeasured() throws {
        var (first, second) = Self.readings(committedAfter: ["billing": [Self.p0: 100, Self.p1: 80]])
        second.latest[Self.p0] = 300   // the topic was recreated: its end went back
        first.latest[Self.idle] = nil   // not in the first reading
        let traffic = try TrafficRates.measure(first: first, second: second)
        #expect(traffic.bytesInPerSec[Self.p0] == nil)
        #expect(traffic.bytesInPerSec[Self.idle] == nil)
        #expect(traffic.notes.contains { $0.contains("orders-0: end offset went back from 1000 to 300") })
        #expect(traffic.notes.contains { $0.contains("group billing on orders-0: committed offset went back") })
        #expect(traffic.bytesOutPerSec[Self.p0] == nil)
        #expect(traffic.consumerGroups.map(\.group) == ["billing"])   // still reads orders-1
    }

    @Test func readingsAtTheSameInstantAreRefused() {
        let (first, _) = Self.readings(committedAfter: [:])
        #expect(throws: InvalidInput.self) { try TrafficRates.measure(first: first, second: first) }
    }

    @Test func measuredRatesGoIntoTheSnapshot() throws {
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1)], topics: [
            TopicState(name: "orders", partitions: [PartitionState(partition: 0, replicas: [1], size: 10), PartitionState(partition: 1, replicas: [1], size: 10)]),
        ])
        let traffic = MeasuredTraffic(bytesInPerSec: [Self.p0: 5], bytesOutPerSec: [Self.p0: 7],
                                      consumerGroups: [ConsumerGroupState(group: "g", topics: ["orders"])], notes: [], intervalSeconds: 1)
        let out = snapshot.withTraffic(traffic)
        #expect(out.topics[0].partitions[0].bytesInPerSec == 5)
        #expect(out.topics[0].partitions[0].bytesOutPerSec == 7)
        #expect(out.topics[0].partitions[1].bytesInPerSec == nil)
        #expect(out.consumerGroups == traffic.consumerGroups)
        try out.validate()
    }
}

/// KafkaSim's traffic measured end to end over the wire, on stepped time: a sampled snapshot
/// finds every partition's configured rates.
@Suite struct TrafficSampleSimTests {
    static let kib: Int64 = 1024

    static let snapshot = ClusterSnapshot(
        brokers: [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "c")],
        topics: [
            TopicState(name: "orders", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 50_000 * kib, bytesInPerSec: 100 * kib, bytesOutPerSec: 200 * kib),
                PartitionState(partition: 1, replicas: [2, 3], size: 20_000 * kib, bytesInPerSec: 40 * kib, bytesOutPerSec: 80 * kib),
                PartitionState(partition: 2, replicas: [3, 1], size: 1_000 * kib, bytesInPerSec: 0, bytesOutPerSec: 0),
            ]),
            TopicState(name: "clicks", partitions: [
                PartitionState(partition: 0, replicas: [1, 2, 3], size: 9_000 * kib, bytesInPerSec: 300 * kib, bytesOutPerSec: 300 * kib),
            ]),
        ],
        consumerGroups: [ConsumerGroupState(group: "billing", topics: ["orders"]), ConsumerGroupState(group: "audit", topics: ["orders"]),
                         ConsumerGroupState(group: "stats", topics: ["clicks"])])

    static func withSampled<T>(_ snapshot: ClusterSnapshot, seconds: Double, _ body: (SimCluster, TrafficSampler.Sample) async throws -> T) async throws -> T {
        let clock = ManualClock(autoAdvance: true)
        let sim = try await SimCluster.start(snapshot: snapshot, options: SimOptions(clock: clock))
        do {
            let admin = try await KafkaAdminClient.connect(ClientConfig(bootstrapServers: sim.bootstrapServers, requestTimeout: .seconds(20),
                                                                        connectTimeout: .seconds(20), retryBackoff: .milliseconds(20)))
            let waits = WaitLog()
            let sample: TrafficSampler.Sample
            do {
                sample = try await TrafficSampler.sample(admin, parts: .all, interval: seconds, clock: clock) { waited, total in waits.add(waited, total) }
            } catch {
                await admin.close()
                throw error
            }
            await admin.close()
            #expect(waits.last == seconds && waits.count == Int((seconds / TrafficSampler.waitStepSeconds).rounded(.up)))
            let result = try await body(sim, sample)
            await sim.shutdown()
            return result
        } catch {
            await sim.shutdown()
            throw error
        }
    }

    static func within(_ measured: Int64?, _ configured: Int64?, _ what: String) {
        let want = Double(configured ?? 0)
        guard let measured else {
            Issue.record("\(what): not measured")
            return
        }
        #expect(abs(Double(measured) - want) <= max(1, want * 0.05), "\(what): measured \(measured), configured \(want)")
    }

    @Test func sampledSnapshotMeasuresEveryConfiguredRate() async throws {
        try await Self.withSampled(Self.snapshot, seconds: 60) { _, sample in
            let snapshot = sample.observation.snapshot().withTraffic(sample.traffic)
            for (tp, configured) in Self.snapshot.allPartitions {
                let measured = try #require(snapshot.allPartitions.first { $0.0 == tp }?.1)
                Self.within(measured.bytesInPerSec, configured.bytesInPerSec, "\(tp) bytes in")
                Self.within(measured.bytesOutPerSec, configured.bytesOutPerSec, "\(tp) bytes out")
            }
            #expect(Set(sample.traffic.consumerGroups) == Set(Self.snapshot.consumerGroups ?? []))
            #expect(sample.traffic.intervalSeconds == 60)
        }
    }

    @Test func withoutGroupsEachTopicIsReadAsOftenAsItsBytesOutSay() async throws {
        var snapshot = Self.snapshot
        snapshot.consumerGroups = nil
        try await Self.withSampled(snapshot, seconds: 30) { _, sample in
            // orders is read twice over (200/100, 80/40): two modelled groups; clicks once.
            #expect(sample.traffic.consumerGroups.map(\.group) == ["kafkasim-clicks-1", "kafkasim-orders-1", "kafkasim-orders-2"])
            Self.within(sample.traffic.bytesOutPerSec[TopicPartition("orders", 0)], 200 * Self.kib, "orders-0 bytes out")
            Self.within(sample.traffic.bytesOutPerSec[TopicPartition("clicks", 0)], 300 * Self.kib, "clicks-0 bytes out")
        }
    }

    @Test func trafficChangesWhileItRuns() async throws {
        let clock = ManualClock()
        let sim = try await SimCluster.start(snapshot: Self.snapshot, options: SimOptions(clock: clock))
        defer { Task { await sim.shutdown() } }
        let before = try #require(await sim.engine.withModel { m, _ in m.logEndOffset(TopicPartition("orders", 2)) })
        try await sim.setTraffic([SimTrafficChange(topic: "orders", partition: 2, bytesInPerSec: Double(10 * Self.kib), bytesOutPerSec: Double(10 * Self.kib))])
        clock.advance(by: 10)
        let after = try #require(await sim.engine.withModel { m, _ in m.logEndOffset(TopicPartition("orders", 2)) })
        #expect(after - before == 100)   // 10 KiB/s of 1 KiB records for 10 s
        // The readers of orders follow: billing and audit each read 5 KiB/s of it.
        let billing = await sim.engine.withModel { m, _ in m.committedOffsets(group: "billing")?[TopicPartition("orders", 2)] }
        #expect(billing == before + 50)
        await #expect(throws: InvalidInput.self) { try await sim.setTraffic([SimTrafficChange(topic: "nope", bytesInPerSec: 1)]) }
        // The counters follow the traffic: broker 3 leads orders-2 and clicks-0 has broker 1.
        let page = await sim.metrics(brokers: [3])
        #expect(page.contains("kafka_server_brokertopicmetrics_bytesin_total{topic=\"orders\"} \(10 * Self.kib * 10)\n"))
        #expect(page.contains("# TYPE kafka_server_brokertopicmetrics_messagesin_total counter"))
    }
}

private final class WaitLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ waited: Double, _ total: Double) { lock.withLock { values.append(waited) } }
    var last: Double? { lock.withLock { values.last } }
    var count: Int { lock.withLock { values.count } }
}
