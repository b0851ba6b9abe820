/// One thing to place in a cluster: an additive load, plus topics it needs there that other items
/// may share (write-read: two consumer groups reading one topic need it mirrored once per cluster).
struct PackItem: Sendable {
    var own: SplitLoad
    /// Indices into the packer's shared loads; empty for by-owner groups.
    var shared: [Int]
}

/// Packs items into as few clusters as the usable limits allow, deterministically.
///
/// Starting at the lower bound `k`, items go biggest first (by their largest share of a limit) to
/// the cluster that fits them and where the sum of squared shares grows least, so clusters fill
/// evenly in every resource at once; an item that fits nowhere may make room by moving one item of
/// a cluster to another. When `k` clusters cannot take everything, `k + 1` are tried.
struct SplitPacker {
    let items: [PackItem]
    let shared: [SplitLoad]
    let usable: SplitLoad.Limit

    /// Bins of item indices (each sorted), or nil when `exact` clusters were asked for and do not suffice.
    /// Every item must fit an empty cluster on its own (the caller refuses one that does not).
    func pack(from lowerBound: Int, exact: Int?) -> [[Int]]? {
        let order = items.indices.sorted { a, b in
            let (sa, sb) = (largestShare(alone(a)), largestShare(alone(b)))
            return sa != sb ? sa > sb : a < b
        }
        var clusters = max(exact ?? lowerBound, 1)
        while true {
            if let bins = attempt(clusters, order: order) { return bins.map { $0.sorted() } }
            if exact != nil || clusters >= items.count { return exact == nil ? items.indices.map { [$0] } : nil }
            clusters += 1
        }
    }

    /// The load of item `i` in an empty cluster.
    func alone(_ i: Int) -> SplitLoad { items[i].shared.reduce(items[i].own) { $0 + shared[$1] } }

    private func largestShare(_ load: SplitLoad) -> Double {
        let s = usable.shares(load)
        return max(s.write, s.read, s.partitions)
    }

    /// One cluster being filled: its items, load and how many of its items need each shared topic.
    private struct Bin {
        var items: [Int] = []
        var load = SplitLoad.zero
        var uses: [Int: Int] = [:]
    }

    /// What item `i` adds to `bin`: its own load and the shared topics the bin does not hold yet.
    private func added(_ i: Int, to bin: Bin) -> SplitLoad {
        items[i].shared.reduce(items[i].own) { bin.uses[$1, default: 0] > 0 ? $0 : $0 + shared[$1] }
    }

    private func insert(_ i: Int, into bin: inout Bin) {
        bin.load += added(i, to: bin)
        bin.items.append(i)
        for t in items[i].shared { bin.uses[t, default: 0] += 1 }
    }

    private func remove(_ i: Int, from bin: inout Bin) {
        bin.items.removeAll { $0 == i }
        var load = bin.load
        load.write -= items[i].own.write
        load.read -= items[i].own.read
        load.partitions -= items[i].own.partitions
        for t in items[i].shared {
            let left = bin.uses[t, default: 0] - 1
            bin.uses[t] = left
            if left == 0 {
                load.write -= shared[t].write
                load.read -= shared[t].read
                load.partitions -= shared[t].partitions
            }
        }
        bin.load = load
    }

    /// How much the sum of squared shares grows when `extra` joins a cluster holding `load`.
    private func growth(_ load: SplitLoad, _ extra: SplitLoad) -> Double {
        let (b, e) = (usable.shares(load), usable.shares(extra))
        return 2 * (b.write * e.write + b.read * e.read + b.partitions * e.partitions)
            + e.write * e.write + e.read * e.read + e.partitions * e.partitions
    }

    private func attempt(_ count: Int, order: [Int]) -> [[Int]]? {
        var bins = Array(repeating: Bin(), count: count)
        for i in order {
            if let best = bestBin(for: i, in: bins, except: nil) {
                insert(i, into: &bins[best])
            } else if !makeRoom(for: i, in: &bins) {
                return nil
            }
        }
        return bins.map(\.items)
    }

    private func bestBin(for i: Int, in bins: [Bin], except skipped: Int?) -> Int? {
        var best: (bin: Int, cost: Double)?
        for b in bins.indices where b != skipped {
            let extra = added(i, to: bins[b])
            guard usable.admits(bins[b].load + extra) else { continue }
            let cost = growth(bins[b].load, extra)
            if best.map({ cost < $0.cost }) ?? true { best = (b, cost) }
        }
        return best?.bin
    }

    /// Moves one item of some cluster to another cluster so that item `i` fits where it was; false when no such move exists.
    private func makeRoom(for i: Int, in bins: inout [Bin]) -> Bool {
        for b in bins.indices {
            for moved in bins[b].items {
                var without = bins[b]
                remove(moved, from: &without)
                guard usable.admits(without.load + added(i, to: without)),
                      let destination = bestBin(for: moved, in: bins, except: b) else { continue }
                insert(moved, into: &bins[destination])
                bins[b] = without
                insert(i, into: &bins[b])
                return true
            }
        }
        return false
    }
}
