import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore

/// Text for people, JSON for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// `--output text|json`: the format of what a command prints, one meaning in every command. A
/// file a command writes is `--out FILE` (plan, snapshot); notes and warnings go to stderr.
struct OutputOptions: ParsableArguments {
    static let help = ArgumentHelp("text (for people) or json (for scripts: one object; commands that move data print one event per line, the result last). Notes and warnings go to stderr.",
                                   valueName: "text|json")

    @Option(name: .customLong("output"), help: OutputOptions.help)
    var format: OutputFormat = .text
}

/// `--output` of `plan` and `snapshot`, where it used to name the file written: a format name is
/// the format (as everywhere), any other value the file, accepted with a deprecation note (`--out`).
struct FormatOrFileOutputOptions: ParsableArguments {
    /// `text`, `json`, or (deprecated) a file name.
    enum Value: ExpressibleByArgument {
        case format(OutputFormat)
        case file(String)
        init?(argument: String) { self = OutputFormat(rawValue: argument).map(Value.format) ?? .file(argument) }
    }

    @Option(name: .customLong("output"), help: OutputOptions.help)
    var value: Value?

    /// The format `--output` gave, if it gave one.
    var givenFormat: OutputFormat? { if case let .format(f)? = value { f } else { nil } }

    var format: OutputFormat { givenFormat ?? .text }

    /// The file `--output FILE` named (deprecated spelling of `--out FILE`), if it did.
    var legacyFile: String? { if case let .file(f)? = value { f } else { nil } }

    /// The file to write: `--out`, or the deprecated `--output FILE` (one of them, not both).
    func file(out: String?) throws -> String? {
        guard let legacyFile else { return out }
        guard out == nil else { throw InvalidInput("give --out FILE only: --output takes text or json, not the file \"\(legacyFile)\"") }
        return legacyFile
    }

    func validate() throws {
        if let legacyFile { Deprecation.note("--output FILE is deprecated: write --out \(legacyFile) (--output takes text or json in every command)") }
    }
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

/// A mutating command's JSON: its result's fields and the gate's record of what was (or would
/// be) sent, under `mutations`.
struct ResultWithMutations<Result: Encodable>: Encodable {
    var result: Result
    var mutations: [AdminMutation]
    enum Key: String, CodingKey { case mutations }
    func encode(to encoder: Encoder) throws {
        try result.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(mutations, forKey: .mutations)
    }
}

/// A one-shot command that changes the cluster (elect-leaders, uncordon): connects through the
/// gate (`execute` decides), runs `body`, prints its result as JSON with the gate's mutations or
/// as text followed by the mutation lines, and exits with the code `body` gives.
func runMutatingCommand<Result: Encodable>(_ connection: ConnectionOptions, execute: Bool, output: OutputFormat,
                                           _ body: (DryRunAdmin) async throws -> (result: Result, text: String, exitCode: Int32)) async throws {
    var code: Int32 = 0
    try await reportingErrors {
        code = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig,
                                   requestTimeout: connection.requestTimeout, execute: execute) { admin in
            let done = try await body(admin)
            if output == .json {
                print(try LifecycleRender.json(ResultWithMutations(result: done.result, mutations: await admin.mutations)))
            } else {
                print(done.text)
                await printMutations(admin)
            }
            return done.exitCode
        }
    }
    if code != 0 { throw ExitCode(code) }
}
