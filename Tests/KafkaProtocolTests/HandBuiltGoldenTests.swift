import KScaleTestSupport
import Testing
@testable import KafkaProtocol

/// Values built by hand in Swift, the same values make_golden.py gave kafka-python, compared with
/// kafka-python's bytes. GoldenTests covers every case by reflection; these pin the admin messages
/// kscale sends and the simulator answers without relying on decoding first.
@Suite(.offThePool) struct HandBuiltGoldenTests {
    func golden(_ message: String, _ version: Int16, _ variant: String) throws -> [UInt8] {
        let c = Fixtures.all.first { $0.message == message && $0.version == version && $0.variant == variant }
        return try #require(c, "no fixture \(message) v\(version) \(variant)").bytes
    }

    func check<M: KafkaMessage>(_ value: M, _ version: Int16, _ variant: String) throws {
        let expected = try golden(String(describing: M.self), version, variant)
        #expect(hex(try value.encoded(version: version)) == hex(expected))
        #expect(try M.decode(expected, version: version) == value)
    }

    @Test func listPartitionReassignmentsRequest() throws {
        typealias T = ListPartitionReassignmentsRequest.ListPartitionReassignmentsTopics
        try check(ListPartitionReassignmentsRequest(timeoutMs: 70001, topics: [
            T(name: "ké✓-3", partitionIndexes: [70004, 70005, 70006]),
            T(name: "ké✓-5", partitionIndexes: [70006, 70007, 70008]),
        ]), 0, "full")
        try check(ListPartitionReassignmentsRequest(timeoutMs: -1, topics: nil), 0, "sparse")
    }

    @Test func electLeadersRequest() throws {
        try check(ElectLeadersRequest(electionType: 2, topicPartitions: [
            .init(topic: "ké✓-3", partitions: [70004, 70005, 70006]),
            .init(topic: "ké✓-5", partitions: [70006, 70007, 70008]),
        ], timeoutMs: 70007), 2, "full")
        try check(ElectLeadersRequest(electionType: -1, topicPartitions: nil, timeoutMs: -1), 2, "sparse")
    }

    @Test func describeClusterRequest() throws {
        try check(DescribeClusterRequest(includeClusterAuthorizedOperations: true, endpointType: 3), 1, "full")
        try check(DescribeClusterRequest(includeClusterAuthorizedOperations: false, endpointType: -1), 1, "sparse")
    }

    @Test func alterPartitionReassignmentsResponse() throws {
        typealias P = AlterPartitionReassignmentsResponse.ReassignablePartitionResponse
        try check(AlterPartitionReassignmentsResponse(
            throttleTimeMs: 70001, allowReplicationFactorChange: false, errorCode: 39, errorMessage: "ké✓-4",
            responses: [
                .init(name: "ké✓-6", partitions: [
                    P(partitionIndex: 70008, errorCode: 31, errorMessage: "ké✓-10"),
                    P(partitionIndex: 70011, errorCode: 3, errorMessage: "ké✓-13"),
                ]),
                .init(name: "ké✓-14", partitions: [
                    P(partitionIndex: 70016, errorCode: 35, errorMessage: "ké✓-18"),
                    P(partitionIndex: 70019, errorCode: 31, errorMessage: "ké✓-21"),
                ]),
            ]), 1, "full")
        try check(AlterPartitionReassignmentsResponse(
            throttleTimeMs: -1, allowReplicationFactorChange: false, errorCode: -1, errorMessage: nil, responses: []),
            1, "sparse")
    }

    /// ApiVersionsResponse v3 carries tagged fields (features, epoch, ZkMigrationReady) in the full case.
    @Test func apiVersionsResponseWithTaggedFields() throws {
        try check(ApiVersionsResponse(
            errorCode: 3,
            apiKeys: [.init(apiKey: 303, minVersion: 304, maxVersion: 305), .init(apiKey: 306, minVersion: 307, maxVersion: 308)],
            throttleTimeMs: 70009,
            supportedFeatures: [.init(name: "ké✓-11", minVersion: 312, maxVersion: 313),
                                .init(name: "ké✓-14", minVersion: 315, maxVersion: 316)],
            finalizedFeaturesEpoch: 1_099_511_627_793,
            finalizedFeatures: [.init(name: "ké✓-19", maxVersionLevel: 320, minVersionLevel: 321),
                                .init(name: "ké✓-22", maxVersionLevel: 323, minVersionLevel: 324)],
            zkMigrationReady: true), 3, "full")
        try check(ApiVersionsResponse(errorCode: -1, apiKeys: [], throttleTimeMs: -1), 3, "sparse")
    }

    /// Fields absent from a version are dropped on encode and left at their defaults on decode.
    @Test func fieldsOutsideTheVersionAreIgnored() throws {
        let v1 = AlterPartitionReassignmentsRequest(timeoutMs: 5, allowReplicationFactorChange: false, topics: [])
        let v0Bytes = try v1.encoded(version: 0)
        #expect(v0Bytes == (try AlterPartitionReassignmentsRequest(timeoutMs: 5, topics: []).encoded(version: 0)))
        #expect(try AlterPartitionReassignmentsRequest.decode(v0Bytes, version: 0).allowReplicationFactorChange == true)
    }
}
