import ArgumentParser
import Foundation
import KScaleCore
import KafkaClient

/// What add-partitions reads from and does to a cluster, whichever client answers.
protocol PartitionAddingCluster: Sendable {
    /// Closes connections; the librdkafka handle closes itself when released.
    func close() async
    /// Live brokers new replicas may go to, with racks when the transport knows them.
    func brokers() async throws -> [Broker]
    func topics() async throws -> [TopicState]
    func topicConfigs(_ topic: String) async throws -> [String: String]
    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]], validateOnly: Bool) async throws
}

/// Over kscale's own admin client: racks and fenced brokers are known.
struct AdminPartitionAdding: PartitionAddingCluster {
    let admin: KafkaAdminClient

    func close() async { await admin.close() }

    func brokers() async throws -> [Broker] {
        try await admin.describeCluster().brokers.filter { !$0.fenced }.map { Broker(id: $0.id, rack: $0.rack) }
    }

    func topics() async throws -> [TopicState] {
        try await admin.describeTopics(nil).map(TopicState.init(described:))
    }

    func topicConfigs(_ topic: String) async throws -> [String: String] {
        let entries = try await admin.describeConfigs([.topic(topic)])[.topic(topic)] ?? []
        return Dictionary(entries.compactMap { e in e.value.map { (e.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]], validateOnly: Bool) async throws {
        try await admin.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }
}

/// Over librdkafka: its 2.0.2 metadata has no racks, so placement there balances without them.
struct RdKafkaPartitionAdding: PartitionAddingCluster {
    let admin: RdKafkaAdmin

    func close() async {}

    func brokers() async throws -> [Broker] {
        try await admin.metadata(topics: []).brokers.map { Broker(id: $0.id) }
    }

    func topics() async throws -> [TopicState] {
        try await admin.metadata().topics.map(TopicState.init(described:))
    }

    func topicConfigs(_ topic: String) async throws -> [String: String] {
        let entries = try await admin.describeConfigs([.topic(topic)])[.topic(topic)] ?? []
        return Dictionary(entries.compactMap { e in e.value.map { (e.name, $0) } }, uniquingKeysWith: { a, _ in a })
    }

    func createPartitions(topic: String, totalCount: Int32, assignments: [[BrokerID]], validateOnly: Bool) async throws {
        try await admin.createPartitions(topic: topic, totalCount: totalCount, assignments: assignments, validateOnly: validateOnly)
    }
}

extension TopicState {
    init(described t: TopicDescription) {
        self.init(name: t.name, partitions: t.partitions.map {
            PartitionState(partition: $0.partition, replicas: $0.replicas, isr: $0.isr, leader: $0.leader)
        })
    }
}

struct AddPartitionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add-partitions",
        abstract: "Add partitions to a topic, placed rack-aware on the least-loaded brokers (dry run unless --execute).",
        discussion: """
        Adding partitions cannot be undone and re-routes keyed records: a key maps to a different partition \
        after the change, so per-key ordering breaks across it. Compacted topics are refused; every other \
        topic needs --accept-key-remap. Without --execute the broker validates the request (validate_only) \
        and nothing changes.
        """
    )

    @Option(help: "Brokers to bootstrap from, host:port[,host:port...].")
    var bootstrapServer: String
    @Option(help: "Client properties file (security.protocol, sasl.*, ssl.*).")
    var commandConfig: String?
    @Option(help: "The topic to grow.")
    var topic: String
    @Option(help: "The new total partition count.")
    var to: Int?
    @Option(help: "Instead of --to: size from the throughput the topic must sustain, e.g. 200MB/s.")
    var targetThroughput: String?
    @Option(help: "With --target-throughput: what one partition sustains, e.g. 10MB/s.")
    var perPartitionThroughput: String?
    @Option(help: "With --target-throughput: consumers in the largest consumer group.")
    var consumers: Int?
    @Flag(help: "Confirm that keyed records will route to different partitions and per-key ordering breaks across the change.")
    var acceptKeyRemap = false
    @Flag(help: "Add the partitions. Without it, the broker only validates the request.")
    var execute = false
    @Option(help: "Client that talks to the cluster: kscale (racks known) or librdkafka (no racks in librdkafka 2.0.2).")
    var transport: Transport = .kscale
    @Option(help: "text or json.")
    var output: SizingOutput = .text

    enum Transport: String, ExpressibleByArgument, CaseIterable {
        case kscale
        case librdkafka
    }

