/// `kscale plan relieve`: the fewest bytes moved that bring the named brokers (or every broker over
/// a limit) under their disk and network limits without pushing any other broker over them.
///
/// Load is the model of `BrokerUsage` (docs/planner.md, "Load"). For each hot broker, in id order:
/// 1. network out above its limit first moves preferred leadership to another replica of the
///    same partition (a reorder, no data copied), largest leadership first, onto a broker whose
///    network out stays under its own limit;
/// 2. then replicas move, one at a time: the replica that covers the most of the broker's
///    remaining excess per byte copied (so, for disk, replicas no larger than what is left over,
///    largest first, then the smallest that covers the rest), to the destination with the most
///    headroom after the move that keeps the rack rule (`Layout.canMove`) and every limit;
/// 3. a replica that fits nowhere alone, and without which the broker's other replicas that do
///    fit somewhere cannot cover the excess, is exchanged at once, while the others still have
///    room, for a smaller one of a broker that stays under every limit with the difference
///    (`exchange`); when no single move is left, any exchange that lowers the excess;
/// 4. a broker that cannot be brought under is refused, naming it, the dimension and what is
///    left over.
/// A replica that a plan already moves onto the hot broker costs no extra copy to send elsewhere
/// (the plan's hard limits run this relief after the balance phases), so it goes first; on a
/// fresh layout (`kscale plan relieve`) every replica costs its size.
/// Brokers are never destinations when they are hot or lack a capacity for a limited dimension,
/// so a plan never pushes an unknown broker over. The preferred-leader balancer does not run
/// afterwards: it would move the network out this relief placed.
struct Relief {
    private var state: LoadedLayout
    private let limits: LoadLimits
    var layout: Layout { state.layout }
    private var usage: PerBroker<BrokerUsage> { state.usage }
    private var slotsOn: PerBroker<[SlotIndex]> { state.slotsOn }
    private var hot: PerBroker<Bool>
    /// The dimensions some broker has a capacity for: the only ones judged.
    private let judged: [LoadLimits.Dimension]

    init(layout: Layout, snapshot: ClusterSnapshot, limits: LoadLimits) {
        self.limits = limits
        state = LoadedLayout(layout: layout, load: LayoutLoad(layout: layout, snapshot: snapshot))
        let initial = state.usage
        hot = PerBroker(repeating: false, count: layout.brokerCount)
        judged = LoadLimits.Dimension.allCases.filter { dimension in
            layout.brokers.contains { initial[$0].capacity(dimension) != nil }
        }
    }

    /// The judged limits `broker` is over now.
    func breaches(of broker: BrokerIndex) -> [LimitBreach] {
        usage[broker].breaches(limits).filter { judged.contains($0.dimension) }
    }

    /// Whether some broker has a capacity for `dimension`, so the relief judges it.
    func judges(_ dimension: LoadLimits.Dimension) -> Bool { judged.contains(dimension) }

    /// The brokers to relieve: the named ones, or every target broker over a judged limit.
    func hotBrokers(named: [BrokerID]?) throws -> [BrokerIndex] {
        guard let named else {
            return layout.brokers.filter { broker in layout.isTarget[broker] && !breaches(of: broker).isEmpty }
        }
        var result: [BrokerIndex] = []
        for id in named {
            guard let index = layout.brokers.first(where: { layout.brokerIDs[$0] == id }) else {
                throw InvalidInput("--brokers names broker \(id), which is not in the snapshot")
            }
            result.append(index)
        }
        return result
    }

    /// Relieves `brokers`; throws a refusal naming the first that cannot be brought under.
    /// `requireCapacities`: a named broker must have a capacity for every judged dimension (the
    /// operator asked for it by name); the hard limits judge a broker only where it has one.
    mutating func run(_ brokers: [BrokerIndex], requireCapacities: Bool = true) throws {
        for broker in brokers { hot[broker] = true }
        for broker in brokers where requireCapacities {
            for dimension in judged where usage[broker].capacity(dimension) == nil {
                throw InvalidInput("broker \(layout.brokerIDs[broker]) has no \(dimension.capacityField): "
                                   + "give its capacity with --broker-capacity FILE to judge its \(dimension.rawValue)")
            }
        }
        for broker in brokers {
            moveLeadershipOff(broker)
            try moveReplicasOff(broker)
        }
    }

