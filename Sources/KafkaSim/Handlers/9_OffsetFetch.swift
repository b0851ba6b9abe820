import KScaleCore
import KafkaProtocol

// OffsetFetch (key 9). The group coordinator returns committed offsets: for the partitions asked,
// or all committed ones when topics is null; -1 for partitions without a commit. v8+ batches
// groups (Kafka: `GroupCoordinator.handleFetchOffsets`, `GroupMetadataManager.getOffsets`).
// Modelled: offsets seeded through SimCluster.commitOffset, and the traffic groups' commits,
// which advance with their share of each partition's bytes_out_per_sec and never pass the log
// end (`Engine/Traffic.swift`); any broker answers.
enum OffsetFetchHandler: APIHandler {
    typealias Request = OffsetFetchRequest
    typealias Response = OffsetFetchResponse
    static let versions: ClosedRange<Int16> = 1...8

    static func handle(_ request: Request, _ ctx: RequestContext) async throws -> Response {
        let groups: [(id: String, topics: [(String, [Int32])]?)] = ctx.version >= 8
            ? request.groups.map { g in (g.groupId, g.topics?.map { ($0.name, $0.partitionIndexes) }) }
            : [(request.groupId, request.topics?.map { ($0.name, $0.partitionIndexes) })]
        let committed = await ctx.engine.withModel { m, _ in
            Dictionary(uniqueKeysWithValues: groups.map { ($0.id, m.committedOffsets(group: $0.id) ?? [:]) })
        }
        func answer(_ id: String, _ topics: [(String, [Int32])]?) -> [(String, [(Int32, Int64)])] {
            let offsets = committed[id] ?? [:]
            let asked = topics ?? Dictionary(grouping: offsets.keys, by: \.topic).map { ($0.key, $0.value.map(\.partition).sorted()) }
            return asked.sorted { $0.0 < $1.0 }.map { name, parts in
                (name, parts.map { ($0, offsets[TopicPartition(name, $0)] ?? -1) })
            }
        }
        var r = Response()
        if ctx.version >= 8 {
            r.groups = groups.map { g in
                Response.OffsetFetchResponseGroup(groupId: g.id, topics: answer(g.id, g.topics).map { name, parts in
                    Response.OffsetFetchResponseTopics(name: name, partitions: parts.map {
                        Response.OffsetFetchResponsePartitions(partitionIndex: $0.0, committedOffset: $0.1)
                    })
                })
            }
        } else if let g = groups.first {
            r.topics = answer(g.id, g.topics).map { name, parts in
                Response.OffsetFetchResponseTopic(name: name, partitions: parts.map {
                    Response.OffsetFetchResponsePartition(partitionIndex: $0.0, committedOffset: $0.1)
                })
            }
        }
        return r
    }
}
