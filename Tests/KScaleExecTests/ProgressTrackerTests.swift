import Testing
import KScaleCore
@testable import KScaleExec

/// Stall causes from successive polls, each cause on the samples that produce it.
@Suite struct ProgressTrackerTests {
    let tp = TopicPartition("orders", 3)

    /// Polls every 10 s with the same sample until the 30 s timeout; returns the first stall.
    func firstStall(_ sample: ProgressTracker.Sample, growing: Int64 = 0) -> Stall? {
        var tracker = ProgressTracker()
        for i in 0...4 {
            var s = sample
            s.leaderSize += growing * Int64(i)
            s.gap += growing * Int64(i)
            let (new, _) = tracker.update(now: Double(i * 10), copied: 0, partitions: [tp: s], timeout: 30, throttle: 1_000_000)
            if let stall = new.first { return stall }
        }
        return nil
    }

    @Test func caughtUpButOutOfTheISR() throws {
        let stall = try #require(firstStall(.init(gap: 0, leaderSize: 500, offline: [], notInISR: [8])))
        #expect(stall.reason == "broker 8 has copied the data but is not joining the ISR")
    }

    @Test func offlineTargetComesFirst() throws {
        let stall = try #require(firstStall(.init(gap: 100, leaderSize: 500, offline: [7], notInISR: [7])))
        #expect(stall.reason == "target broker 7 is offline")
    }

    @Test func throttleBelowIngest() throws {
        let stall = try #require(firstStall(.init(gap: 100, leaderSize: 500, offline: [], notInISR: [7]), growing: 20))
        #expect(stall.reason.contains("below the partition's ingest rate"))
    }

    @Test func progressIsNoStall() {
        var tracker = ProgressTracker()
        for i in 0...6 {
            let s = ProgressTracker.Sample(gap: Int64(1000 - i * 100), leaderSize: 1000, offline: [], notInISR: [7])
            #expect(tracker.update(now: Double(i * 10), copied: Int64(i * 100), partitions: [tp: s], timeout: 30, throttle: nil).new.isEmpty)
        }
    }
}
