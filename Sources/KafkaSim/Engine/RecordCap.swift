/// KRaft's cap on one user operation (`QuorumController.MAX_RECORDS_PER_USER_OP`, 10,000, from 3.5):
/// the controller collects an operation's metadata records in a `BoundedList`, and one more than
/// the cap throws `BoundedListTooLongException`, which `EventHandlerExceptionInfo` answers as
/// POLICY_VIOLATION ("Unable to perform excessively large batch operation.") for the whole request:
/// nothing of it is applied. ReplicationControlManager (AlterPartitionReassignments, ElectLeaders,
/// CreatePartitions) and ConfigurationControlManager (IncrementalAlterConfigs) use it.
extension ClusterModel {
    static let excessiveBatchMessage = "Unable to perform excessively large batch operation."

    /// Runs `operation`, which returns its result and how many records it wrote (one per partition
    /// reassigned or elected, one per config changed), on a copy; over the profile's cap the copy
    /// is dropped and the answer is nil.
    mutating func capped<T>(_ operation: (inout ClusterModel) -> (result: T, records: Int)) -> T? {
        guard let cap = settings.profile.maxRecordsPerUserOp else { return operation(&self).result }
        var trial = self
        let outcome = operation(&trial)
        guard outcome.records <= cap else { return nil }
        self = trial
        return outcome.result
    }
}