    // MARK: leadership

    private mutating func moveLeadershipOff(_ broker: BrokerIndex) {
        while usage[broker].breach(.networkOut, limits) != nil {
            var best: (slot: SlotIndex, first: SlotIndex, gain: Int64)?
            for slot in slotsOn[broker] {
                let partition = layout.slotPartition[slot]
                let partitionSlots = layout.slots(of: partition)
                guard slot == partitionSlots.lowerBound, layout.movable[partition] else { continue }
                let gain = leadership(partition)
                guard gain > 0, best.map({ gain > $0.gain }) ?? true else { continue }
                for follower in partitionSlots.dropFirst() where fits(layout.replicas[follower], adding: [.networkOut: gain]) {
                    best = (follower, slot, gain)
                    break
                }
            }
            guard let best else { return }
            state.promote(layout.slotPartition[best.first], slot: best.slot)
        }
    }

    private func leadership(_ partition: PartitionIndex) -> Int64 { state.leadership(partition) }

    // MARK: replicas

    private mutating func moveReplicasOff(_ broker: BrokerIndex) throws {
        var infeasible = Set<SlotIndex>()
        while true {
            let breaches = self.breaches(of: broker)
            guard let first = breaches.first else { return }
            let needs = breaches.map { ($0.dimension, $0.excess) }
            var best: (slot: SlotIndex, value: Double, size: Int64)?
            for slot in slotsOn[broker] where !infeasible.contains(slot) && layout.movable[layout.slotPartition[slot]] {
                let relief = self.relief(of: slot)
                var covered = 0.0
                for (dimension, need) in needs { covered += Double(min(relief[dimension] ?? 0, need)) / Double(need) }
                guard covered > 0 else { continue }
                let size = copyCost(slot)
                let value = covered / Double(max(size, 1))
                if let current = best {
                    let better = value > current.value || (value == current.value && size > current.size)
                    guard better else { continue }
                }
                best = (slot, value, size)
            }
            guard let chosen = best else {
                // No replica fits anywhere alone: an exchange (one of this broker's out, a
                // smaller one of the destination's back) may still fit both.
                if let swap = exchange(from: broker, needs: needs) {
                    apply(swap, with: broker)
                    continue
                }
                throw Refusal("cannot bring broker \(layout.brokerIDs[broker]) under \(Percentage.formatted(first.limit * 100))% "
                              + "\(first.dimension.rawValue): \(first.description), and no replica on it can move to a broker "
                              + "that stays under every limit and keeps the rack rule")
            }
            guard let destination = destination(for: chosen.slot) else {
                // Too large for any broker's room now. When the broker's other replicas that fit
                // somewhere cannot cover the excess without it, it is exchanged for a smaller
                // replica at once, while the others still have room (later, the smaller moves
                // leave too little).
                let others = slotsOn[broker].filter {
                    $0 != chosen.slot && !infeasible.contains($0) && layout.movable[layout.slotPartition[$0]] && destination(for: $0) != nil
                }
                let othersCover = needs.allSatisfy { dimension, need in
                    others.reduce(Int64(0)) { $0 + (relief(of: $1)[dimension] ?? 0) } >= need
                }
                if !othersCover, let swap = exchange(from: broker, needs: needs, only: chosen.slot) {
                    apply(swap, with: broker)
                } else {
                    infeasible.insert(chosen.slot)
                }
                continue
            }
            state.move(chosen.slot, to: destination)
        }
    }

