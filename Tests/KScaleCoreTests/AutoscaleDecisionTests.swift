import Foundation
import Testing
@testable import KScaleCore

/// The decision rule (docs/autoscale.md, "The decision") on values built by hand: every branch.
@Suite struct AutoscaleDecisionTests {
    /// 2026-12-01 (a Tuesday) 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_796_126_400)
    static let capacity: Int64 = 100_000_000
    static let minute: Double = 60

    /// `count` brokers with ids 1..., racks a, b, c in turn.
    static func brokers(_ count: Int, racks: [String] = ["a", "b", "c"]) -> [Broker] {
        (1...count).map { Broker(id: BrokerID($0), rack: racks.isEmpty ? nil : racks[($0 - 1) % racks.count]) }
    }

    /// One sample `minutesAgo` before `now` with every broker at `share` of its network in and out capacity.
    static func sample(_ minutesAgo: Double, share: Double, brokers: [Broker], bytes: [BrokerID: Int64] = [:], before end: Date = now) -> AutoscaleSample {
        let used = Int64(share * Double(capacity))
        return AutoscaleSample(at: end.addingTimeInterval(-minutesAgo * minute),
                               usage: brokers.map { BrokerUsage(broker: $0.id, networkIn: used, networkOut: used, diskBytes: bytes[$0.id] ?? 0,
                                                                networkInCapacity: capacity, networkOutCapacity: capacity) },
                               replicas: brokers.count * 10)
    }

    static func policy(min: Int = 3, max: Int = 24, inBelow: Double? = 0.3, outAbove: Double = 0.7,
                       schedule: [AutoscalePolicy.ScheduleEntry] = []) -> AutoscalePolicy {
        AutoscalePolicy(brokers: .init(min: min, max: max),
                        signals: [AutoscalePolicy.Signal(kind: .networkIn, outAbove: outAbove, inBelow: inBelow),
                                  AutoscalePolicy.Signal(kind: .networkOut, outAbove: outAbove, inBelow: inBelow)],
                        schedule: schedule)
    }

    static func decide(_ policy: AutoscalePolicy, _ brokers: [Broker], shares: [(minutesAgo: Double, share: Double)],
                       replicaSets: [[BrokerID]] = [], lastActionEnd: Date? = nil, inFlight: Bool = false, at instant: Date = now,
                       bytes: [BrokerID: Int64] = [:]) -> AutoscaleDecision {
        let window = SignalWindow(shares.map { sample($0.minutesAgo, share: $0.share, brokers: brokers, bytes: bytes, before: instant) })
        return AutoscaleDecision.decide(AutoscaleInput(policy: policy, window: window, brokers: brokers, replicaSets: replicaSets,
                                                       lastActionEnd: lastActionEnd, operationInFlight: inFlight, now: instant))
    }

    static let steadyHigh: [(minutesAgo: Double, share: Double)] = [(9, 0.8), (5, 0.85), (0, 0.9)]
    static let steadyLow: [(minutesAgo: Double, share: Double)] = [(9, 0.1), (5, 0.1), (0, 0.1)]

    @Test func loadAboveForTheWholeWindowScalesOutOnePerLeastPopulatedRack() {
        let decision = Self.decide(Self.policy(), Self.brokers(6), shares: Self.steadyHigh)
        #expect(decision.action == .scaleOut)
        #expect(decision.count == 3)
        #expect(decision.brokers == [.init(id: 7, rack: "a"), .init(id: 8, rack: "b"), .init(id: 9, rack: "c")])
        #expect(decision.reason.signals?["network_in"] == [0.8, 0.85, 0.9])
        #expect(decision.reason.summary.contains("network_in, network_out above out_above"))
        #expect(decision.signals["network_in"]?.value == 0.9)
        #expect(decision.signals["network_in"]?.state == .above)
        #expect(decision.blockedBy.isEmpty)
        #expect(decision.nextEvaluation == "2026-12-01T12:01:00Z")
    }

    @Test func newBrokersFillTheEmptiestRacksFirstAboveEveryIdInUse() {
        // Racks a: 1, 3; b: 2; c: 12. A replica list still names a broker 14, gone: new ids start above it.
        let brokers = [Broker(id: 1, rack: "a"), Broker(id: 2, rack: "b"), Broker(id: 3, rack: "a"), Broker(id: 12, rack: "c")]
        let decision = Self.decide(Self.policy(), brokers, shares: Self.steadyHigh, replicaSets: [[1, 2, 14]])
        #expect(decision.brokers == [.init(id: 15, rack: "b"), .init(id: 16, rack: "c"), .init(id: 17, rack: "a")])
    }

