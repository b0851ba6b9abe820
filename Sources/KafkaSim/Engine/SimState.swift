import Foundation
import KScaleCore

/// What the simulated cluster looks like at one simulated moment: the snapshot format (with ISR,
/// leader and current sizes filled in) plus what a snapshot cannot say — broker liveness, the
/// controller, and the moves in flight with the bytes each adding replica has copied.
public struct SimState: Sendable, Equatable {
    public var snapshot: ClusterSnapshot
    public var controller: BrokerID
    /// Simulated seconds since the cluster started.
    public var timeSeconds: Double
    public var brokerStatus: [SimBrokerStatus]
    public var moves: [SimMove]

    public var brokers: [Broker] { snapshot.brokers }
    public var topics: [TopicState] { snapshot.topics }

    public func partition(_ tp: TopicPartition) -> PartitionState? {
        snapshot.topics.first { $0.name == tp.topic }?.partitions.first { $0.partition == tp.partition }
    }

    public func move(_ tp: TopicPartition) -> SimMove? { moves.first { $0.topicPartition == tp } }

    /// JSON for `GET /state`: the snapshot's own fields first-class, the rest alongside.
    public func encodedJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(Wire(self))
    }

    private struct Wire: Encodable {
        var format: String
        var brokers: [Broker]
        var topics: [TopicState]
        var controller: BrokerID
        var time_seconds: Double
        var broker_status: [SimBrokerStatus]
        var moves: [SimMove]
        init(_ s: SimState) {
            format = s.snapshot.format
            brokers = s.snapshot.brokers
            topics = s.snapshot.topics
            controller = s.controller
            time_seconds = s.timeSeconds
            broker_status = s.brokerStatus
            moves = s.moves
        }
    }
}

public struct SimBrokerStatus: Sendable, Equatable, Codable {
    public var id: BrokerID
    public var host: String
    public var port: Int32
    public var alive: Bool
    public var slowMs: Int

    enum CodingKeys: String, CodingKey {
        case id, host, port, alive
        case slowMs = "slow_ms"
    }
}

/// A reassignment in flight.
public struct SimMove: Sendable, Equatable, Codable {
    public var topic: String
    public var partition: Int32
    /// Target followed by the replicas being removed, as Kafka reports it during a move.
    public var replicas: [BrokerID]
    public var adding: [BrokerID]
    public var removing: [BrokerID]
    /// Current size of the leader's log.
    public var sizeBytes: Int64
    /// Bytes each adding replica holds so far, keyed by broker id.
    public var copiedBytes: [String: Int64]

    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    enum CodingKeys: String, CodingKey {
        case topic, partition, replicas, adding, removing
        case sizeBytes = "size_bytes"
        case copiedBytes = "copied_bytes"
    }
}

extension ClusterModel {
    /// The state as of the model's current time (advance first to see progress).
    public func state(slowMs: [BrokerID: Int] = [:]) -> SimState {
        var used: [BrokerID: Double] = [:]
        var topicStates: [TopicState] = []
        var moves: [SimMove] = []
        for name in topics.keys.sorted() {
            guard let topic = topics[name] else { continue }
            var parts: [PartitionState] = []
            parts.reserveCapacity(topic.partitions.count)
            for (i, p) in topic.partitions.enumerated() {
                let size = p.size(at: time)
                for r in p.replicas { used[r, default: 0] += p.replicaBytes(r, at: time) }
                parts.append(PartitionState(partition: Int32(i), replicas: p.replicas, size: Int64(size), isr: p.isr, leader: p.leader))
                if p.isReassigning {
                    var copied: [String: Int64] = [:]
                    for b in p.adding { copied[String(b)] = Int64(p.replicaBytes(b, at: time)) }
                    moves.append(SimMove(topic: name, partition: Int32(i), replicas: p.replicas, adding: p.adding,
                                         removing: p.removing, sizeBytes: Int64(size), copiedBytes: copied))
                }
            }
            topicStates.append(TopicState(name: name, partitions: parts, configs: topic.configs.isEmpty ? nil : topic.configs))
        }
        var brokerList: [Broker] = []
        var status: [SimBrokerStatus] = []
        for id in brokerOrder {
            guard let b = brokers[id] else { continue }
            let usable = max(0, b.diskTotal - b.diskOther - Int64(used[id, default: 0]))
            brokerList.append(Broker(id: id, rack: b.rack, diskTotalBytes: b.diskTotal, diskUsableBytes: usable,
                                     cordoned: isCordoned(id) ? true : nil))
            status.append(SimBrokerStatus(id: id, host: b.host, port: b.port, alive: b.alive, slowMs: slowMs[id] ?? 0))
        }
        return SimState(snapshot: ClusterSnapshot(brokers: brokerList, topics: topicStates), controller: controller,
                        timeSeconds: time, brokerStatus: status, moves: moves)
    }

    /// Sets a broker's listening port once its server is bound.
    mutating func setEndpoint(_ id: BrokerID, host: String, port: Int32) {
        brokers[id]?.host = host
        brokers[id]?.port = port
    }
}
