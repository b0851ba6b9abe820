import Foundation

/// A 5-field cron expression (`minute hour day-of-month month day-of-week`) in a time zone, and
/// the instants it fires at. Pure: the caller passes the instant to search from.
///
/// Fields take `*`, numbers, ranges `1-5`, steps `*/15` and `8-18/2`, lists `1,15`, month names
/// `JAN`-`DEC` and day names `SUN`-`SAT` (any case; in ranges too: `MON-FRI`). Day of week is 0-7,
/// where 0 and 7 are Sunday. As in Vixie cron, when both day of month and day of week are
/// restricted (neither is `*`), a day matches when EITHER does.
///
/// Daylight saving time (wall-clock times in `timeZone`):
/// - a time that does not exist that day (the clock jumps from 02:00 to 03:00, and the entry says
///   02:30) fires once, at the instant the clock jumps (03:00 local), so a daily entry never skips
///   a day;
/// - a time that happens twice (the clock falls back from 03:00 to 02:00, and the entry says 02:30)
///   fires once, at its first occurrence.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    public let expression: String
    public let timeZone: TimeZone
    let minutes: [Int]
    let hours: [Int]
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    /// 0 = Sunday ... 6 = Saturday (a 7 in the expression is stored as 0).
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    /// How far `next` and `previous` look: past a leap day (Feb 29 on a Monday happens every 28 years).
    static let searchDays = 366 * 29

    static let monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    static let dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]

    /// Parses `expression`; throws, naming the field, on anything else.
    public init(_ expression: String, timeZone: TimeZone) throws {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw InvalidInput("\"\(expression)\" is not a cron expression: expected 5 fields (minute hour day-of-month month day-of-week), got \(fields.count)")
        }
        self.expression = expression
        self.timeZone = timeZone
        minutes = try Self.field(fields[0], name: "minute", range: 0...59, names: []).sorted()
        hours = try Self.field(fields[1], name: "hour", range: 0...23, names: []).sorted()
        daysOfMonth = try Self.field(fields[2], name: "day of month", range: 1...31, names: [])
        months = try Self.field(fields[3], name: "month", range: 1...12, names: Self.monthNames, firstName: 1)
        daysOfWeek = Set(try Self.field(fields[4], name: "day of week", range: 0...7, names: Self.dayNames).map { $0 % 7 })
        dayOfMonthRestricted = fields[2] != "*"
        dayOfWeekRestricted = fields[4] != "*"
        if dayOfMonthRestricted && !dayOfWeekRestricted && !months.contains(where: { month in daysOfMonth.contains { $0 <= Self.longestMonth(month) } }) {
            throw InvalidInput("\"\(expression)\" never fires: no chosen month has the chosen day of month")
        }
    }

    public var description: String { "\(expression) (\(timeZone.identifier))" }

    /// The first instant strictly after `instant` at which the entry fires; nil when none within
    /// `searchDays` (cannot happen for a parsed expression).
    public func next(after instant: Date) -> Date? {
        let calendar = localCalendar
        guard var day = calendar.dateInterval(of: .day, for: instant)?.start else { return nil }
        for _ in 0..<Self.searchDays {
            if let wall = wallDay(day, calendar), matches(wall) {
                for hour in hours {
                    for minute in minutes {
                        if let fire = firing(wall, hour: hour, minute: minute), fire > instant { return fire }
                    }
                }
            }
            guard let following = calendar.date(byAdding: .day, value: 1, to: day) else { return nil }
            day = calendar.dateInterval(of: .day, for: following)?.start ?? following
        }
        return nil
    }

    /// The last instant at or before `instant` at which the entry fired; nil when none within `searchDays`.
    public func previous(atOrBefore instant: Date) -> Date? {
        let calendar = localCalendar
        guard var day = calendar.dateInterval(of: .day, for: instant)?.start else { return nil }
        for _ in 0..<Self.searchDays {
            if let wall = wallDay(day, calendar), matches(wall) {
                for hour in hours.reversed() {
                    for minute in minutes.reversed() {
                        if let fire = firing(wall, hour: hour, minute: minute), fire <= instant { return fire }
                    }
                }
            }
            // Noon of the day before, then its start: a day that starts at 01:00 (a midnight DST jump) is found too.
            guard let before = calendar.date(byAdding: .hour, value: -12, to: day) else { return nil }
            day = calendar.dateInterval(of: .day, for: before)?.start ?? before
        }
        return nil
    }

    // MARK: - Days and wall-clock times

    struct WallDay {
        var year: Int
        var month: Int
        var day: Int
        /// 0 = Sunday.
        var weekday: Int
    }

    private var localCalendar: Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func wallDay(_ start: Date, _ calendar: Calendar) -> WallDay? {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: start)
        guard let year = parts.year, let month = parts.month, let day = parts.day, let weekday = parts.weekday else { return nil }
        return WallDay(year: year, month: month, day: day, weekday: weekday - 1)
    }

    func matches(_ wall: WallDay) -> Bool {
        guard months.contains(wall.month) else { return false }
        let dayOfMonth = daysOfMonth.contains(wall.day)
        let dayOfWeek = daysOfWeek.contains(wall.weekday)
        switch (dayOfMonthRestricted, dayOfWeekRestricted) {
        case (true, true): return dayOfMonth || dayOfWeek
        case (true, false): return dayOfMonth
        case (false, true): return dayOfWeek
        case (false, false): return true
        }
    }

    /// The instant the wall-clock time `hour:minute` of `wall` fires at, with the DST rules above.
    func firing(_ wall: WallDay, hour: Int, minute: Int) -> Date? {
        var utc = Calendar(identifier: .gregorian)
        guard let zero = TimeZone(secondsFromGMT: 0) else { return nil }
        utc.timeZone = zero
        // The wall time read as if it were UTC: the instant is this minus the zone's offset then.
        guard let naive = utc.date(from: DateComponents(year: wall.year, month: wall.month, day: wall.day, hour: hour, minute: minute)) else {
            return nil
        }
        let secondsPerDay: TimeInterval = 86_400
        let offsets = Set([-secondsPerDay, 0, secondsPerDay].map { timeZone.secondsFromGMT(for: naive.addingTimeInterval($0)) })
        let consistent = offsets.map { naive.addingTimeInterval(-TimeInterval($0)) }
            .filter { timeZone.secondsFromGMT(for: $0) == Int(naive.timeIntervalSince($0)) }
        if let first = consistent.min() { return first }
        // In a gap: the wall time is skipped, so fire at the jump, found between the two readings.
        guard let smallest = offsets.min(), let largest = offsets.max(), smallest != largest else { return nil }
        var beforeJump = naive.addingTimeInterval(-TimeInterval(largest))
        var afterJump = naive.addingTimeInterval(-TimeInterval(smallest))
        let bisectionResolution: TimeInterval = 1
        while afterJump.timeIntervalSince(beforeJump) > bisectionResolution {
            let middle = beforeJump.addingTimeInterval(afterJump.timeIntervalSince(beforeJump) / 2)
            if timeZone.secondsFromGMT(for: middle) == largest { afterJump = middle } else { beforeJump = middle }
        }
        return Date(timeIntervalSince1970: afterJump.timeIntervalSince1970.rounded(.up))
    }

    static func longestMonth(_ month: Int) -> Int {
        switch month {
        case 2: 29
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    // MARK: - Fields

    private static func field(_ text: String, name: String, range: ClosedRange<Int>, names: [String], firstName: Int = 0) throws -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map(String.init) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
            guard pieces.count <= 2, let base = pieces.first, !base.isEmpty else {
                throw InvalidInput("cron \(name) field \"\(text)\": \"\(part)\" is not a value, range or step")
            }
            var stride = 1
            if pieces.count == 2 {
                guard let step = Int(pieces[1]), step > 0 else {
                    throw InvalidInput("cron \(name) field \"\(text)\": step \"\(pieces[1])\" must be a whole number above 0")
                }
                stride = step
            }
            let low: Int
            let high: Int
            if base == "*" {
                low = range.lowerBound
                high = range.upperBound
            } else if let dash = base.firstIndex(of: "-") {
                low = try value(String(base[..<dash]), name: name, field: text, range: range, names: names, firstName: firstName)
                high = try value(String(base[base.index(after: dash)...]), name: name, field: text, range: range, names: names, firstName: firstName)
                guard low <= high else { throw InvalidInput("cron \(name) field \"\(text)\": range \"\(base)\" runs backwards") }
            } else {
                low = try value(base, name: name, field: text, range: range, names: names, firstName: firstName)
                high = pieces.count == 2 ? range.upperBound : low
            }
            for member in Swift.stride(from: low, through: high, by: stride) { values.insert(member) }
        }
        return values
    }

    private static func value(_ text: String, name: String, field: String, range: ClosedRange<Int>, names: [String], firstName: Int) throws -> Int {
        if let index = names.firstIndex(of: text.uppercased()) { return index + firstName }
        guard let number = Int(text), range.contains(number) else {
            let named = names.isEmpty ? "" : " or \(names.first ?? "")-\(names.last ?? "")"
            throw InvalidInput("cron \(name) field \"\(field)\": \"\(text)\" is not \(range.lowerBound)-\(range.upperBound)\(named)")
        }
        return number
    }
}
