import KafkaAdmin
import KScaleCore
import Testing
@testable import KScaleExec

/// The run record's pure rules on records built by hand: which claim drives, who is refused, and
/// which rate is the operator's own.
struct RunOverlapTests {
    static func record(_ runID: String, host: String = "ops-1", dir: String = "state-a/.kscale/runs/x", brokers: Set<BrokerID>,
                       partitions: Set<TopicPartition> = [], state: RunRecord.State = .running, rate: Int64? = 10_000_000,
                       replaced: [RunRecord.ReplacedRate] = []) -> RunRecord {
        RunRecord(runID: runID, host: host, stateDir: dir, planDigest: runID, brokers: brokers, partitions: partitions, state: state,
                  rate: rate, replaced: replaced, at: 0)
    }

    let orders0 = TopicPartition("orders", 0)
    let orders1 = TopicPartition("orders", 1)

    @Test func theEarlierOverlappingClaimDrivesAndTheLaterIsRefused() {
        let first = Self.record("aaaa", host: "ops-1", brokers: [1, 2, 3], partitions: [orders0])
        let second = Self.record("bbbb", host: "ops-2", dir: "state-b/.kscale/runs/y", brokers: [3, 4], partitions: [orders1])
        let log = [RunRecordEntry(offset: 0, record: first), RunRecordEntry(offset: 1, record: second)]
        #expect(RunOverlap.conflicts(first, myClaimOffset: 0, records: log).isEmpty)
        let refused = RunOverlap.conflicts(second, myClaimOffset: 1, records: log)
        #expect(refused.map(\.owner.claim) == [first.claim])
        #expect(refused.first?.brokers == [3])
        #expect(refused.first?.partitions == [])
        let message = refused.first?.message ?? ""
        #expect(message.contains("run aaaa on host ops-1"))
        #expect(message.contains("brokers 3"))
        #expect(message.contains("nothing was changed"))
    }

    @Test func theSamePlanFromTwoStateDirsIsTwoClaims() {
        let mine = Self.record("aaaa", dir: "state-a/runs/aaaa", brokers: [1, 2], partitions: [orders0])
        let theirs = Self.record("aaaa", host: "ops-2", dir: "state-b/runs/aaaa", brokers: [1, 2], partitions: [orders0])
        #expect(mine.claim != theirs.claim)
        let log = [RunRecordEntry(offset: 5, record: theirs), RunRecordEntry(offset: 6, record: mine)]
        let refused = RunOverlap.conflicts(mine, myClaimOffset: 6, records: log)
        #expect(refused.first?.owner.host == "ops-2")
        #expect(refused.first?.partitions == [orders0.description])
    }

    @Test func endedRefusedAndDisjointClaimsDoNotConflict() {
        let finished = Self.record("f", brokers: [1])
        let cancelled = Self.record("c", brokers: [1], state: .cancelled)
        let refused = Self.record("r", brokers: [1], state: .refused)
        let elsewhere = Self.record("e", brokers: [7, 8], partitions: [orders1])
        var ended = finished
        ended.state = .finished
        let log = [RunRecordEntry(offset: 0, record: finished), RunRecordEntry(offset: 1, record: cancelled), RunRecordEntry(offset: 2, record: refused),
                   RunRecordEntry(offset: 3, record: elsewhere), RunRecordEntry(offset: 4, record: ended)]
        let mine = Self.record("m", brokers: [1, 2], partitions: [orders0])
        #expect(RunOverlap.conflicts(mine, myClaimOffset: 9, records: log).isEmpty)
        // A dry run (no claim written) judges against every running claim, later ones too.
        let later = Self.record("l", brokers: [2])
        #expect(RunOverlap.conflicts(mine, myClaimOffset: 9, records: log + [RunRecordEntry(offset: 10, record: later)]).isEmpty)
        #expect(RunOverlap.conflicts(mine, myClaimOffset: nil, records: log + [RunRecordEntry(offset: 10, record: later)]).map(\.owner.runID) == ["l"])
    }

