import Foundation
import Testing
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleExec
import KScaleTime
@testable import kscale

/// `kscale describe` marks the controller only where the mark means something: the ZooKeeper
/// controller, or on KRaft the quorum leader when it is a broker (combined mode); the header says
/// KRaft and names the quorum. Read from KafkaSim's engine through the seam, rendered as the CLI does.
@Suite struct DescribeQuorumRenderingTests {
    static func rendered(_ profile: KafkaProfile) async throws -> String {
        let snapshot = ClusterSnapshot(brokers: (1...4).map { Broker(id: BrokerID($0)) },
                                       topics: [TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: 10)])])
        let admin = try SimAdmin(snapshot: snapshot, clock: ManualClock(), profile: profile)
        try await admin.engine.withModel { m, t in try m.moveController(to: 2, at: t) }
        return DescribeCommand.render(ClusterSummary(try await ClusterObservation.read(from: admin)), topTopics: 5)
    }

    static func brokerCells(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line in
            let first = line.split(separator: " ").first.map(String.init) ?? ""
            return first.first?.isNumber == true ? first : nil
        }
    }

    @Test func zooKeeperMarksTheController() async throws {
        let text = try await Self.rendered(try KafkaProfile(version: "3.9", mode: .zookeeper))
        #expect(text.contains(", ZooKeeper, controller 2, 4 brokers"), "\(text)")
        #expect(Self.brokerCells(text).prefix(4) == ["1", "2*", "3", "4"])
        #expect(text.contains("(* controller;"))
    }

    @Test func kraftWithDedicatedControllersMarksNoBroker() async throws {
        let text = try await Self.rendered(.newest)
        #expect(text.contains(", KRaft, quorum leader 3000, voters 3000,3001,3002, 4 brokers"), "\(text)")
        #expect(!Self.brokerCells(text).contains { $0.hasSuffix("*") })
        #expect(!text.contains("* controller"))
    }

    @Test func kraftCombinedMarksTheLeadingBroker() async throws {
        let text = try await Self.rendered(try KafkaProfile(version: "4.3", combined: true))
        #expect(text.contains(", KRaft, quorum leader 2, voters 1,2,3, 4 brokers"), "\(text)")
        #expect(Self.brokerCells(text).prefix(4) == ["1", "2*", "3", "4"])
        #expect(text.contains("(* quorum leader"))
    }
}