    @Test func aScaleInWhoseDrainOutlastsMaxDrainIsSkippedWithThatReason() throws {
        let wanted = Self.decide(Self.policy(min: 3), Self.brokers(9), shares: Self.steadyLow)
        try #require(wanted.action == .scaleIn)
        let long = AutoscaleDecision.Cost(replicasMoved: 300, bytes: 1_000_000_000_000, seconds: 3 * 3_600, throttle: 100_000_000)
        let skipped = wanted.costed(long, maxDrain: 2 * 3_600)
        #expect(skipped.action == .none && skipped.count == 0 && skipped.brokers.isEmpty)
        #expect(skipped.cost == long, "the estimate is still reported")
        let block = try #require(skipped.blockedBy.first { $0.kind == .maxDrain })
        #expect(block.detail.contains("3h") && block.detail.contains("2h"), "\(block.detail)")

        let short = AutoscaleDecision.Cost(replicasMoved: 30, bytes: 1_000_000_000, seconds: 600, throttle: 100_000_000)
        #expect(wanted.costed(short, maxDrain: 2 * 3_600).action == .scaleIn)
        let unthrottled = AutoscaleDecision.Cost(replicasMoved: 300, bytes: 1_000_000_000_000, seconds: nil, throttle: nil)
        #expect(wanted.costed(unthrottled, maxDrain: 2 * 3_600).action == .scaleIn, "an unknown duration is not a long one")
        #expect(wanted.costed(long, maxDrain: nil).action == .scaleIn, "no max_drain, no limit")
        // A scale-out is never skipped for its cost.
        let out = Self.decide(Self.policy(), Self.brokers(6), shares: Self.steadyHigh)
        #expect(out.costed(long, maxDrain: 60).action == .scaleOut)
    }

    @Test func aSpikeShorterThanTheWindowDoesNothing() {
        let decision = Self.decide(Self.policy(), Self.brokers(6), shares: [(9, 0.5), (5, 0.9), (0, 0.95)])
        #expect(decision.action == .none)
        #expect(decision.count == 0 && decision.brokers.isEmpty)
        #expect(decision.signals["network_in"]?.state == .between)
        #expect(decision.signals["network_in"]?.window == [0.5, 0.9, 0.95])
        // A sample older than the window no longer counts.
        let later = Self.decide(Self.policy(), Self.brokers(6), shares: [(15, 0.5), (5, 0.9), (0, 0.95)])
        #expect(later.action == .scaleOut)
    }

    @Test func theCooldownRunsFromTheEndOfTheLastAction() {
        let recent = Self.decide(Self.policy(), Self.brokers(6), shares: Self.steadyHigh, lastActionEnd: Self.now.addingTimeInterval(-10 * Self.minute))
        #expect(recent.action == .none)
        #expect(recent.blockedBy.map(\.kind) == [.cooldown])
        #expect(recent.blockedBy.first?.until == "2026-12-01T12:05:00Z")
        let done = Self.decide(Self.policy(), Self.brokers(6), shares: Self.steadyHigh, lastActionEnd: Self.now.addingTimeInterval(-16 * Self.minute))
        #expect(done.action == .scaleOut)
        // Scale-in waits cooldown.in (60m): 16 minutes is not enough.
        let scaleIn = Self.decide(Self.policy(), Self.brokers(9), shares: Self.steadyLow, lastActionEnd: Self.now.addingTimeInterval(-16 * Self.minute))
        #expect(scaleIn.action == .none)
        #expect(scaleIn.blockedBy.first?.detail.contains("cooldown.in 1h00m") == true)
    }

    @Test func anOperationInFlightBlocks() {
        let decision = Self.decide(Self.policy(), Self.brokers(6), shares: Self.steadyHigh, inFlight: true)
        #expect(decision.action == .none)
        #expect(decision.blockedBy.map(\.kind) == [.operationInFlight])
    }

    @Test func minAndMaxAlwaysHold() {
        let nearMax = Self.decide(Self.policy(max: 7), Self.brokers(6), shares: Self.steadyHigh)
        #expect(nearMax.action == .scaleOut && nearMax.count == 1)
        let atMax = Self.decide(Self.policy(max: 6), Self.brokers(6), shares: Self.steadyHigh)
        #expect(atMax.action == .none)
        #expect(atMax.blockedBy.map(\.kind) == [.max])
        let atMin = Self.decide(Self.policy(min: 6), Self.brokers(6), shares: Self.steadyLow)
        #expect(atMin.action == .none)
        #expect(atMin.blockedBy.map(\.kind) == [.min])
        let nearMin = Self.decide(Self.policy(min: 5), Self.brokers(6), shares: Self.steadyLow)
        #expect(nearMin.action == .scaleIn && nearMin.count == 1)
        // Below the floor: up to it in one action, whatever the signals say.
        let below = Self.decide(Self.policy(min: 9), Self.brokers(6), shares: Self.steadyLow)
        #expect(below.action == .scaleOut && below.count == 3)
        #expect(below.reason.summary.contains("below the floor of 9 (brokers.min)"))
        // Above the ceiling: down towards it, step.in (3) at most.
        let above = Self.decide(Self.policy(max: 4), Self.brokers(9), shares: Self.steadyHigh)
        #expect(above.action == .scaleIn && above.count == 3)
    }

