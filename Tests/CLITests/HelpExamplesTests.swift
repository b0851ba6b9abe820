import ArgumentParser
import Testing
@testable import kscale

/// Every command's help ends with an EXAMPLES section of invocations that parse as written (issue
/// 13 item 9): an operator can copy one and change only the values.
@Suite struct HelpExamplesTests {
    /// kscale and every subcommand under it, with the words that name it (`["throttle", "clear"]`).
    static func commands(_ command: any ParsableCommand.Type = KScale.self, path: [String] = []) -> [(path: [String], type: any ParsableCommand.Type)] {
        [(path, command)] + command.configuration.subcommands.flatMap { sub in
            commands(sub, path: path + [sub.configuration.commandName ?? ""])
        }
    }

    /// The example invocations of a help text: the lines after `EXAMPLES:` that start with `kscale `,
    /// joined with their ` \\` continuation lines, as the words a shell passes (the examples quote nothing).
    static func examples(_ help: String) -> [[String]] {
        guard let section = help.range(of: "EXAMPLES:\n") else { return [] }
        let lines = help[section.upperBound...].split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .prefix { !$0.isEmpty }
        var invocations: [String] = []
        var continuing = false
        for line in lines {
            let text = line.hasSuffix(" \\") ? String(line.dropLast(2)) : line
            if continuing, let last = invocations.popLast() {
                invocations.append(last + " " + text)
            } else if text.hasPrefix("kscale ") {
                invocations.append(text)
            }
            continuing = line.hasSuffix(" \\") && (continuing || text.hasPrefix("kscale "))
        }
        return invocations.map { $0.split(separator: " ").dropFirst().map(String.init) }
    }

    @Test func everyCommandsDiscussionEndsWithExamples() {
        let all = Self.commands()
        #expect(all.count >= 28, "kscale, its groups and their commands: \(all.map(\.path))")
        for (path, type) in all {
            let discussion = type.configuration.discussion
            let lastSection = discussion.components(separatedBy: "\n\n").last ?? ""
            #expect(lastSection.hasPrefix("EXAMPLES:\n"), "\(path): the discussion ends with its EXAMPLES section")
            // An 80-column help shows the examples as written: nothing of them is wrapped.
            let help = KScale.helpMessage(for: type, columns: 80)
            #expect(!Self.examples(help).isEmpty, "\(path): no example in `kscale \(path.joined(separator: " ")) --help`")
            #expect(Self.examples(help) == Self.examples(lastSection), "\(path): an example wraps in an 80-column help")
        }
    }

    @Test func everyExampleParsesAndALeafCommandsExamplesRunIt() throws {
        for (path, type) in Self.commands() {
            let examples = Self.examples(KScale.helpMessage(for: type, columns: 80))
            var parsedAsItself = false
            for words in examples {
                let parsed: any ParsableCommand
                do {
                    parsed = try KScale.parseAsRoot(words)
                } catch {
                    Issue.record("kscale \(words.joined(separator: " ")) (in the help of \(path)): \(KScale.fullMessage(for: error))")
                    continue
                }
                if ObjectIdentifier(Swift.type(of: parsed)) == ObjectIdentifier(type) { parsedAsItself = true }
            }
            if type.configuration.subcommands.isEmpty, ObjectIdentifier(type) != ObjectIdentifier(KScale.self) {
                #expect(parsedAsItself, "\(path): an example runs the command itself")
            }
        }
    }

    /// The examples' values parse too, beyond the words: a sample of commands run their own checks.
    @Test func examplesValuesAreAccepted() throws {
        let execute = try #require(try KScale.parseAsRoot(["execute", "--bootstrap-server", "kafka-1:9092", "--plan", "plan.json", "--throttle", "50MB/s",
                                                            "--max-in-flight-per-broker", "5", "--max-in-flight", "50", "--execute"]) as? ExecuteCommand)
        let options = try execute.pacing.options()
        #expect(options.maxMovesPerBroker == 5 && options.maxMoves == 50 && options.throttle == 50_000_000)
        #expect(execute.gate.execute)
        let auto = try #require(try KScale.parseAsRoot(["execute", "--plan", "plan.json", "--auto-throttle", "20MB/s..100MB/s"]) as? ExecuteCommand)
        #expect(try auto.pacing.options().autoThrottleMax == 100_000_000)
        let status = try #require(try KScale.parseAsRoot(["status", "--state-dir", "/var/lib/kscale/runs", "--run", "3f9a0c2e81d4b7a6", "--output", "json"]) as? StatusCommand)
        #expect(status.runSelection.stateRoot.root == "/var/lib/kscale/runs" && status.runSelection.run == "3f9a0c2e81d4b7a6")
        #expect(status.output.format == .json)
    }
}
