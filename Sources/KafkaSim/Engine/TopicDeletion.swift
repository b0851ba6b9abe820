import KScaleCore

/// What DeleteTopics did to one topic.
public enum SimTopicDeletion: Sendable, Equatable {
    /// Gone, with its configs and any reassignment of its partitions.
    case deleted
    /// ZooKeeper mode: queued; deleted when its partitions' reassignments end.
    case queued
}

/// Topic deletion by mode (`KafkaProfile.controllerSemantics`).
///
/// KRaft (`ReplicationControlManager.deleteTopic`): one RemoveTopicRecord removes the topic at
/// once, whatever is moving; its reassignments, configs and throttled-replica lists go with it.
///
/// ZooKeeper (`TopicDeletionManager`, `KafkaController.onPartitionReassignment`): a topic with a
/// partition being reassigned is marked ineligible for deletion; DeleteTopics queues it
/// (`/admin/delete_topics`) and the broker's answer waits in purgatory for the deletion, timing
/// out (REQUEST_TIMED_OUT) while it cannot happen. While queued the topic stays in metadata,
/// a new reassignment or a cancel of it is answered UNKNOWN_TOPIC_OR_PARTITION
/// (`maybeTriggerPartitionReassignment`: "the topic is currently being deleted"), and when its
/// last move completes (`resumeDeletionForTopics`) it is deleted. A topic with nothing moving is
/// deleted at once in both modes.
extension ClusterModel {
    public mutating func deleteTopic(_ name: String, at t: Double) throws(SimFailure) -> SimTopicDeletion {
        advance(to: t)
        guard let topic = topics[name] else {
            throw SimFailure(SimErrorCode.unknownTopicOrPartition, "This server does not host this topic-partition.")
        }
        if settings.profile.controllerSemantics == .zookeeper, topic.partitions.contains(where: \.isReassigning) {
            queuedForDeletion.insert(name)
            return .queued
        }
        removeTopic(name)
        return .deleted
    }

    /// Whether DeleteTopics queued `name` (ZooKeeper mode) and it still waits for its moves.
    public func isQueuedForDeletion(_ name: String) -> Bool { queuedForDeletion.contains(name) }

    /// Deletes the queued topics whose partitions no longer move.
    mutating func deleteQueuedTopics() {
        guard !queuedForDeletion.isEmpty else { return }
        for name in queuedForDeletion.sorted() where !(topics[name]?.partitions.contains(where: \.isReassigning) ?? false) {
            removeTopic(name)
        }
    }

    private mutating func removeTopic(_ name: String) {
        queuedForDeletion.remove(name)
        guard let topic = topics.removeValue(forKey: name) else { return }
        for i in topic.partitions.indices { lagging.remove(TopicPartition(name, Int32(i))) }
        for (number, partition) in topic.partitions.enumerated() { replicaIndex.remove(TopicPartition(name, Int32(number)), from: partition.replicas) }
    }
}
