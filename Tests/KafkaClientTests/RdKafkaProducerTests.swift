import Foundation
import Testing
import KScaleCore
@testable import KafkaClient

/// The producer and load generator against librdkafka's own in-process mock cluster
/// (`test.mock.num.brokers`), which auto-creates topics. KafkaSim tests cover the wire fidelity.
@Suite(.serialized) struct RdKafkaProducerTests {
    let mock = ["test.mock.num.brokers": "3", "message.timeout.ms": "10000"]

    @Test func sendReturnsTheDeliveryReport() async throws {
        let producer = try RdKafkaProducer(bootstrapServers: nil, properties: mock.merging(["bootstrap.servers": "unused:9092"]) { a, _ in a })
        let report = try await producer.send(topic: "mock-send", key: Array("k".utf8), value: Array("hello".utf8))
        #expect(report.error == nil)
        #expect(report.offset >= 0)
        #expect(report.partition >= 0)
        #expect(report.topic == "mock-send")
        let second = try await producer.send(topic: "mock-send", partition: report.partition, value: Array("again".utf8))
        #expect(second.offset == report.offset + 1)
        await producer.close()
        #expect(producer.outstanding == 0)
    }

    @Test func loadRunCountsEveryRecordAndOrdersPercentiles() async throws {
        let producer = try RdKafkaProducer(bootstrapServers: "unused:9092", properties: mock)
        let options = try LoadOptions(topic: "mock-load", recordSize: 100, throughput: nil, numRecords: 3000)
        let summary = try await LoadGenerator.run(options, producer: producer)
        await producer.close()
        #expect(summary.records == 3000)
        #expect(summary.failed == 0)
        #expect(summary.bytes == 300_000)
        #expect(summary.latencyP50Ms <= summary.latencyP95Ms)
        #expect(summary.latencyP95Ms <= summary.latencyP99Ms)
        #expect(summary.latencyP99Ms <= summary.latencyMaxMs)
        #expect(summary.recordsPerSecond > 0)
    }

    @Test func throttleHoldsTheRateDown() async throws {
        let producer = try RdKafkaProducer(bootstrapServers: "unused:9092", properties: mock)
        // 100 KB/s of 1 KB records is 100 records/s: 50 records cannot take less than 0.49 s.
        let options = try LoadOptions(topic: "mock-throttle", recordSize: 1000, throughput: 100_000, numRecords: 50)
        let summary = try await LoadGenerator.run(options, producer: producer)
        await producer.close()
        #expect(summary.records == 50)
        #expect(summary.seconds >= 0.49)
    }

    @Test func adminSeesTheMockBrokers() async throws {
        let admin = try RdKafkaAdmin(bootstrapServers: "unused:9092", properties: ["test.mock.num.brokers": "3"])
        let md = try await admin.metadata()
        #expect(md.brokers.count == 3)
    }

    @Test func produceToAClosedProducerIsRefused() async throws {
        let producer = try RdKafkaProducer(bootstrapServers: "unused:9092", properties: mock)
        await producer.close()
        #expect(throws: InternalError.self) {
            try producer.produce(topic: "t", value: [1]) { _ in }
        }
    }
}
