import ArgumentParser
import Foundation
import KafkaAdmin

/// Text for people, JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Encodes a report as stable, pretty JSON on stdout.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    let data = try encoder.encode(value)
    print(String(decoding: data, as: UTF8.self))
}

/// Writes straight to stdout, unbuffered like the executor's progress lines, so the two stay in order.
func writeLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}

/// What the gate recorded, as every mutating command prints it: one line per change, "would send:"
/// in a dry run and "sent:" with --execute, so the two lists compare line by line.
func printMutations(_ gate: DryRunAdmin) async {
    for mutation in await gate.mutations { print(mutation.line) }
}

/// For the flows whose changes are as many as the run's steps (execute, resume, scale-out,
/// scale-in): the changes sent, counted by API.
func mutationSummary(_ mutations: [AdminMutation]) -> String {
    guard !mutations.isEmpty else { return "sent no change to the cluster" }
    let byAPI = Dictionary(grouping: mutations, by: \.api)
    let counts = AdminMutation.API.allCases.compactMap { api in byAPI[api].map { "\($0.count) \(api)" } }
    let refused = mutations.filter { $0.refusal != nil }.count
    return "sent \(mutations.count) changes to the cluster (\(counts.joined(separator: ", "))), \(refused) refused"
}
