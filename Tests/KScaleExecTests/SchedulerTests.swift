import Testing
import KScaleCore
@testable import KScaleExec

@Suite struct SchedulerTests {
    func move(_ p: Int32, _ from: [BrokerID], _ to: [BrokerID], _ bytes: Int64 = 100) -> Move {
        Move(tp: TopicPartition("t", p), from: from, to: to, bytes: bytes)
    }

    @Test func perBrokerCapCountsSendersAndReceivers() {
        let s = MoveScheduler(maxPerBroker: 2, maxTotal: 100)
        // Broker 1 sends in all three; only two may start.
        let pending = [move(0, [1, 2], [4, 2]), move(1, [1, 3], [5, 3]), move(2, [1, 2], [6, 2])]
        let next = s.next(pending: pending, inFlight: [])
        #expect(next.map(\.tp.partition) == [0, 1])
    }

    @Test func blockedMoveDoesNotHoldBackLaterOnes() {
        let s = MoveScheduler(maxPerBroker: 1, maxTotal: 100)
        let busy = [move(9, [1, 2], [4, 2])]
        let pending = [move(0, [1, 3], [5, 3]), move(1, [2, 3], [6, 3])]
        // Partition 0 needs broker 1 (busy); partition 1 uses 3 and 6... but 2 stays, only 3->6 counts.
        let next = s.next(pending: pending, inFlight: busy)
        #expect(next.map(\.tp.partition) == [1])
    }

    /// A later disk-peak stage waits until every move of the stages before it has ended, and
    /// sorts after them whatever the order.
    @Test func aLaterDiskPeakStageWaitsForTheEarlierOnes() {
        let s = MoveScheduler(maxPerBroker: 10, maxTotal: 10)
        var late = move(0, [3], [1], 10)
        late.stage = 1
        let early = move(1, [1], [2], 300)
        #expect(MoveScheduler.sorted([late, early], by: .smallestFirst).map(\.tp.partition) == [1, 0])
        #expect(s.next(pending: [late, early], inFlight: []).map(\.tp.partition) == [1])
        #expect(s.next(pending: [late], inFlight: [early]).isEmpty)
        #expect(s.next(pending: [late], inFlight: []).map(\.tp.partition) == [0])
    }

    @Test func clusterCapLimitsTotal() {
        let s = MoveScheduler(maxPerBroker: 10, maxTotal: 3)
        let pending = (0..<10).map { move(Int32($0), [BrokerID($0)], [BrokerID(100 + $0)]) }
        #expect(s.next(pending: pending, inFlight: [pending[9]]).count == 2)
    }

    @Test func ordersSortAsNamed() {
        var a = move(0, [1], [2], 300), b = move(1, [1], [3], 100), c = move(2, [1], [4], 200)
        c.atRisk = true
        #expect(MoveScheduler.sorted([a, b, c], by: .smallestFirst).map(\.tp.partition) == [1, 2, 0])
        #expect(MoveScheduler.sorted([a, b, c], by: .largestFirst).map(\.tp.partition) == [0, 2, 1])
        #expect(MoveScheduler.sorted([a, b, c], by: .riskFirst).map(\.tp.partition) == [2, 0, 1])
        a.atRisk = true
        #expect(MoveScheduler.sorted([a, b, c], by: .riskFirst).map(\.tp.partition) == [0, 2, 1])
    }

