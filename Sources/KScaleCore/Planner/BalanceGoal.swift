/// What "balanced" means, written once: the planner aims at it (goals 1 to 3 of docs/planner.md)
/// and `kscale check` (the lifecycle flows' pre- and post-flight check) judges a cluster by it, so
/// a plan that meets the planner's goals passes the check it is followed by.
public enum BalanceGoal {
    /// Replica and preferred-leader counts: the planner's goal is a spread of at most this within
    /// each balance group.
    public static let countSpread = 1
    /// Bytes: the spread (heaviest minus lightest, in thousandths of the lightest) within which the
    /// planner spends no extra move on byte balance.
    public static let byteSpreadPermille = 40

    /// Whether two brokers' bytes are as even as the goals ask: within `ratio` of each other
    /// (heaviest at most `ratio` times the lightest), or apart by no more than `largestReplica`,
    /// the largest replica either holds. Data moves in whole replicas and the count goal may give
    /// one broker a replica more than another (q + 1 against q): a gap of one replica is what that
    /// goal leaves, and no move narrows it. An empty broker beside a loaded one is never even.
    public static func bytesEven(heaviest: Int64, lightest: Int64, largestReplica: Int64, ratio: Double) -> Bool {
        if heaviest <= 0 { return true }
        if lightest <= 0 { return false }
        return Double(heaviest) <= Double(lightest) * ratio || heaviest - lightest <= largestReplica
    }
}
