import KScaleCore
import Testing
import KafkaAdmin

/// The facts every rule shares and the snapshot, from one observation built by hand.
@Suite struct ObservationFactsTests {
    static func state() -> ClusterObservation {
        let description = ClusterDescription(clusterID: "c1", controllerID: 2, brokers: [
            BrokerInfo(id: 1, host: "h1", port: 9092, rack: "a"),
            BrokerInfo(id: 2, host: "h2", port: 9092, rack: "b"),
        ])
        let topics = [
            TopicDescription(name: "orders", partitions: [
                PartitionDescription(partition: 0, leader: 1, replicas: [1, 2], isr: [1, 2]),
                PartitionDescription(partition: 1, leader: 2, replicas: [2, 1], isr: [2]),
            ]),
            // Broker 3 is down: it holds a replica but is not registered; the partition has no leader.
            TopicDescription(name: "logs", partitions: [PartitionDescription(partition: 0, leader: nil, replicas: [3, 1], isr: [])]),
        ]
        let logDirs = [
            BrokerLogDirs(broker: 1, dirs: [LogDirInfo(path: "/d1", totalBytes: 1000, usableBytes: 600, replicas: [
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 100, offsetLag: 0, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 1), size: 40, offsetLag: 5, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("logs", 0), size: 7, offsetLag: 0, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 999, offsetLag: 0, isFuture: true),
            ])]),
            BrokerLogDirs(broker: 2, dirs: [LogDirInfo(path: "/d1", replicas: [
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 0), size: 90, offsetLag: 10, isFuture: false),
                ReplicaLogInfo(topicPartition: TopicPartition("orders", 1), size: 50, offsetLag: 0, isFuture: false),
            ])]),
        ]
        return ClusterObservation(cluster: description, topics: topics, logDirs: logDirs,
                                  reassignments: [TopicPartition("orders", 1): OngoingReassignment(replicas: [2, 1], adding: [1], removing: [])],
                                  topicConfigs: [
                                      "orders": [ConfigEntry(name: "retention.ms", value: "1000", source: .dynamicTopic),
                                                 ConfigEntry(name: "min.insync.replicas", value: "2", source: .defaultConfig)],
                                      "logs": [ConfigEntry(name: "min.insync.replicas", value: "1", source: .defaultConfig)],
                                  ])
    }

    @Test func snapshotTakesLargestNonFutureReplicaAndListsDownBrokers() throws {
        let s = Self.state().snapshot()
        try s.validate()
        #expect(s.brokers.map(\.id) == [1, 2, 3])
        #expect(s.brokers[0] == Broker(id: 1, rack: "a", diskTotalBytes: 1000, diskUsableBytes: 600))
        #expect(s.brokers[1] == Broker(id: 2, rack: "b"))
        // Down, in a cluster with racks: a rack of its own, so the planner can still drain it.
        #expect(s.brokers[2] == Broker(id: 3, rack: ClusterSnapshot.offlineRack))
        let orders = try #require(s.topics.first { $0.name == "orders" })
        #expect(orders.partitions.map(\.size) == [100, 50])
        #expect(orders.partitions[1].isr == [2])
        #expect(orders.partitions[1].leader == 2)
        #expect(orders.configs == ["retention.ms": "1000"])
        #expect(s.topics.first { $0.name == "logs" }?.configs == nil)
    }

    /// A partition's size is its largest current copy and a broker's largest replica its own
    /// largest, the same whether the broker has one healthy dir (read straight) or several
    /// (summed per partition first); future replicas and offline dirs never count.
    @Test func largestReplicasWithOneDirAndWithSeveral() {
        let replica = { (topic: String, size: Int64, future: Bool) in
            ReplicaLogInfo(topicPartition: TopicPartition(topic, 0), size: size, offsetLag: 0, isFuture: future)
        }
        let dirs = [
            BrokerLogDirs(broker: 1, dirs: [LogDirInfo(path: "/d1", replicas: [replica("a", 30, false), replica("b", 500, true)])]),
            BrokerLogDirs(broker: 2, dirs: [
                LogDirInfo(path: "/d1", replicas: [replica("a", 20, false), replica("b", 8, false)]),
                LogDirInfo(path: "/d2", replicas: [replica("a", 15, false), replica("b", 900, true)]),
                LogDirInfo(path: "/d3", error: KafkaAPIError(code: 57, name: "KAFKA_STORAGE_ERROR", message: "offline"), replicas: [replica("b", 700, false)]),
            ]),
        ]
        #expect(dirs.largestReplicaSizes == [TopicPartition("a", 0): 35, TopicPartition("b", 0): 8])
        #expect(dirs.largestReplicaByBroker == [1: 30, 2: 35])
        #expect(dirs.largestReplicaByBroker == dirs.replicaSizesByBroker.mapValues { $0.values.max() ?? 0 })
    }

    @Test func factsCountHealthAndPerBrokerLoad() {
        let o = Self.state()
        // orders-1 moves to [2, 1] with 1 adding: judged against its target (2 replicas, 1 in sync).
        #expect(o.isUnderReplicated(TopicPartition("orders", 1)))
        #expect(!o.isUnderReplicated(TopicPartition("orders", 0)))
        #expect(o.isUnderReplicated(TopicPartition("logs", 0)))
        #expect(o.isUnderMinISR(TopicPartition("orders", 1)) == true)   // 1 < 2
        #expect(o.isUnderMinISR(TopicPartition("orders", 0)) == false)
        #expect(o.isOffline(TopicPartition("logs", 0)))
        #expect(o.minInSyncReplicas(of: "orders") == .known(2))
        #expect(o.minInSyncReplicas(of: "nope") == .unknown)
        // Future replicas never count: broker 1 holds 100 + 40 + 7.
        #expect(o.bytesByBroker == [1: 147, 2: 140])
        #expect(o.partitionSizes[TopicPartition("orders", 0)] == 100)
        let loads = o.brokerLoads
        #expect(loads.map(\.id) == [1, 2, 3])
        #expect(loads[0].replicas == 3 && loads[0].leaders == 1 && loads[0].bytes == 147 && loads[0].reassignmentsInFlight == 1)
        #expect(loads[0].diskUsedPercent == 40)
        #expect(loads[1].diskUsedPercent == nil && loads[1].isController)
        #expect(loads[2].state == .offline && loads[2].bytes == nil)
    }

    @Test func unknownMinISRIsNeverOne() {
        var o = Self.state()
        o.topicConfigs = [:]
        #expect(o.minInSyncReplicas(of: "orders") == .unknown)
        #expect(o.isUnderMinISR(TopicPartition("logs", 0)) == nil)
        #expect(o.topicsWithUnknownMinISR == ["logs", "orders"])
    }

    @Test func describeAndCheckAgreeOnUnderReplicatedDuringAMove() {
        // A partition moving from [1, 2] to [2, 3]: replicas [1, 2, 3], 3 adding, ISR [1, 2].
        let o = ClusterObservation(
            cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: (1...3).map { BrokerInfo(id: $0, host: "h", port: 9092) }),
            topics: [TopicDescription(name: "t", partitions: [PartitionDescription(partition: 0, leader: 1, replicas: [1, 2, 3], isr: [1, 2])])],
            reassignments: [TopicPartition("t", 0): OngoingReassignment(replicas: [1, 2, 3], adding: [3], removing: [1])])
        #expect(!o.isUnderReplicated(TopicPartition("t", 0)))
        #expect(o.inFlightTarget(TopicPartition("t", 0)) == [2, 3])
        #expect(o.originalReplicas(TopicPartition("t", 0)) == [1, 2])
    }

    @Test func topicsEditedAfterInitAreIndexed() {
        var o = Self.state()
        o.topics.append(TopicDescription(name: "new", partitions: [PartitionDescription(partition: 0, leader: 1, replicas: [1], isr: [1])]))
        #expect(o.partition(TopicPartition("new", 0))?.replicas == [1])
    }
}