    @Test func estimateMeetsTheBoundForOneReceiver() {
        // Three 100 MB moves into broker 9 from three senders at 10 MB/s: 30 s, the bound.
        let moves = (0..<3).map { move(Int32($0), [BrokerID($0 + 1)], [9], 100_000_000) }
        let e = RunEstimate.simulate(moves: moves, throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100), order: .largestFirst)
        #expect(abs(e.lowerBoundSeconds - 30) < 1e-6)
        #expect(abs(e.seconds - 30) < 1e-3)
        #expect(e.waves.count == 1)
    }

    @Test func estimateWithCapStartsLaterWaves() {
        let moves = (0..<4).map { move(Int32($0), [BrokerID($0 + 1)], [9], 100_000_000) }
        let e = RunEstimate.simulate(moves: moves, throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 1, maxTotal: 100), order: .largestFirst)
        #expect(e.waves.count == 4)
        #expect(abs(e.seconds - 40) < 1e-3)
    }

    /// A replica of a busy partition copies its size plus what is written meanwhile: at throttle T
    /// and produce rate r it catches up after size / (T - r), in the simulation and in the bound.
    @Test func estimateCountsTheProduceRate() {
        // 100 MB at 10 MB/s, written at 2 MB/s: 100 / 8 = 12.5 s, not 10 s.
        var busy = move(0, [1], [9], 100_000_000)
        busy.produceRate = 2_000_000
        #expect(abs(busy.copySeconds(at: 10_000_000) - 12.5) < 1e-9)
        let alone = RunEstimate.simulate(moves: [busy], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100), order: .largestFirst)
        #expect(abs(alone.seconds - 12.5) < 1e-6)
        #expect(abs(alone.lowerBoundSeconds - 12.5) < 1e-6)
        #expect(alone.neverCatchUp.isEmpty)

        // Sharing broker 9's throttle with a quiet 100 MB copy: each gets 5 MB/s; the busy one
        // gains 3 MB/s, the quiet one 5 MB/s and ends at 20 s (100 MB); the busy one then has
        // 100 - 60 = 40 MB left at 8 MB/s: 5 s more, 25 s in all. The bound: 10 s + 12.5 s.
        let quiet = move(1, [2], [9], 100_000_000)
        let shared = RunEstimate.simulate(moves: [busy, quiet], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100), order: .largestFirst)
        #expect(abs(shared.seconds - 25) < 1e-6, "\(shared.seconds)")
        #expect(abs(shared.lowerBoundSeconds - 22.5) < 1e-6, "\(shared.lowerBoundSeconds)")
        #expect(TransferBound(moves: [busy, quiet]).seconds(throttle: 10_000_000) == shared.lowerBoundSeconds)
        // The sender's side counts it too: broker 1 sends two copies of the busy partition.
        var twice = move(2, [1, 2], [5, 6], 100_000_000)
        twice.leader = 1
        twice.produceRate = 2_000_000
        #expect(abs(TransferBound(moves: [twice]).seconds(throttle: 10_000_000) - 25) < 1e-6)

        // Without rates, bytes / throttle as before.
        #expect(abs(RunEstimate.simulate(moves: [quiet], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100),
                                         order: .largestFirst).seconds - 10) < 1e-6)
    }

    /// A partition written at the throttle or faster never catches up: reported, left out of the
    /// duration; and two copies that each get less than their produce rate stall each other.
    @Test func estimateNamesCopiesThatNeverCatchUp() {
        var flooded = move(0, [1], [9], 100_000_000)
        flooded.produceRate = 12_000_000
        let quiet = move(1, [2], [8], 50_000_000)
        let e = RunEstimate.simulate(moves: [flooded, quiet], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100), order: .largestFirst)
        #expect(e.neverCatchUp == [TopicPartition("t", 0)])
        #expect(abs(e.seconds - 5) < 1e-6)
        #expect(abs(e.lowerBoundSeconds - 5) < 1e-6, "the bound leaves it out too")
        #expect(flooded.copySeconds(at: 10_000_000) == .infinity)

        var a = move(2, [1], [9], 100_000_000), b = move(3, [2], [9], 100_000_000)
        a.produceRate = 6_000_000
        b.produceRate = 6_000_000
        let stalled = RunEstimate.simulate(moves: [a, b], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 100), order: .largestFirst)
        #expect(stalled.neverCatchUp == [TopicPartition("t", 2), TopicPartition("t", 3)])
        // One at a time each catches up: 100 / 4 = 25 s apiece.
        let paced = RunEstimate.simulate(moves: [a, b], throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 1, maxTotal: 100), order: .largestFirst)
        #expect(paced.neverCatchUp.isEmpty)
        #expect(abs(paced.seconds - 50) < 1e-6)
    }

    /// The rates come from a sampled snapshot's bytes_in_per_sec, partition by partition.
    @Test func produceRatesFromASampledSnapshot() {
        let snapshot = ClusterSnapshot(brokers: [Broker(id: 1), Broker(id: 9)], topics: [
            TopicState(name: "t", partitions: [PartitionState(partition: 0, replicas: [1], size: 100, bytesInPerSec: 7_000)]),
        ])
        let moves = [move(0, [1], [9]), move(1, [1], [9])].withProduceRates(from: snapshot)
        #expect(moves.map(\.produceRate) == [7_000, 0])
        let plan = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [9])])
        #expect(Move.moves(of: plan, from: snapshot).map(\.produceRate) == [7_000])
    }

    @Test func autoThrottleRangeParses() throws {
        let (lo, hi) = try RunOptions.parseRange("10MB/s..100MB/s")
        #expect(lo == 10_000_000 && hi == 100_000_000)
        #expect(throws: InvalidInput.self) { try RunOptions.parseRange("100MB/s..10MB/s") }
        #expect(throws: InvalidInput.self) { try RunOptions.parseRange("fast") }
    }
}

