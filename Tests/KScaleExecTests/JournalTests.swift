import Foundation
import Testing
import KafkaAdmin
import KScaleCore
@testable import KScaleExec

func temporaryDirectory() -> String {
    let dir = NSTemporaryDirectory() + "kscale-exec-\(UUID().uuidString)"
    try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

@Suite struct JournalTests {
    func records() -> [JournalRecord] {
        var a = JournalRecord(.run, at: 1)
        a.runID = "abc"
        var b = JournalRecord(.rate, at: 2)
        b.broker = 3
        b.key = ThrottleKeys.leaderRate
        b.value = "1000"
        b.previous = "500"
        var c = JournalRecord(.partition, at: 3)
        c.topic = "t"
        c.partition = 0
        c.state = "submitted"
        c.to = [1, 2]
        return [a, b, c]
    }

    @Test func tornLastLineIsSkippedAndCutBeforeTheNextAppend() throws {
        let path = temporaryDirectory() + "/journal.jsonl"
        let j = try Journal(path: path)
        for r in records() { try j.append(r) }
        // A crash in the middle of a write leaves half a line.
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data("{\"type\":\"partition\",\"at\":4,\"topic\":\"t\",\"partit".utf8))
        h.closeFile()
        #expect(try Journal.read(path: path) == records())
        let reopened = try Journal(path: path)
        var d = JournalRecord(.end, at: 5)
        d.state = "completed"
        try reopened.append(d)
        #expect(try Journal.read(path: path) == records() + [d])
        let state = RunState(records: try Journal.read(path: path))
        #expect(state.ended == "completed")
        #expect(state.ledger.rates[.init(broker: 3, key: ThrottleKeys.leaderRate)]?.previous == "500")
        #expect(state.partitions[TopicPartition("t", 0)]?.phase == .submitted)
    }

    @Test func damagedMiddleLineIsRefused() throws {
        let path = temporaryDirectory() + "/journal.jsonl"
        let j = try Journal(path: path)
        try j.append(records()[0])
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data("garbage\n".utf8))
        h.closeFile()
        try j.append(records()[1])
        #expect(throws: InvalidInput.self) { try Journal.read(path: path) }
    }

    @Test func ledgerKeepsTheFirstPreviousValueAndForgetsRemovedEntries() {
        var l = ThrottleLedger()
        var r1 = JournalRecord(.rate, at: 1)
        r1.broker = 1; r1.key = ThrottleKeys.leaderRate; r1.value = "10"; r1.previous = nil
        var r2 = r1
        r2.value = "20"; r2.previous = "10"
        l.apply(r1); l.apply(r2)
        #expect(l.rates[.init(broker: 1, key: ThrottleKeys.leaderRate)] == .init(previous: nil, current: "20"))
        var e = JournalRecord(.replicas, at: 1)
        e.topic = "t"; e.partition = 0; e.key = ThrottleKeys.leaderReplicas; e.entries = ["0:1", "0:2"]
        l.apply(e)
        #expect(!l.isEmpty)
        var x = e
        x.type = .replicasRemoved
        l.apply(x)
        var rr = JournalRecord(.rateRestored, at: 2)
        rr.broker = 1; rr.key = ThrottleKeys.leaderRate
        l.apply(rr)
        #expect(l.isEmpty)
    }

    @Test func runIDDependsOnlyOnThePlan() {
        let p = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [1, 2])])
        let q = ReassignmentPlan(partitions: [PartitionAssignment(topic: "t", partition: 0, replicas: [2, 1])])
        #expect(RunDirectory.runID(for: p) == RunDirectory.runID(for: p))
        #expect(RunDirectory.runID(for: p) != RunDirectory.runID(for: q))
        #expect(RunDirectory.runID(for: p).count == 16)
    }

    @Test func lockIsExclusive() throws {
        let dir = temporaryDirectory()
        let lock = try RunLock(directory: dir)
        #expect(RunLock.isHeld(directory: dir))
        #expect(throws: Refusal.self) { try RunLock(directory: dir) }
        _ = lock
    }
}