/// The one rule for which replication throttles are set, shared by check, audit and clear.
@Suite struct ReplicationThrottleFactTests {
    @Test func perBrokerDefaultStaticAndTopicThrottles() {
        let rate = ThrottleKeys.leaderRate
        let o = ClusterObservation(
            cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: [1, 2, 3].map { BrokerInfo(id: $0, host: "h", port: 9092) }),
            topics: [],
            brokerConfigs: [
                1: [ConfigEntry(name: rate, value: "100", source: .dynamicBroker)],
                // The cluster-wide default shows on every broker that has no value of its own: reported once, on "".
                2: [ConfigEntry(name: rate, value: "50", source: .dynamicDefaultBroker)],
                3: [ConfigEntry(name: rate, value: "50", source: .dynamicDefaultBroker),
                    ConfigEntry(name: ThrottleKeys.followerRate, value: "7", source: .staticBroker),
                    ConfigEntry(name: "log.retention.ms", value: "1", source: .dynamicBroker)],
            ],
            topicConfigs: [
                "a": [ConfigEntry(name: ThrottleKeys.leaderReplicas, value: "0:1", source: .dynamicTopic)],
                // An empty list and a default are not throttles.
                "b": [ConfigEntry(name: ThrottleKeys.leaderReplicas, value: "", source: .dynamicTopic),
                      ConfigEntry(name: ThrottleKeys.followerReplicas, value: "", source: .defaultConfig)],
            ])
        #expect(o.replicationThrottles == [
            ReplicationThrottle(resource: .broker(1), key: rate, value: "100"),
            ReplicationThrottle(resource: .broker(3), key: ThrottleKeys.followerRate, value: "7", isDynamic: false),
            ReplicationThrottle(resource: ConfigResource(.broker, ""), key: rate, value: "50"),
            ReplicationThrottle(resource: .topic("a"), key: ThrottleKeys.leaderReplicas, value: "0:1"),
        ])
    }
}