/// Byte pacing (issue 16): a broker takes moves while the bytes in flight on it would end within
/// the horizon at its throttle, or while it copies below the throttle; counts are upper limits.
@Suite struct BytePacingTests {
    func move(_ p: Int32, _ from: [BrokerID], _ to: [BrokerID], _ bytes: Int64) -> Move {
        Move(tp: TopicPartition("t", p), from: from, to: to, bytes: bytes, leader: from.first)
    }
    /// 10 MB/s for 10 s: 100 MB kept in flight per broker and direction.
    let pacing = MoveScheduler.BytePacing(throttle: 10_000_000, horizon: 10)

    @Test func aReceiverTakesMovesUntilItsBytesFillTheHorizon() {
        let s = MoveScheduler(maxPerBroker: nil, maxTotal: nil, pacing: pacing)
        // Forty 10 MB moves into broker 9 from forty senders: ten fill 100 MB, whatever a count cap would say.
        let pending = (0..<40).map { move(Int32($0), [BrokerID(100 + $0)], [9], 10_000_000) }
        #expect(s.next(pending: pending, inFlight: []).count == 10)
        // One 1 GB move is more than the horizon: it starts alone, and nothing joins it until it is nearly done.
        let big = move(99, [200], [9], 1_000_000_000)
        #expect(s.next(pending: [big] + pending, inFlight: []).map(\.tp.partition) == [99])
        #expect(s.next(pending: pending, inFlight: [big], reading: .init(held: [big.tp: [9: 500_000_000]])).isEmpty)
        let nearlyDone = MoveScheduler.Reading(held: [big.tp: [9: 950_000_000]])
        #expect(s.next(pending: pending, inFlight: [big], reading: nearlyDone).count == 5)   // 50 MB left + five 10 MB moves reach 100 MB
    }

    /// The default order starts first the moves through the broker with the most bytes left:
    /// broker 2 sends 120 MB in all, more than anyone receives or sends, so its two moves go
    /// before the larger one from broker 1. smallest-first keeps its own order.
    @Test func theBoundsBrokerGoesFirstInTheDefaultOrder() throws {
        let large = move(0, [1], [7], 100_000_000), first = move(1, [2], [8], 60_000_000), second = move(2, [2], [9], 60_000_000)
        let pending = [large, first, second]
        let options = RunOptions(throttle: pacing.throttle, pollInterval: pacing.horizon / MoveScheduler.BytePacing.pollsAhead)
        let scheduler = MoveScheduler(options: options, throttle: pacing.throttle)
        #expect(scheduler.boundFirst)
        #expect(scheduler.next(pending: pending, inFlight: []).map(\.tp.partition) == [1, 2, 0])
        #expect(MoveScheduler.boundFirst(pending, queuedIn: [:], queuedOut: [:]).map(\.tp.partition) == [1, 2, 0])
        // In flight counts too: 90 MB still to come into broker 7 puts the large move first.
        #expect(MoveScheduler.boundFirst(pending, queuedIn: [7: 90_000_000], queuedOut: [:]).map(\.tp.partition) == [0, 1, 2])
        var smallest = options
        smallest.order = .smallestFirst
        #expect(!MoveScheduler(options: smallest, throttle: pacing.throttle).boundFirst)
        #expect(!MoveScheduler(maxPerBroker: nil, maxTotal: nil, pacing: pacing).boundFirst)
    }

