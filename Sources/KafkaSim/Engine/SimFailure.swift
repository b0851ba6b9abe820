/// A per-item refusal from the cluster model, carrying the Kafka error code a broker would return
/// so handlers can put it on the wire unchanged.
public struct SimFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int16
    public var message: String?

    public init(_ code: Int16, _ message: String? = nil) {
        self.code = code
        self.message = message
    }

    public var description: String { "error \(code)" + (message.map { ": \($0)" } ?? "") }
}

/// The Kafka error codes the model produces (values from Kafka's `Errors` enum).
public enum SimErrorCode {
    public static let unknownServerError: Int16 = -1
    public static let none: Int16 = 0
    public static let offsetOutOfRange: Int16 = 1
    public static let corruptMessage: Int16 = 2
    public static let unknownTopicOrPartition: Int16 = 3
    public static let leaderNotAvailable: Int16 = 5
    public static let notLeaderOrFollower: Int16 = 6
    public static let requestTimedOut: Int16 = 7
    public static let brokerNotAvailable: Int16 = 8
    public static let coordinatorNotAvailable: Int16 = 15
    public static let invalidTopic: Int16 = 17
    public static let unsupportedSaslMechanism: Int16 = 33
    public static let illegalSaslState: Int16 = 34
    public static let unsupportedVersion: Int16 = 35
    public static let topicAlreadyExists: Int16 = 36
    public static let invalidPartitions: Int16 = 37
    public static let invalidReplicationFactor: Int16 = 38
    public static let invalidReplicaAssignment: Int16 = 39
    public static let invalidConfig: Int16 = 40
    public static let notController: Int16 = 41
    public static let invalidRequest: Int16 = 42
    public static let policyViolation: Int16 = 44
    public static let saslAuthenticationFailed: Int16 = 58
    public static let reassignmentInProgress: Int16 = 60
    public static let groupIdNotFound: Int16 = 69
    public static let preferredLeaderNotAvailable: Int16 = 80
    public static let eligibleLeadersNotAvailable: Int16 = 83
    public static let electionNotNeeded: Int16 = 84
    public static let noReassignmentInProgress: Int16 = 85
    public static let unknownTopicID: Int16 = 100
    public static let brokerIdNotRegistered: Int16 = 102
}