    /// A replica of `broker` (`out`) to exchange with a smaller one of a broker that is not hot
    /// (`back`), when no replica of `broker` fits anywhere alone: the exchange must lower every
    /// dimension `broker` is over without pushing it over another, keep the other broker under
    /// every limit with the difference on top, and keep the rack rule both ways. Among those, the most of `needs` covered per byte
    /// copied (both replicas are copies), then the lowest slots. Walks `broker`'s replicas against
    /// every other target broker's: this runs only where the single moves ran out.
    /// `only`: the one replica to send out (the single move chose it and found no room for it).
    private func exchange(from broker: BrokerIndex, needs: [(LoadLimits.Dimension, Int64)], only: SlotIndex? = nil)
        -> (out: SlotIndex, back: SlotIndex, destination: BrokerIndex)? {
        var best: (out: SlotIndex, back: SlotIndex, destination: BrokerIndex, value: Double)?
        let outs = only.map { [$0] } ?? slotsOn[broker].filter { layout.movable[layout.slotPartition[$0]] }
        for destination in layout.brokers where destination != broker && !hot[destination] && layout.isTarget[destination] {
            let backs = slotsOn[destination].filter { layout.movable[layout.slotPartition[$0]] && layout.canMove(slot: $0, to: broker) }
            guard !backs.isEmpty else { continue }
            for out in outs where layout.canMove(slot: out, to: destination) {
                let given = relief(of: out)
                for back in backs where layout.slotPartition[back] != layout.slotPartition[out] {
                    let taken = relief(of: back)
                    var net: [LoadLimits.Dimension: Int64] = [:]
                    for dimension in LoadLimits.Dimension.allCases { net[dimension] = (given[dimension] ?? 0) - (taken[dimension] ?? 0) }
                    guard needs.allSatisfy({ (net[$0.0] ?? 0) > 0 }), fits(destination, adding: net),
                          staysUnder(broker, adding: net.mapValues { -$0 }, besides: needs.map(\.0)) else { continue }
                    var covered = 0.0
                    for (dimension, need) in needs { covered += Double(min(net[dimension] ?? 0, need)) / Double(need) }
                    let value = covered / Double(max(copyCost(out) + copyCost(back), 1))
                    if best.map({ value > $0.value }) ?? true { best = (out, back, destination, value) }
                }
            }
        }
        return best.map { ($0.out, $0.back, $0.destination) }
    }

    /// Makes `swap`: its `out` replica goes to its destination, its `back` one to `broker`.
    private mutating func apply(_ swap: (out: SlotIndex, back: SlotIndex, destination: BrokerIndex), with broker: BrokerIndex) {
        state.move(swap.out, to: swap.destination)
        state.move(swap.back, to: broker)
    }

    /// Whether `broker` stays under every judged limit it is under now, other than `besides`, with
    /// `adding` on top: an exchange brings a replica back, and must not push the hot broker over
    /// another limit (so every exchange lowers what the broker is over, and the relief ends).
    private func staysUnder(_ broker: BrokerIndex, adding: [LoadLimits.Dimension: Int64], besides: [LoadLimits.Dimension]) -> Bool {
        judged.allSatisfy { dimension in
            besides.contains(dimension) || usage[broker].breach(dimension, limits, adding: adding[dimension] ?? 0) == nil
        }
    }

    /// Bytes copied by sending `slot` elsewhere: its size when it sits where the snapshot had it,
    /// nothing when the plan already moves it (the copy is re-targeted, not added).
    private func copyCost(_ slot: SlotIndex) -> Int64 {
        layout.replicas[slot] == layout.original[slot] ? layout.size(ofSlot: slot) : 0
    }

    /// What moving `slot` off its broker takes away from it, per dimension.
    private func relief(of slot: SlotIndex) -> [LoadLimits.Dimension: Int64] {
        let partition = layout.slotPartition[slot]
        let leads = slot == layout.slots(of: partition).lowerBound
        return [.disk: layout.size[partition], .networkIn: state.load.produced[partition], .networkOut: leads ? leadership(partition) : 0]
    }