/// The one rule for which brokers are cordoned (KIP-1066), and the snapshot that records it.
@Suite struct CordonFactTests {
    static let key = ClusterObservation.cordonKey

    /// Brokers 1-6 with one replica each; 1 is cordoned with "*", 2 with a list naming both its
    /// dirs, 3 with a list naming one of its two, 4 has an empty value, 5 reports the default, 6's
    /// configs were not read.
    static func observation() -> ClusterObservation {
        let brokers = (1...6).map { BrokerInfo(id: BrokerID($0), host: "h\($0)", port: 9092) }
        let topics = [TopicDescription(name: "t", partitions: (1...6).map {
            PartitionDescription(partition: Int32($0 - 1), leader: BrokerID($0), replicas: [BrokerID($0)], isr: [BrokerID($0)])
        })]
        let twoDirs = { (b: BrokerID) in BrokerLogDirs(broker: b, dirs: [LogDirInfo(path: "/a", replicas: []), LogDirInfo(path: "/b", replicas: [])]) }
        return ClusterObservation(
            cluster: ClusterDescription(clusterID: nil, controllerID: 1, brokers: brokers), topics: topics,
            logDirs: [twoDirs(2), twoDirs(3)],
            brokerConfigs: [
                1: [ConfigEntry(name: key, value: "*", source: .dynamicBroker)],
                2: [ConfigEntry(name: key, value: "/a, /b", source: .dynamicBroker)],
                3: [ConfigEntry(name: key, value: "/a", source: .dynamicBroker)],
                4: [ConfigEntry(name: key, value: "", source: .dynamicBroker)],
                5: [ConfigEntry(name: key, value: "", source: .defaultConfig)],
            ],
            gaps: [.brokerConfigs(6, reason: "test")])
    }

    @Test func cordonedMeansEveryLogDirCordoned() {
        let o = Self.observation()
        #expect(o.cordons.map(\.broker) == [1, 2, 3])
        #expect(o.cordonedBrokers == [1, 2])                  // broker 3 still takes replicas on /b
        #expect(o.brokersSupportingCordon == [1, 2, 3, 4, 5])
        #expect(o.brokerLoads.filter(\.cordoned).map(\.id) == [1, 2])
    }

    @Test func aListWhoseDirsWereNotReadCountsAsTheWholeBroker() {
        var o = Self.observation()
        o.logDirs = []
        #expect(o.cordonedBrokers == [1, 2, 3])
    }

    @Test func theSnapshotRecordsCordonedBrokersAndNothingForTheOthers() throws {
        let s = Self.observation().snapshot()
        #expect(s.brokers.map(\.cordoned) == [true, true, nil, nil, nil, nil])
        #expect(s.cordonedBrokers == [1, 2])
        let text = String(decoding: try s.encoded(), as: UTF8.self)
        #expect(text.components(separatedBy: "\"cordoned\":true").count == 3)
        #expect(!text.contains("\"cordoned\":false") && !text.contains("\"cordoned\":null"))
        let back = try ClusterSnapshot.decode(try s.encoded())
        #expect(back.cordonedBrokers == [1, 2])
    }
}