    /// What was planned and done; `racks` is for the text rendering only.
    struct Report: Encodable {
        var plan: AddPartitionsPlan
        var executed: Bool
        var validatedByBroker: Bool
        var warning: String
        var racks: [BrokerID: String]
        enum CodingKeys: String, CodingKey {
            case plan, executed, warning
            case validatedByBroker = "validated_by_broker"
        }
    }

    func targetCount() throws -> Int {
        switch (to, targetThroughput) {
        case let (count?, nil):
            guard consumers == nil, perPartitionThroughput == nil else {
                throw InvalidInput("--consumers and --per-partition-throughput go with --target-throughput, not --to")
            }
            return count
        case let (nil, target?):
            guard let perPartitionThroughput else {
                throw InvalidInput("--target-throughput needs --per-partition-throughput")
            }
            let sizing = try PartitionSizing(
                targetThroughput: try parseRateOption(target, "--target-throughput"),
                perPartitionThroughput: try parseRateOption(perPartitionThroughput, "--per-partition-throughput"),
                maxConsumers: consumers)
            guard sizing.partitions <= Int64(Int32.max) else { throw InvalidInput("\(sizing.partitions) partitions is more than Kafka allows") }
            return Int(sizing.partitions)
        case (nil, nil):
            throw InvalidInput("give --to N, or --target-throughput and --per-partition-throughput")
        case (_?, _?):
            throw InvalidInput("give either --to or --target-throughput, not both")
        }
    }

    func connect() async throws -> any PartitionAddingCluster {
        let config = try ClientConfig.load(commandConfig: commandConfig, bootstrap: bootstrapServer)
        switch transport {
        case .kscale:
            return AdminPartitionAdding(admin: try await KafkaAdminClient.connect(config))
        case .librdkafka:
            return RdKafkaPartitionAdding(admin: try RdKafkaAdmin(config: config))
        }
    }

    func run() async throws {
        try await reportingErrors {
            let target = try targetCount()
            let cluster = try await connect()
            let report: Report
            do {
                report = try await Self.addPartitions(cluster: cluster, topic: topic, targetCount: target,
                                                      acceptKeyRemap: acceptKeyRemap, execute: execute)
                await cluster.close()
            } catch {
                await cluster.close()
                throw error
            }
            switch output {
            case .json:
                try printJSON(report)
            case .text:
                let p = report.plan
                print("\(p.topic): \(p.currentCount) -> \(p.targetCount) partitions (RF \(p.replicationFactor), "
                    + (p.rackAware ? "rack-aware" : "no racks known: balanced by broker only") + ")")
                print("new partitions (replicas, leader first):")
                for line in p.assignmentLines(racks: report.racks) { print("  " + line) }
                print(report.warning)
                if report.executed {
                    print("added \(p.targetCount - p.currentCount) partitions to \(p.topic).")
                } else {
                    print("dry run: the broker validated this request (validate_only) and nothing changed; re-run with --execute to add the partitions.")
                }
            }
        }
    }

    /// Reads the cluster, plans, has the broker validate, and (with `execute`) applies.
    static func addPartitions(cluster: any PartitionAddingCluster, topic: String, targetCount: Int,
                              acceptKeyRemap: Bool, execute: Bool) async throws -> Report {
        let brokers = try await cluster.brokers()
        var topics = try await cluster.topics()
        guard let index = topics.firstIndex(where: { $0.name == topic }) else {
            throw InvalidInput("topic \(topic) does not exist")
        }
        topics[index].configs = try await cluster.topicConfigs(topic)
        // Replicas on brokers that are gone still name them; placement ignores them, validation must too.
        let snapshot = ClusterSnapshot(brokers: brokers, topics: topics)
        let plan = try AddPartitionsPlan(snapshot: snapshot, topic: topic, targetCount: targetCount, acceptKeyRemap: acceptKeyRemap)
        try await cluster.createPartitions(topic: topic, totalCount: Int32(plan.targetCount), assignments: plan.assignments, validateOnly: true)
        if execute {
            try await cluster.createPartitions(topic: topic, totalCount: Int32(plan.targetCount), assignments: plan.assignments, validateOnly: false)
        }
        let racks = Dictionary(brokers.compactMap { b in b.rack.map { (b.id, $0) } }, uniquingKeysWith: { a, _ in a })
        return Report(plan: plan, executed: execute, validatedByBroker: true,
                               warning: AddPartitionsPlan.keyRemapWarning, racks: racks)
    }
}