    @Test func theSenderIsPacedByWhatItSends() {
        let s = MoveScheduler(maxPerBroker: nil, maxTotal: nil, pacing: pacing)
        // Broker 1 leads them all and sends 30 MB each (to three new replicas 10 MB each): four fill its 100 MB.
        let pending: [Move] = (0..<10).map { (i: Int) -> Move in
            let first = BrokerID(10 + 3 * i)
            return move(Int32(i), [1], [first, first + 1, first + 2], 10_000_000)
        }
        #expect(s.next(pending: pending, inFlight: []).count == 4)
    }

    @Test func aBrokerCopyingBelowTheThrottleTakesOneMoreAPoll() {
        let s = MoveScheduler(maxPerBroker: nil, maxTotal: nil, pacing: pacing)
        let inFlight = [move(0, [1], [9], 150_000_000)]
        let pending = (1..<100).map { move(Int32($0), [BrokerID(100 + $0)], [9], 50_000_000) }
        // 150 MB queued on broker 9: full, unless it copies below 90% of its throttle.
        #expect(s.next(pending: pending, inFlight: inFlight, reading: .init(rateIn: [9: 10_000_000])).isEmpty)
        let slow = s.next(pending: pending, inFlight: inFlight, reading: .init(rateIn: [9: 4_000_000]))
        // One more a poll while it copies below the throttle, however much is queued.
        #expect(slow.count == 1)
        #expect(s.next(pending: pending, inFlight: inFlight + slow, reading: .init(rateIn: [9: 4_000_000])).count == 1)
        // The sender of that one must have room: a saturated sender gives none.
        let busySender = (1..<100).map { move(Int32($0), [1], [9], 50_000_000) }
        let saturated = MoveScheduler.Reading(rateIn: [9: 4_000_000], rateOut: [1: 10_000_000])
        #expect(s.next(pending: busySender, inFlight: inFlight, reading: saturated).isEmpty)
    }

    @Test func givenCountsStayUpperLimits() {
        let s = MoveScheduler(maxPerBroker: 3, maxTotal: nil, pacing: pacing)
        let pending = (0..<40).map { move(Int32($0), [BrokerID(100 + $0)], [9], 1_000_000) }
        #expect(s.next(pending: pending, inFlight: []).count == 3)
        let total = MoveScheduler(maxPerBroker: nil, maxTotal: 7, pacing: pacing)
        #expect(total.next(pending: pending, inFlight: []).count == 7)
    }

    @Test func withoutAThrottleTheOldDefaultsApply() {
        let options = RunOptions(pollInterval: 2)
        let unthrottled = MoveScheduler(options: options, throttle: nil)
        #expect(unthrottled.perBrokerCap == MoveScheduler.defaultMaxPerBroker && unthrottled.totalCap == MoveScheduler.defaultMaxTotal)
        let throttled = MoveScheduler(options: options, throttle: 50_000_000)
        #expect(throttled.perBrokerCap == nil && throttled.totalCap == nil)
        #expect(throttled.pacing == MoveScheduler.BytePacing(throttle: 50_000_000, horizon: 10))
        #expect(MoveScheduler(options: RunOptions(pollInterval: 5), throttle: 1).pacing?.horizon == 20)
    }

