import Foundation
import Testing
@testable import KScaleCore

/// The cron evaluator of schedule entries: fields, names, time zones and the DST rules of
/// `CronSchedule` (a skipped time fires at the jump, a repeated one fires once).
@Suite struct CronScheduleTests {
    static func instant(_ text: String) throws -> Date {
        try #require(try? Date(text, strategy: .iso8601))
    }

    static func zone(_ name: String) throws -> TimeZone { try #require(TimeZone(identifier: name)) }

    static func text(_ date: Date?) -> String { date.map { $0.formatted(.iso8601) } ?? "none" }

    @Test func weekdayMorningsInBerlin() throws {
        let cron = try CronSchedule("0 8 * * MON-FRI", timeZone: Self.zone("Europe/Berlin"))
        // Tuesday 2026-12-01 07:00 UTC is 08:00 in Berlin (CET, UTC+1): strictly after it, Wednesday's.
        #expect(Self.text(cron.next(after: try Self.instant("2026-12-01T06:59:00Z"))) == "2026-12-01T07:00:00Z")
        #expect(Self.text(cron.next(after: try Self.instant("2026-12-01T07:00:00Z"))) == "2026-12-02T07:00:00Z")
        // Friday evening: the next is Monday.
        #expect(Self.text(cron.next(after: try Self.instant("2026-12-04T18:00:00Z"))) == "2026-12-07T07:00:00Z")
        // In summer (CEST, UTC+2) the same wall time is 06:00 UTC.
        #expect(Self.text(cron.next(after: try Self.instant("2026-07-01T00:00:00Z"))) == "2026-07-01T06:00:00Z")
        // Saturday noon: the last firing was Friday's.
        #expect(Self.text(cron.previous(atOrBefore: try Self.instant("2026-12-05T12:00:00Z"))) == "2026-12-04T07:00:00Z")
        #expect(Self.text(cron.previous(atOrBefore: try Self.instant("2026-12-01T07:00:00Z"))) == "2026-12-01T07:00:00Z")
    }

    @Test func stepsListsRangesAndMonthNames() throws {
        let utc = try Self.zone("UTC")
        let quarterHours = try CronSchedule("*/15 9-10 * * *", timeZone: utc)
        #expect(Self.text(quarterHours.next(after: try Self.instant("2026-03-03T09:14:00Z"))) == "2026-03-03T09:15:00Z")
        #expect(Self.text(quarterHours.next(after: try Self.instant("2026-03-03T10:45:00Z"))) == "2026-03-04T09:00:00Z")
        let januaryFirsts = try CronSchedule("30 6 1 JAN,jul *", timeZone: utc)
        #expect(Self.text(januaryFirsts.next(after: try Self.instant("2026-03-03T00:00:00Z"))) == "2026-07-01T06:30:00Z")
        // Day of month and day of week both restricted: either matches (Vixie cron). 2026-03-06 is a Friday.
        let either = try CronSchedule("0 0 13 * FRI", timeZone: utc)
        #expect(Self.text(either.next(after: try Self.instant("2026-03-03T00:00:00Z"))) == "2026-03-06T00:00:00Z")
        // 7 is Sunday too; 2026-03-08 is a Sunday.
        let sunday = try CronSchedule("0 12 * * 7", timeZone: utc)
        #expect(Self.text(sunday.next(after: try Self.instant("2026-03-03T00:00:00Z"))) == "2026-03-08T12:00:00Z")
        // A leap day, years away.
        let leap = try CronSchedule("0 0 29 FEB *", timeZone: utc)
        #expect(Self.text(leap.next(after: try Self.instant("2026-03-03T00:00:00Z"))) == "2028-02-29T00:00:00Z")
        #expect(Self.text(leap.previous(atOrBefore: try Self.instant("2026-03-03T00:00:00Z"))) == "2024-02-29T00:00:00Z")
    }

    @Test func aSkippedTimeFiresAtTheJump() throws {
        // Berlin springs forward on 2026-03-29 at 02:00 CET (01:00 UTC) to 03:00 CEST: 02:30 does not exist.
        let cron = try CronSchedule("30 2 * * *", timeZone: Self.zone("Europe/Berlin"))
        #expect(Self.text(cron.next(after: try Self.instant("2026-03-28T12:00:00Z"))) == "2026-03-29T01:00:00Z")
        // The day before and after fire at 02:30 local as usual.
        #expect(Self.text(cron.next(after: try Self.instant("2026-03-27T12:00:00Z"))) == "2026-03-28T01:30:00Z")
        #expect(Self.text(cron.next(after: try Self.instant("2026-03-29T12:00:00Z"))) == "2026-03-30T00:30:00Z")
        #expect(Self.text(cron.previous(atOrBefore: try Self.instant("2026-03-29T05:00:00Z"))) == "2026-03-29T01:00:00Z")
    }

    @Test func aRepeatedTimeFiresOnce() throws {
        // Berlin falls back on 2026-10-25 at 03:00 CEST (01:00 UTC) to 02:00 CET: 02:30 happens at 00:30 and 01:30 UTC.
        let cron = try CronSchedule("30 2 * * *", timeZone: Self.zone("Europe/Berlin"))
        let first = cron.next(after: try Self.instant("2026-10-24T12:00:00Z"))
        #expect(Self.text(first) == "2026-10-25T00:30:00Z")
        #expect(Self.text(cron.next(after: try #require(first))) == "2026-10-26T01:30:00Z")
        #expect(Self.text(cron.previous(atOrBefore: try Self.instant("2026-10-25T02:00:00Z"))) == "2026-10-25T00:30:00Z")
    }

    @Test(arguments: [
        ("0 8 * *", "expected 5 fields"),
        ("60 8 * * *", "minute"),
        ("0 8 * * MON-FRY", "day of week"),
        ("0 8 * JANUARY *", "month"),
        ("0 18-8 * * *", "runs backwards"),
        ("*/0 8 * * *", "step"),
        ("0 0 31 FEB *", "never fires"),
    ])
    func badExpressionsAreRefusedByField(expression: String, mentions: String) throws {
        let error = try #require(throws: InvalidInput.self) { try CronSchedule(expression, timeZone: Self.zone("UTC")) }
        #expect(error.message.contains(mentions), "\(error.message)")
    }
}
