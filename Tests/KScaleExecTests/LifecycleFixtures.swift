import KafkaClient
import KScaleCore
@testable import KScaleExec

/// Small observations built by hand, so each rule is tested against exactly the state it judges.
enum LifecycleFixture {
    /// Brokers 1...n, racks assigned round-robin over `racks` (none when 0), each with one log dir
    /// of `diskTotal` bytes holding its replicas' `size` bytes each.
    static func observation(
        brokers n: Int,
        racks: Int = 0,
        partitions: [(String, Int32, [BrokerID])],
        size: Int64 = 1_000,
        diskTotal: Int64? = 1_000_000,
        minISR: Int = 1,
        controller: BrokerID? = nil
    ) -> ClusterObservation {
        let infos = (1...n).map { i in
            BrokerInfo(id: BrokerID(i), host: "b\(i)", port: 9092, rack: racks > 0 ? "r\((i - 1) % racks)" : nil)
        }
        var byTopic: [String: [PartitionDescription]] = [:]
        for (t, p, replicas) in partitions {
            byTopic[t, default: []].append(PartitionDescription(partition: p, leader: replicas.first, replicas: replicas, isr: replicas))
        }
        let topics = byTopic.keys.sorted().map { TopicDescription(name: $0, partitions: byTopic[$0] ?? []) }
        var obs = ClusterObservation(cluster: ClusterDescription(clusterID: "c", controllerID: controller, brokers: infos), topics: topics)
        obs.logDirs = infos.map { b in
            let held = partitions.filter { $0.2.contains(b.id) }.map {
                ReplicaLogInfo(topicPartition: TopicPartition($0.0, $0.1), size: size, offsetLag: 0, isFuture: false)
            }
            let used = Int64(held.count) * size
            return BrokerLogDirs(broker: b.id, dirs: [LogDirInfo(path: "/data", totalBytes: diskTotal,
                                                                 usableBytes: diskTotal.map { $0 - used }, replicas: held)])
        }
        obs.topicConfigs = Dictionary(uniqueKeysWithValues: topics.map {
            ($0.name, [ConfigEntry(name: "min.insync.replicas", value: String(minISR), source: .defaultConfig)])
        })
        return obs
    }

    /// `count` partitions of `topic` with RF `rf`, replicas round-robin over brokers 1...n.
    static func roundRobin(_ topic: String, count: Int, rf: Int, brokers n: Int) -> [(String, Int32, [BrokerID])] {
        (0..<count).map { p in (topic, Int32(p), (0..<rf).map { BrokerID((p + $0) % n + 1) }) }
    }

    static func mutatePartition(_ o: inout ClusterObservation, _ tp: TopicPartition, _ change: (inout PartitionDescription) -> Void) {
        guard let ti = o.topics.firstIndex(where: { $0.name == tp.topic }),
              let pi = o.topics[ti].partitions.firstIndex(where: { $0.partition == tp.partition }) else { return }
        change(&o.topics[ti].partitions[pi])
    }
}