    /// Many small moves into one receiver: a cap of 5 leaves its throttle idle between polls, byte
    /// pacing keeps it at the bound (the estimate steps at the poll interval, as the executor does).
    @Test func theEstimateOfManySmallMovesReachesTheBound() {
        let moves = (0..<200).map { move(Int32($0), [BrokerID(100 + $0 % 20)], [9], 4_000_000) }
        let paced = RunEstimate.simulate(moves: moves, throttle: 10_000_000, scheduler: MoveScheduler(options: RunOptions(pollInterval: 2), throttle: 10_000_000), order: .largestFirst)
        #expect(abs(paced.lowerBoundSeconds - 80) < 1e-6)
        #expect(paced.seconds <= paced.lowerBoundSeconds * 1.02)
    }
}

/// Which moves may start: a dead broker the move removes never blocks it (issue 13 item 3).
@Suite struct WaitReasonTests {
    let move = Move(tp: TopicPartition("t", 0), from: [1, 2, 3], to: [2, 3, 4], bytes: 1)

    @Test func aDeadSourceBeingRemovedDoesNotBlock() {
        #expect(MoveScheduler.waitReason(move, alive: [2, 3, 4], leader: 2) == nil)
    }

    @Test func aDeadTargetOrNoLiveLeaderBlocksAndSaysWhy() {
        #expect(MoveScheduler.waitReason(move, alive: [1, 2, 3], leader: 1) == "target broker 4 is offline")
        #expect(MoveScheduler.waitReason(move, alive: [1, 4], leader: 1) == "target brokers 2, 3 are offline")
        #expect(MoveScheduler.waitReason(move, alive: [2, 3, 4], leader: nil) == "no live leader to copy from (broker 1 offline)")
        #expect(MoveScheduler.waitReason(move, alive: [2, 3, 4], leader: 1) == "no live leader to copy from (broker 1 offline)")
    }
}

/// Moving data on a live cluster needs a throttle, or `--no-throttle` said out loud.
@Suite struct RequiredThrottleTests {
    @Test func aRunWithoutAThrottleIsRefusedUnlessUnthrottledOnPurpose() throws {
        let error = #expect(throws: InvalidInput.self) { try RunOptions().requireThrottle(unthrottledOnPurpose: false) }
        #expect(error?.message.contains("--no-throttle") == true)
        try RunOptions().requireThrottle(unthrottledOnPurpose: true)
        try RunOptions(throttle: 1).requireThrottle(unthrottledOnPurpose: false)
        try RunOptions(autoThrottleMin: 1, autoThrottleMax: 2).requireThrottle(unthrottledOnPurpose: false)
        #expect(throws: InvalidInput.self) { try RunOptions(throttle: 1).requireThrottle(unthrottledOnPurpose: true) }
    }

    @Test func theTransferEstimateCountsBytesInAndOutPerBroker() {
        // Two 100 MB moves from leader 1 to new brokers 7 and 8, at 10 MB/s: 10 s each in parallel.
        let moves = [Move(tp: TopicPartition("t", 0), from: [1, 2], to: [7, 2], bytes: 100_000_000, leader: 1),
                     Move(tp: TopicPartition("t", 1), from: [1, 3], to: [8, 3], bytes: 100_000_000, leader: 1)]
        let estimate = TransferEstimate(moves: moves, throttle: 10_000_000, scheduler: MoveScheduler(maxPerBroker: 5, maxTotal: 10), order: .largestFirst)
        #expect(estimate.brokers == [.init(broker: 1, bytesIn: 0, bytesOut: 200_000_000), .init(broker: 7, bytesIn: 100_000_000, bytesOut: 0),
                                     .init(broker: 8, bytesIn: 100_000_000, bytesOut: 0)])
        #expect(estimate.lowerBoundSeconds == 20)   // broker 1 sends 200 MB at 10 MB/s
        #expect(estimate.seconds >= estimate.lowerBoundSeconds)
    }
}