    /// The broker with the most headroom after taking `slot` (the lowest largest share over the
    /// judged dimensions), among those that keep the rack rule and every limit; ties by index.
    private func destination(for slot: SlotIndex) -> BrokerIndex? {
        let adding = relief(of: slot)
        var best: (broker: BrokerIndex, share: Double)?
        for broker in layout.brokers where !hot[broker] && layout.canMove(slot: slot, to: broker) && fits(broker, adding: adding) {
            let share = judged.map { dimension -> Double in
                guard let capacity = usage[broker].capacity(dimension), capacity > 0 else { return 0 }
                return Double(usage[broker].used(dimension) + (adding[dimension] ?? 0)) / Double(capacity)
            }.max() ?? 0
            if best.map({ share < $0.share }) ?? true { best = (broker, share) }
        }
        return best?.broker
    }

    /// Whether `broker`, a target that is not hot, stays under every judged limit with `adding` on
    /// top; a broker without a capacity for a judged dimension never fits.
    private func fits(_ broker: BrokerIndex, adding: [LoadLimits.Dimension: Int64]) -> Bool {
        guard !hot[broker], layout.isTarget[broker] else { return false }
        for dimension in judged {
            guard usage[broker].capacity(dimension) != nil else { return false }
            if usage[broker].breach(dimension, limits, adding: adding[dimension] ?? 0) != nil { return false }
        }
        return true
    }
}

/// What `kscale plan relieve` asks for.
public struct RelieveRequest: Sendable, Hashable {
    /// The brokers to bring under the limits; nil: every broker over one.
    public var brokers: [BrokerID]?
    public var limits: LoadLimits
    /// The limits the operator gave (not defaults): refused when no broker has that capacity.
    public var explicitLimits: Set<LoadLimits.Dimension>
    public var excludeTopics: String?
    public var rackAware: Bool

    public init(brokers: [BrokerID]? = nil, limits: LoadLimits = LoadLimits(), explicitLimits: Set<LoadLimits.Dimension> = [],
                excludeTopics: String? = nil, rackAware: Bool = true) {
        self.brokers = brokers
        self.limits = limits
        self.explicitLimits = explicitLimits
        self.excludeTopics = excludeTopics
        self.rackAware = rackAware
    }
}

extension Planner {
    /// `kscale plan relieve` (see `Relief`). Cordoned brokers take nothing new.
    public static func relieve(_ snapshot: ClusterSnapshot, _ request: RelieveRequest) throws -> PlanResult {
        let kind = PlanKind.rebalance(brokers: nil)
        let planRequest = PlanRequest(kind: kind, excludeTopics: request.excludeTopics, rackAware: request.rackAware,
                                      keepOff: snapshot.cordonKeepOff(for: kind))
        let before = try LayoutBuilder.build(snapshot, planRequest)
        var relief = Relief(layout: before, snapshot: snapshot, limits: request.limits)
        for dimension in LoadLimits.Dimension.allCases where request.explicitLimits.contains(dimension) && !relief.judges(dimension) {
            throw InvalidInput("no broker in the snapshot has a \(dimension.capacityField), so its \(dimension.rawValue) cannot be judged: "
                               + (dimension == .disk ? "take the snapshot from Kafka 3.3 or later, or give --broker-capacity FILE"
                                                     : "give --broker-capacity FILE"))
        }
        if !snapshot.hasTraffic, request.explicitLimits.contains(.networkIn) || request.explicitLimits.contains(.networkOut) {
            throw InvalidInput("the snapshot has no traffic (bytes_in_per_sec, bytes_out_per_sec): take it with kscale snapshot --sample")
        }
        try relief.run(relief.hotBrokers(named: request.brokers))
        var result = PlanOutput.result(before: before, after: relief.layout, kind: kind)
        result.summary.kind = reliefKindName
        result.summary.load = UsageChange(snapshot: snapshot, plan: result.plan)
        try orderForDiskPeak(&result, snapshot)
        return result
    }

    /// The summary's `kind` for a relief plan.
    public static let reliefKindName = "relieve"
}
