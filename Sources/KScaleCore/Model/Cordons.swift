/// Cordoned brokers in a snapshot (KIP-1066 `cordoned.log.dirs`, recorded as `"cordoned": true`):
/// a drained broker keeps its cordon until it is stopped, and no plan may give data back to a
/// broker the operator is about to stop.
extension ClusterSnapshot {
    /// Brokers the snapshot records as cordoned.
    public var cordonedBrokers: Set<BrokerID> { Set(brokers.filter(\.isCordoned).map(\.id)) }

    /// The brokers a plan of `kind` keeps new replicas off because they are cordoned: every
    /// cordoned broker except those a scale-out adds (adding a broker is the operator saying it
    /// serves again; the scale-out flow lifts its cordon before it moves data). A plan may still
    /// move replicas off them.
    public func cordonKeepOff(for kind: PlanKind) -> Set<BrokerID> {
        guard case .scaleOut(let add) = kind else { return cordonedBrokers }
        return cordonedBrokers.subtracting(add)
    }
}
