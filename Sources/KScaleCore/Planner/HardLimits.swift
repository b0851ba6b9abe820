/// The hard limits of a plan that moves data (docs/planner.md, "Hard limits"): after a scale-out,
/// scale-in or rebalance no target broker is above `PlanRequest.limits` (`--max-disk`, default
/// 85% of its disk; `--max-network`, default 80% of its network capacity each way) where its
/// capacity is known.
///
/// The balance phases do not look at capacities; after them, every target broker over a limit is
/// relieved by `Relief` (leadership first for network out, then the replicas that cover the most
/// of the excess per byte copied, a replica the plan already moves there first since re-targeting
/// it copies nothing more), onto brokers that stay under every limit and keep the rack rule.
/// A broker that cannot be brought under, or a relief that needs more than `--max-moves` or
/// `--max-bytes`, refuses the request, naming the broker, the dimension and the numbers.
enum HardLimits {
    static func enforce(_ layout: Layout, snapshot: ClusterSnapshot, _ request: PlanRequest) throws -> Layout {
        guard snapshot.brokers.contains(where: { $0.diskTotalBytes != nil }) || snapshot.hasNetworkCapacities else { return layout }
        var relief = Relief(layout: layout, snapshot: snapshot, limits: request.limits)
        let hot = try relief.hotBrokers(named: nil)
        guard let first = hot.first.flatMap({ relief.breaches(of: $0).first }) else { return layout }
        do {
            try relief.run(hot, requireCapacities: false)
        } catch let refusal as Refusal {
            throw Refusal(refusal.message + " " + Self.note(request.limits))
        }
        if request.maxMoves != nil || request.maxBytes != nil {
            let (moves, bytes) = relief.layout.movement()
            if moves > request.maxMoves ?? Int.max || bytes > request.maxBytes ?? Int64.max {
                throw Refusal("the plan within --max-moves/--max-bytes leaves \(first.description); bringing it under takes \(moves) replica moves "
                              + "(\(ByteUnits.format(bytes))), more than the budget allows " + Self.note(request.limits))
            }
        }
        return relief.layout
    }

    /// Refuses at once a request no placement can meet. A cluster's total disk bytes, network in
    /// and network out do not depend on where its replicas are (nor on which replica leads), so
    /// when every target broker has a capacity in a dimension and the total is above what they
    /// allow together, no plan brings them all under: refused before any phase runs, naming the
    /// dimension and both sums, rather than after the repair has tried every broker in turn.
    static func checkTotals(_ layout: Layout, snapshot: ClusterSnapshot, _ request: PlanRequest) throws {
        guard snapshot.brokers.contains(where: { $0.diskTotalBytes != nil }) || snapshot.hasNetworkCapacities else { return }
        let usage = LayoutLoad(layout: layout, snapshot: snapshot).usage(of: layout)
        let targets = layout.brokers.filter { layout.isTarget[$0] }
        guard !targets.isEmpty else { return }
        for dimension in LoadLimits.Dimension.allCases {
            let allowed = targets.compactMap { usage[$0].allowed(dimension, request.limits) }
            guard allowed.count == targets.count else { continue }
            let room = allowed.reduce(Int64(0), +)
            let total = layout.brokers.reduce(Int64(0)) { $0 + usage[$1].used(dimension) }
            guard total > room else { continue }
            let amount = dimension == .disk ? ByteUnits.format : ByteUnits.formatRate
            let what = dimension == .disk ? "the replicas hold" : "the cluster's \(dimension.rawValue) is"
            throw Refusal("no plan can bring every broker under the \(Percentage.formatted(request.limits.share(dimension) * 100))% "
                          + "\(dimension.rawValue) limit: \(what) \(amount(total)) in all, and the \(targets.count) target brokers allow "
                          + "\(amount(room)) together " + Self.note(request.limits))
        }
    }

    /// Which options set the limits, for refusals.
    static func note(_ limits: LoadLimits) -> String {
        "(hard limits: --max-disk \(Percentage.formatted(limits.disk * 100))%, --max-network "
            + "\(Percentage.formatted(limits.networkIn * 100))%; raise them or add brokers)"
    }
}
