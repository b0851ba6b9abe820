import Foundation
import KafkaAdmin
import KafkaSim
import KScaleCore
import KScaleTime
import Testing
@testable import KScaleExec

/// `Rehearsal`: a plan run to its end on KafkaSim's engine in process, on stepped simulated time,
/// measured against the bound (`TransferBound`).
@Suite struct RehearsalTests {
    static let megabyte: Int64 = 1_000_000
    static let throttle: Int64 = 10 * megabyte

    /// Four brokers; broker 4 receives two 400 MB replicas (800 MB in), broker 3 one of 100 MB,
    /// broker 1 sends 500 MB and broker 2 400 MB: broker 4's bytes in set the bound, 80 s at
    /// 10 MB/s. `ingest` gives partition big-0 a producer.
    static func snapshot(ingest: Int64? = nil) -> ClusterSnapshot {
        ClusterSnapshot(brokers: (1...4).map { Broker(id: BrokerID($0), rack: nil) }, topics: [
            TopicState(name: "big", partitions: [
                PartitionState(partition: 0, replicas: [1, 2], size: 400 * megabyte, bytesInPerSec: ingest),
                PartitionState(partition: 1, replicas: [2, 1], size: 400 * megabyte),
                PartitionState(partition: 2, replicas: [1, 2], size: 100 * megabyte),
            ], configs: ["min.insync.replicas": "1"]),
        ])
    }

    static let plan = ReassignmentPlan(partitions: [
        PartitionAssignment(topic: "big", partition: 0, replicas: [1, 4]),
        PartitionAssignment(topic: "big", partition: 1, replicas: [2, 4]),
        PartitionAssignment(topic: "big", partition: 2, replicas: [3, 2]),
    ])

    static func rehearse(_ snapshot: ClusterSnapshot, plan: ReassignmentPlan = plan, options: RunOptions = RunOptions(throttle: throttle),
                         emit: @escaping EventSink = { _ in }) async throws -> Rehearsal.Report {
        try await Rehearsal.run(plan, snapshot: snapshot, cluster: { snapshot, clock in try SimAdmin(snapshot: snapshot, clock: clock) },
                                options: options, emit: emit)
    }

    @Test func theRunEndsAtOrAboveTheBoundAndNamesTheBrokerThatLimitsIt() async throws {
        let report = try await Self.rehearse(Self.snapshot())
        #expect(report.finished)
        #expect(report.done == 3)
        #expect(report.failed.isEmpty)
        #expect(report.bytes == 900 * Self.megabyte)
        #expect(report.boundSeconds == 80)
        #expect(report.ratio >= 1, "simulated \(report.simulatedSeconds) s, bound \(report.boundSeconds) s")
        #expect(report.simulatedSeconds >= report.boundSeconds)
        #expect(report.boundBroker?.broker == 4)
        #expect(report.boundBroker?.direction == .into)
        #expect(report.boundBroker?.bytes == 800 * Self.megabyte)
        #expect(report.limitingBroker?.broker == 4)
        // Broker 3's one copy (100 MB) ends long before broker 4's two.
        let last = Dictionary(uniqueKeysWithValues: report.brokers.map { ($0.broker, $0.lastActiveSeconds ?? 0) })
        #expect((last[3] ?? .infinity) < (last[4] ?? 0))
        // Every broker ends with its whole share copied, and the timeline ends there.
        for broker in report.brokers {
            #expect(broker.bytesIn == broker.plannedIn, "broker \(broker.broker)")
            #expect(broker.bytesOut == broker.plannedOut, "broker \(broker.broker)")
        }
        #expect(report.timeline.count == Rehearsal.Sampling().timelinePoints)
        #expect(report.timeline.last?.brokers.first { $0.broker == 4 }?.bytesIn == 800 * Self.megabyte)
        let early = report.timeline.first?.brokers.first { $0.broker == 4 }?.bytesIn ?? 0
        #expect(early > 0 && early < 800 * Self.megabyte, "the timeline shows the copy under way: \(early)")
        // A plain reassignment with every replica in sync leaves nothing under-replicated.
        #expect(report.healthSamples > 0)
        #expect(report.peakUnderReplicated == 0)
        #expect(report.peakUnderMinISR == 0)
        #expect(report.unknownMinISR == 0)
        #expect(report.ingestingPartitions == 0)
    }

    /// With a producer writing into a moving partition, the copy chases a growing log: the same
    /// plan takes longer than without one, and the rehearsal says ingest went on.
    @Test func ingestFromTheSnapshotsRatesContinuesDuringTheRun() async throws {
        let quiet = try await Self.rehearse(Self.snapshot())
        let busy = try await Self.rehearse(Self.snapshot(ingest: 2 * Self.megabyte))
        #expect(busy.ingestingPartitions == 1)
        #expect(busy.finished)
        #expect(busy.simulatedSeconds > quiet.simulatedSeconds, "with ingest \(busy.simulatedSeconds) s, without \(quiet.simulatedSeconds) s")
        // The bound counts the produce rate too (size / (throttle - rate)), and the run still meets it.
        #expect(busy.boundSeconds > quiet.boundSeconds, "bound with ingest \(busy.boundSeconds) s, without \(quiet.boundSeconds) s")
        #expect(busy.ratio >= 1, "simulated \(busy.simulatedSeconds) s, bound \(busy.boundSeconds) s")
    }

    @Test func theJSONReportCarriesEveryField() async throws {
        let report = try await Self.rehearse(Self.snapshot())
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in ["partitions", "bytes", "throttle", "simulated_seconds", "bound_seconds", "ratio", "bound_broker", "limiting_broker",
                    "brokers", "timeline", "peak_under_replicated", "peak_under_min_isr", "health_samples", "unknown_min_isr",
                    "ingesting_partitions", "done", "failed", "started_events", "finished", "deadline_seconds"] {
            #expect(object[key] != nil, "missing \(key)")
        }
        let limit = try #require(object["limiting_broker"] as? [String: Any])
        #expect(limit["broker"] as? Int == 4)
        #expect(limit["direction"] as? String == "in")
        let broker = try #require((object["brokers"] as? [[String: Any]])?.first)
        for key in ["broker", "planned_in", "planned_out", "bytes_in", "bytes_out", "bound_seconds", "last_active_seconds"] {
            #expect(broker[key] != nil, "broker entry missing \(key)")
        }
        let sample = try #require((object["timeline"] as? [[String: Any]])?.last)
        #expect(sample["seconds"] != nil)
        #expect((sample["brokers"] as? [[String: Any]])?.first?["bytes_in"] != nil)
    }

    @Test func withoutAThrottleTheRehearsalIsRefusedNamingTheOption() async throws {
        let error = await #expect(throws: InvalidInput.self) { try await Self.rehearse(Self.snapshot(), options: RunOptions()) }
        #expect(error?.message.contains("--throttle") == true, "\(String(describing: error))")
    }

    @Test func aPlanNamingABrokerTheSnapshotLacksIsRefusedNamingIt() async throws {
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "big", partition: 0, replicas: [1, 9])])
        await #expect { try await Self.rehearse(Self.snapshot(), plan: plan) } throws: { error in
            "\(error)".contains("9")
        }
    }

    @Test func aPlanForATopicTheSnapshotLacksIsRefusedNamingIt() async throws {
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "absent", partition: 0, replicas: [1, 2])])
        await #expect { try await Self.rehearse(Self.snapshot(), plan: plan) } throws: { error in
            "\(error)".contains("absent")
        }
    }
}
