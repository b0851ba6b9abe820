/// A set of positions `0..<count` that finds the nearest member on either side of a position in
/// O(log64 count) steps: one bit per position, and above it one bit per word of the level below
/// that has any member, up to a single word. The replica phases use it to skip what they have
/// already taken without walking past it (a broker's used replicas, a topic's picked ones).
struct PositionSet {
    /// `levels[0]`: a bit per position; `levels[k]`: a bit per non-zero word of `levels[k - 1]`.
    private var levels: [[UInt64]]
    let count: Int

    private static let wordShift = 6
    private static let bitMask = 63

    init(count: Int, full: Bool) {
        self.count = count
        var levels: [[UInt64]] = []
        var width = count
        repeat {
            let words = max(1, (width + Self.bitMask) >> Self.wordShift)
            var level = [UInt64](repeating: 0, count: words)
            if full {
                for word in 0..<words {
                    let bitsInWord = min(64, width - (word << Self.wordShift))
                    if bitsInWord > 0 { level[word] = bitsInWord == 64 ? UInt64.max : (UInt64(1) << UInt64(bitsInWord)) - 1 }
                }
            }
            levels.append(level)
            width = words
        } while width > 1
        self.levels = levels
    }

    func contains(_ position: Int) -> Bool {
        levels[0][position >> Self.wordShift] & (UInt64(1) << UInt64(position & Self.bitMask)) != 0
    }

    mutating func insert(_ position: Int) {
        var index = position
        for level in levels.indices {
            let word = index >> Self.wordShift
            let wasEmpty = levels[level][word] == 0
            levels[level][word] |= UInt64(1) << UInt64(index & Self.bitMask)
            if !wasEmpty { return }
            index = word
        }
    }

    mutating func remove(_ position: Int) {
        var index = position
        for level in levels.indices {
            let word = index >> Self.wordShift
            levels[level][word] &= ~(UInt64(1) << UInt64(index & Self.bitMask))
            if levels[level][word] != 0 { return }
            index = word
        }
    }

    /// The smallest member at or after `start`, nil when there is none.
    func next(from start: Int) -> Int? {
        if start >= count { return nil }
        var index = max(0, start)
        var level = 0
        while true {
            if level == levels.count { return nil }
            let word = index >> Self.wordShift
            guard word < levels[level].count else { return nil }
            let masked = levels[level][word] & (UInt64.max << UInt64(index & Self.bitMask))
            if masked != 0 {
                index = word << Self.wordShift | masked.trailingZeroBitCount
                break
            }
            index = word + 1
            level += 1
        }
        while level > 0 {
            level -= 1
            index = index << Self.wordShift | levels[level][index].trailingZeroBitCount
        }
        return index
    }

    /// The largest member at or before `start`, nil when there is none.
    func previous(from start: Int) -> Int? {
        if start < 0 || count == 0 { return nil }
        var index = min(start, count - 1)
        var level = 0
        while true {
            if level == levels.count { return nil }
            let word = index >> Self.wordShift, bit = index & Self.bitMask
            let mask = bit == Self.bitMask ? UInt64.max : (UInt64(1) << UInt64(bit + 1)) - 1
            let masked = levels[level][word] & mask
            if masked != 0 {
                index = word << Self.wordShift | (Self.bitMask - masked.leadingZeroBitCount)
                break
            }
            if word == 0 { return nil }
            index = word - 1
            level += 1
        }
        while level > 0 {
            level -= 1
            index = index << Self.wordShift | (Self.bitMask - levels[level][index].leadingZeroBitCount)
        }
        return index
    }
}