    /// A command about to act on brokers and partitions, with no claim of its own (a lifecycle
    /// flow before its first change, a preflight naming who moves its partitions): every running
    /// claim holding any of them, the earliest first, except this host's runs in its own dirs.
    @Test func conflictsOfBrokersAndPartitionsLeaveOutOnlyThisHostsOwnRuns() {
        let ownDir = "/state/runs/aaaa"
        let mine = Self.record("aaaa", host: "ops-1", dir: ownDir, brokers: [1, 2], partitions: [orders0])
        // The same dir spelled another way is still this host's own run.
        let mineAgain = Self.record("bbbb", host: "ops-1", dir: "/state/runs/../runs/aaaa/", brokers: [2])
        // The same dir on another host is another run.
        let sameDirElsewhere = Self.record("cccc", host: "ops-2", dir: ownDir, brokers: [2, 3])
        let partitionsOnly = Self.record("dddd", host: "ops-3", dir: "/x", brokers: [8], partitions: [orders0, orders1])
        let disjoint = Self.record("eeee", host: "ops-4", dir: "/y", brokers: [9], partitions: [orders1])
        let ended = Self.record("ffff", host: "ops-5", dir: "/z", brokers: [1], state: .finished)
        let log = [partitionsOnly, sameDirElsewhere, mine, mineAgain, disjoint, ended].enumerated().map {
            RunRecordEntry(offset: Int64($0.offset), record: $0.element)
        }
        let found = RunOverlap.conflicts(brokers: [1, 2, 3], partitions: [orders0], host: "ops-1", excludingRunsIn: [ownDir], records: log)
        #expect(found.map(\.owner.runID) == ["dddd", "cccc"])
        #expect(found.first?.brokers == [] && found.first?.partitions == [orders0.description])
        #expect(found.last?.brokers == [2, 3] && found.last?.partitions == [])
        // Without own dirs, this host's runs count like any other.
        #expect(RunOverlap.conflicts(brokers: [1], partitions: [], host: "ops-1", excludingRunsIn: [], records: log).map(\.owner.runID) == ["aaaa"])
        // A claim ended after its running record holds nothing.
        var finished = sameDirElsewhere
        finished.state = .finished
        let later = log + [RunRecordEntry(offset: 9, record: finished)]
        #expect(RunOverlap.conflicts(brokers: [3], partitions: [], host: "ops-1", excludingRunsIn: [ownDir], records: later).isEmpty)
    }

    /// What `kscale status` lists: each running claim (any host's) once, with when its claim began,
    /// the earliest claim first; ended claims not at all.
    @Test func runsInFlightStartWhenTheirClaimBegan() {
        var first = Self.record("aaaa", host: "ops-2", brokers: [1, 2])
        first.at = 100
        var firstAgain = first                      // resumed later: the same claim, its place kept
        firstAgain.at = 500
        firstAgain.claimOffset = 3
        var second = Self.record("bbbb", host: "ops-1", dir: "/runs/bbbb", brokers: [7])
        second.at = 200
        var done = Self.record("cccc", host: "ops-3", brokers: [4])
        done.at = 50
        var doneEnded = done
        doneEnded.state = .finished
        var rerun = Self.record("dddd", host: "ops-1", dir: "/runs/dddd", brokers: [5])
        rerun.at = 10
        var rerunEnded = rerun
        rerunEnded.state = .finished
        var rerunAgain = rerun                      // a new claim after the first ended
        rerunAgain.at = 700
        let log = [RunRecordEntry(offset: 1, record: done), RunRecordEntry(offset: 2, record: rerun), RunRecordEntry(offset: 3, record: first),
                   RunRecordEntry(offset: 4, record: doneEnded), RunRecordEntry(offset: 5, record: second), RunRecordEntry(offset: 6, record: rerunEnded),
                   RunRecordEntry(offset: 7, record: firstAgain), RunRecordEntry(offset: 8, record: rerunAgain)]
        let runs = RunOverlap.inFlight(log)
        #expect(runs.map(\.record.runID) == ["aaaa", "bbbb", "dddd"])
        #expect(runs.map(\.started) == [100, 200, 700])
        #expect(runs.map(\.claimOffset) == [3, 5, 8])
        #expect(runs.first?.record.at == 500)       // the latest record, started at the first
        // Compacted: only the resumed record is left; it started as far back as the log shows.
        #expect(RunOverlap.inFlight([RunRecordEntry(offset: 7, record: firstAgain)]).map(\.started) == [500])
    }

    @Test func aContinuedClaimKeepsWhereItBegan() {
        let mine = Self.record("m", brokers: [1])
        let other = Self.record("o", host: "ops-2", brokers: [1])
        // Mine claimed at 2 and died; the other claims at 3; mine resumes, carrying where it began.
        let before = [RunRecordEntry(offset: 2, record: mine), RunRecordEntry(offset: 3, record: other)]
        let begins = RunOverlap.continuedClaimOffset(of: mine, records: before)
        #expect(begins == 2)
        var resumed = mine
        resumed.claimOffset = begins
        let log = before + [RunRecordEntry(offset: 7, record: resumed)]
        #expect(RunOverlap.conflicts(resumed, myClaimOffset: 2, records: log).isEmpty)
        // The other, judging after mine's resume was written, still loses to mine's first claim.
        #expect(RunOverlap.conflicts(other, myClaimOffset: 3, records: log).map(\.owner.runID) == ["m"])
        // After a finished run, the same claim starts over, where it is written.
        var ended = mine
        ended.state = .finished
        #expect(RunOverlap.continuedClaimOffset(of: mine, records: [RunRecordEntry(offset: 2, record: ended)]) == nil)
    }

