import KScaleCore

/// What a poll's reading says about a move the controller no longer lists (a KIP-455
/// reassignment leaves ListPartitionReassignments when it completes or is cancelled), pure.
///
/// The controller answers ListPartitionReassignments from its own state, while Metadata comes
/// from the answering broker's cache, applied after the controller commits (KRaft's
/// `KRaftMetadataCache` over the broker's metadata image; ZooKeeper's UpdateMetadata). The
/// executor reads the reassignments first, so the metadata is never older than the poll, but it
/// can still be older than the controller's answer: a finished move then still shows its
/// replicas in flight (target plus those leaving), or those before it was submitted. Such a
/// reading proves nothing, and the move is judged again at a later poll; only metadata that
/// shows another replica set, or the same stale-looking one for longer than any broker lags
/// (`settleSeconds` after the controller first stopped listing it), counts as the move having
/// ended short of its target.
public enum MoveEnd: Equatable, Sendable {
    /// The metadata shows the target.
    case reachedTarget
    /// The metadata may be older than the controller's answer: judge again at the next poll.
    case recheck
    /// The move ended without reaching its target (cancelled or re-targeted by someone else,
    /// or its partition is gone); `now` is what the metadata shows.
    case endedShort(now: [BrokerID])

    /// Far longer than a healthy broker takes to apply what the controller committed (usually
    /// milliseconds): a move the controller stopped listing this long ago is judged on the
    /// metadata as it is (a cancel by someone else then counts after this long).
    public static let settleSeconds: Double = 30

    /// `replicas`: the partition's replicas in this poll's metadata (nil: not in it);
    /// `unlistedFor`: seconds since the controller first stopped listing the move.
    public static func judge(_ move: Move, replicas: [BrokerID]?, unlistedFor: Double) -> MoveEnd {
        guard let replicas else { return .endedShort(now: []) }
        if replicas == move.to { return .reachedTarget }
        let stillMoving = Set(replicas).isSuperset(of: move.to) && Set(replicas).isSubset(of: Set(move.to + move.from))
        let notYetSubmitted = replicas == move.from
        if (stillMoving || notYetSubmitted), unlistedFor < settleSeconds { return .recheck }
        return .endedShort(now: replicas)
    }
}
