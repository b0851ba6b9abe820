// Benchmark for KafkaProtocol: builds, encodes and decodes a Metadata response for a large cluster
// (the simulator must answer one with 100,000 partitions in well under 100 ms).
// Compiled together with the KafkaProtocol sources as one optimized module; run
// Fixtures/protocol/bench.sh from the package root.
import Foundation

func measure(_ label: String, runs: Int = 7, _ body: () throws -> Int) rethrows {
    var times: [Double] = []
    var size = 0
    for _ in 0..<runs {
        let start = DispatchTime.now().uptimeNanoseconds
        size = try body()
        times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
    }
    times.sort()
    print(String(format: "%-44@ median %7.1f ms  min %7.1f ms  (%d bytes)", label as NSString, times[runs / 2], times[0], size))
}

let brokers = 30
let topics = 1_000
let partitionsPerTopic = 100
var response = MetadataResponse(
    brokers: (1...Int32(brokers)).map { .init(nodeId: $0, host: "broker-\($0).kafka.internal", port: 9092, rack: "rack-\($0 % 3)") },
    clusterId: "kscale-bench", controllerId: 1)
func buildTopics() -> [MetadataResponse.MetadataResponseTopic] {
    (0..<topics).map { t in
        MetadataResponse.MetadataResponseTopic(
            name: "topic-\(t)", topicId: KafkaUUID(high: UInt64(t), low: 1),
            partitions: (0..<Int32(partitionsPerTopic)).map { p in
                let leader = Int32((t + Int(p)) % brokers) + 1
                let replicas = [leader, leader % Int32(brokers) + 1, (leader + 1) % Int32(brokers) + 1]
                return .init(partitionIndex: p, leaderId: leader, leaderEpoch: 4, replicaNodes: replicas, isrNodes: replicas)
            })
    }
}
print("Metadata response: \(brokers) brokers, \(topics) topics x \(partitionsPerTopic) partitions, RF 3")
measure("build values (simulator side)") {
    response.topics = buildTopics()
    return 0
}
for version: Int16 in [1, 9, 12] {
    var frame: [UInt8] = []
    try measure("encode framed response v\(version)") {
        frame = try KafkaFraming.encodeResponse(correlationId: 1, version: version, response, capacity: 8 << 20)
        return frame.count
    }
    try measure("decode response v\(version)") {
        var r = ByteReader(Array(frame[4...]))
        _ = try ResponseHeader(from: &r, headerVersion: MetadataResponse.responseHeaderVersion(version))
        let decoded = try MetadataResponse(from: &r, version: version)
        return decoded.topics.count
    }
}