    @Test func theOperatorsOwnRateIsCarriedOverFromTheRunThatReplacedIt() {
        let rate = ThrottleKeys.leaderRate
        let known = [
            RunOverlap.KnownRate(broker: 1, key: rate, value: "10000000", previous: "99000000"),
            // A second run that (before this fix) recorded the first's rate as its previous.
            RunOverlap.KnownRate(broker: 1, key: rate, value: "20000000", previous: "10000000"),
            RunOverlap.KnownRate(broker: 2, key: rate, value: "10000000", previous: nil),
        ]
        #expect(RunOverlap.operatorOriginal(broker: 1, key: rate, current: "10000000", known: known) == "99000000")
        #expect(RunOverlap.operatorOriginal(broker: 1, key: rate, current: "20000000", known: known) == "99000000")
        #expect(RunOverlap.operatorOriginal(broker: 2, key: rate, current: "10000000", known: known) == nil)
        #expect(RunOverlap.operatorOriginal(broker: 3, key: rate, current: "10000000", known: known) == "10000000")
        #expect(RunOverlap.operatorOriginal(broker: 1, key: rate, current: "77000000", known: known) == "77000000")
        #expect(RunOverlap.operatorOriginal(broker: 1, key: ThrottleKeys.followerRate, current: "10000000", known: known) == "10000000")
        // Two runs that recorded each other's rate: the loop ends.
        let loop = [RunOverlap.KnownRate(broker: 1, key: rate, value: "1", previous: "2"), RunOverlap.KnownRate(broker: 1, key: rate, value: "2", previous: "1")]
        #expect(["1", "2"].contains(RunOverlap.operatorOriginal(broker: 1, key: rate, current: "1", known: loop)))
    }

    /// A run that replaced an unreadable (sensitive, 2.4-2.5) rate hands "unknown" on: a second run
    /// over it finds the operator's rate unknown, not unset, so it never deletes it; and the record
    /// carries that through its bytes.
    @Test func anUnreadableOriginalStaysUnknownThroughAnotherRun() throws {
        let rate = ThrottleKeys.leaderRate
        let first = RunOverlap.KnownRate(broker: 1, key: rate, value: "10000000", previous: nil, previousUnknown: true)
        #expect(RunOverlap.operatorRate(broker: 1, key: rate, current: "10000000", known: [first]) == .unknown)
        #expect(RunOverlap.operatorRate(broker: 1, key: rate, current: "99000000", known: [first]) == .value("99000000"))
        #expect(RunOverlap.operatorRate(broker: 1, key: rate, current: nil, known: [first]) == .value(nil))
        let replaced = [RunRecord.ReplacedRate(broker: 1, key: rate, original: .unknown)]
        let record = Self.record("a", brokers: [1], replaced: replaced)
        let back = try #require(RunRecord.decode(try record.encoded()))
        #expect(RunOverlap.knownRates([RunRecordEntry(offset: 0, record: back)]) == [first])
    }

    /// Only running claims hold rates: an ended claim restored its rates before it ended, so the
    /// same value on a broker today (the operator's, set since) is not kscale's.
    @Test func knownRatesComeOnlyFromRunsStillHoldingThem() {
        let replaced = [RunRecord.ReplacedRate(broker: 4, key: ThrottleKeys.followerRate, previous: "77000000")]
        let log = [
            RunRecordEntry(offset: 0, record: Self.record("a", brokers: [4], state: .running, replaced: replaced)),
            RunRecordEntry(offset: 1, record: Self.record("f", brokers: [4], state: .finished, replaced: replaced)),
            RunRecordEntry(offset: 2, record: Self.record("c", brokers: [4], state: .cancelled, replaced: replaced)),
            RunRecordEntry(offset: 3, record: Self.record("r", brokers: [4], state: .refused, replaced: replaced)),
            RunRecordEntry(offset: 4, record: Self.record("u", brokers: [4], rate: nil)),
        ]
        #expect(RunOverlap.knownRates(log) == [RunOverlap.KnownRate(broker: 4, key: ThrottleKeys.followerRate, value: "10000000", previous: "77000000")])
    }

    @Test func aRecordRoundTripsThroughItsBytes() throws {
        var record = Self.record("0123456789abcdef", brokers: [3, 1, 2], partitions: [orders1, orders0],
                                 replaced: [.init(broker: 1, key: ThrottleKeys.leaderRate, previous: "99000000"), .init(broker: 2, key: ThrottleKeys.leaderRate, previous: nil)])
        record.claimOffset = 41
        let bytes = try record.encoded()
        #expect(RunRecord.decode(bytes) == record)
        #expect(record.brokers == [1, 2, 3])
        #expect(record.partitions == ["orders-0", "orders-1"])
        #expect(RunRecord.decode(Array("not a run record".utf8)) == nil)
        #expect(record.claim == "0123456789abcdef@ops-1:state-a/.kscale/runs/x")
    }
}