    @Test func aScheduleEntryInForceMovesTheFloor() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let schedule = [
            AutoscalePolicy.ScheduleEntry(cron: try CronSchedule("0 8 * * MON-FRI", timeZone: berlin), min: 12, line: 12),
            AutoscalePolicy.ScheduleEntry(cron: try CronSchedule("0 18 * * MON-FRI", timeZone: berlin), min: 6, line: 13),
        ]
        let policy = Self.policy(min: 6, schedule: schedule)
        // 08:30 in Berlin (07:30 UTC) on a Tuesday: the 08:00 entry is in force.
        let morning = Date(timeIntervalSince1970: 1_796_110_200)
        let raised = Self.decide(policy, Self.brokers(6), shares: [(0, 0.5)], at: morning)
        #expect(raised.floor == 12)
        #expect(raised.action == .scaleOut && raised.count == 6)
        #expect(raised.reason.schedule?.entry == 0)
        #expect(raised.reason.schedule?.line == 12)
        #expect(raised.reason.schedule?.firedAt == "2026-12-01T07:00:00Z")
        // 07:30 in Berlin: Monday's 18:00 entry is the last to have fired.
        let early = Self.decide(policy, Self.brokers(6), shares: [(0, 0.5)], at: morning.addingTimeInterval(-3600))
        #expect(early.floor == 6 && early.action == .none)
        // A schedule floor stops a scale-in the signals want, and says so.
        let held = Self.decide(policy, Self.brokers(12), shares: [(0, 0.1)], at: morning)
        #expect(held.action == .none && held.blockedBy.map(\.kind) == [.schedule])
    }

    @Test func aDesiredEntrySetsTheSizeOfASignalLessPolicy() throws {
        let utc = try #require(TimeZone(identifier: "UTC"))
        let policy = AutoscalePolicy(brokers: .init(min: 3, max: 12), schedule: [
            AutoscalePolicy.ScheduleEntry(cron: try CronSchedule("0 8 * * *", timeZone: utc), desired: 9),
            AutoscalePolicy.ScheduleEntry(cron: try CronSchedule("0 20 * * *", timeZone: utc), desired: 3),
        ])
        let noon = AutoscaleDecision.decide(AutoscaleInput(policy: policy, window: SignalWindow([]), brokers: Self.brokers(6), replicaSets: [], now: Self.now))
        #expect(noon.action == .scaleOut && noon.count == 3)
        let night = AutoscaleDecision.decide(AutoscaleInput(policy: policy, window: SignalWindow([]), brokers: Self.brokers(9), replicaSets: [],
                                                            now: Self.now.addingTimeInterval(10 * 3600)))
        #expect(night.action == .scaleIn && night.count == 3)
        #expect(night.reason.schedule?.entry == 1)
    }

    @Test func scaleInTakesTheLightestBrokerOfTheMostPopulatedRacks() {
        // Racks a: 1, 4, 7, 10; b: 2, 5, 8; c: 3, 6, 9. Broker 4 holds least in a, 8 least in b.
        let brokers = Self.brokers(10)
        let bytes: [BrokerID: Int64] = [1: 500, 4: 100, 7: 300, 10: 400, 2: 300, 5: 900, 8: 200, 3: 50, 6: 60, 9: 70]
        let decision = Self.decide(Self.policy(), brokers, shares: Self.steadyLow, bytes: bytes)
        #expect(decision.action == .scaleIn)
        // a (4 brokers) gives 4; then a, b, c have 3 each and a goes first by name: 7 (300) is lighter than 1 and 10; then b gives 8.
        #expect(decision.brokers == [.init(id: 4, rack: "a"), .init(id: 7, rack: "a"), .init(id: 8, rack: "b")])
        #expect(decision.signals["network_in"]?.predictedAfterScaleIn == 0.1 * 10 / 7)
    }

    @Test func aScaleInNeverBreaksAPartitionsRackRule() {
        // Racks a: 1, 4; b: 2; c: 3. RF-3 partitions need all three racks: only broker 1 or 4 can go.
        let brokers = Self.brokers(4)
        let decision = Self.decide(Self.policy(min: 1), brokers, shares: Self.steadyLow, replicaSets: [[1, 2, 3], [4, 2, 3]])
        #expect(decision.action == .scaleIn)
        #expect(decision.brokers.map(\.id) == [4])
        #expect(decision.reason.summary.contains("1 of 3 brokers"))
        // With RF 2 across 3 racks, a rack may go.
        let looser = Self.decide(Self.policy(min: 1), brokers, shares: Self.steadyLow, replicaSets: [[1, 2], [4, 3]])
        #expect(looser.brokers.count == 2)
        // Three brokers, three racks, RF 3: none can go.
        let none = Self.decide(Self.policy(min: 1), Self.brokers(3), shares: Self.steadyLow, replicaSets: [[1, 2, 3]])
        #expect(none.action == .none && none.blockedBy.map(\.kind) == [.rackRule])
    }

    @Test func aScaleInThatWouldCauseTheNextScaleOutIsRefused() {
        // 25% on 6 brokers is 50% on 3: below in_below now, but not 10 points under out_above 55%.
        let policy = Self.policy(inBelow: 0.3, outAbove: 0.55)
        let decision = Self.decide(policy, Self.brokers(6), shares: [(9, 0.25), (5, 0.2), (0, 0.2)])
        #expect(decision.action == .none)
        #expect(decision.blockedBy.map(\.kind) == [.predictedLoad])
        #expect(decision.signals["network_in"]?.predictedAfterScaleIn == 0.5)
        #expect(decision.blockedBy.first?.detail.contains("network_in would be 50% on 3 brokers, not below 45%") == true)
        // With more brokers the same share spreads thinner: 20% on 12 is 26.7% on 9, under 45%.
        let wide = Self.decide(policy, Self.brokers(12), shares: [(9, 0.2), (0, 0.2)])
        #expect(wide.action == .scaleIn && wide.count == 3)
    }

    @Test func unknownAndDiskSignalsNeverAllowAScaleIn() {
        let diskOnly = AutoscalePolicy(brokers: .init(min: 3, max: 24), signals: [AutoscalePolicy.Signal(kind: .disk, outAbove: 0.75)])
        let brokers = Self.brokers(6)
        let decision = AutoscaleDecision.decide(AutoscaleInput(policy: diskOnly, window: SignalWindow([Self.sample(0, share: 0.1, brokers: brokers)]),
                                                               brokers: brokers, replicaSets: [], now: Self.now))
        // No disk capacity in the sample: unknown, and disk is never a scale-in signal anyway.
        #expect(decision.action == .none)
        #expect(decision.signals["disk"]?.state == .unknown)
        let cpu = AutoscalePolicy(brokers: .init(min: 3, max: 24), signals: [
            AutoscalePolicy.Signal(kind: .networkIn, outAbove: 0.7, inBelow: 0.3),
            AutoscalePolicy.Signal(kind: .cpu, outAbove: 0.6, inBelow: 0.2, prometheus: "up"),
        ])
        let blind = AutoscaleDecision.decide(AutoscaleInput(policy: cpu, window: SignalWindow([Self.sample(0, share: 0.1, brokers: brokers)]),
                                                            brokers: brokers, replicaSets: [], now: Self.now))
        #expect(blind.action == .none)
        #expect(blind.signals["cpu"]?.state == .unknown)
    }

    @Test func aSnapshotSampleReadsTheLoadModel() {
        let snapshot = ClusterSnapshot(
            brokers: [Broker(id: 1, diskTotalBytes: 1000, networkInCapacity: 100, networkOutCapacity: 100),
                      Broker(id: 2, diskTotalBytes: 1000, networkInCapacity: 100, networkOutCapacity: 100)],
            topics: [TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1, 2], size: 300, leader: 1,
                                                                       bytesInPerSec: 40, bytesOutPerSec: 20)])])
        let sample = AutoscaleSample(snapshot: snapshot, at: Self.now)
        // In: 40 on each replica = 80 of 200. Out: 40 to the follower + 20 consumed = 60 of 200. Disk 600 of 2000.
        #expect(sample.value(of: .networkIn) == 0.4)
        #expect(sample.value(of: .networkOut) == 0.3)
        #expect(sample.value(of: .disk) == 0.3)
        #expect(sample.value(of: .partitionsPerBroker) == 1)
        #expect(sample.predicted(.networkIn, without: [2]) == 0.8)
        let window = SignalWindow.evenlySpaced([snapshot, snapshot], endingAt: Self.now, interval: 60)
        #expect(window.samples.map(\.at) == [Self.now.addingTimeInterval(-60), Self.now])
    }
}
