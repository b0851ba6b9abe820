import ArgumentParser
import Foundation
import KScaleCore
import KafkaClient

/// The exit codes of errors, by kind: with the verdicts (0 done or OK, 1 warn or NOT SAFE, 2
/// critical, 3 a run that did not finish) the one table of docs/operator-guide.md, "Exit codes".
///
/// No error exits 0 or 1, so a gate that goes ahead on `check`'s 0 or 1 never goes ahead past a
/// cluster it could not read; an error exits 2 only when the operator's input or a safety rule
/// stopped it, before anything changed.
enum ExitCodes {
    /// The code each kind of error exits with.
    static func code(for kind: ErrorKind) -> Int32 {
        switch kind {
        case .badInput, .refused: 2
        case .connection: 4
        case .cluster: 5
        case .localIO: 6
        case .internal: 70        // EX_SOFTWARE
        case .interrupted: 130    // 128 + SIGINT, what a shell reports for Ctrl-C
        }
    }

    /// The kind of any error: its own when it says (`KindedError`), else by type.
    static func kind(of error: any Error) -> ErrorKind {
        switch error {
        case let e as any KindedError: e.kind
        case is KafkaAPIError: .cluster
        case is ValidationError: .badInput
        case is CancellationError: .interrupted
        default: .internal
        }
    }
}

/// Runs a command body and turns any error into one line on stderr, `error: KIND: MESSAGE`, and
/// the exit code of its kind (`ExitCodes`), instead of a stack of Swift error descriptions.
/// An `ExitCode` the body throws (a verdict) passes through untouched.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as ExitCode {
        throw e
    } catch {
        throw ExitCode(report(error))
    }
}

/// Prints `error` as one line naming its kind and returns the code to exit with.
func report(_ error: any Error) -> Int32 {
    let kind = ExitCodes.kind(of: error)
    printError(errorLine(error, kind: kind))
    return ExitCodes.code(for: kind)
}

/// `error: local I/O: cannot fsync journal /runs/x/journal.jsonl: No space left on device`.
func errorLine(_ error: any Error, kind: ErrorKind) -> String {
    let message: String
    switch error {
    case let e as ValidationError: message = e.message
    case let e as any KindedError: message = e.description
    case let e as KafkaAPIError: message = e.description
    case is CancellationError: message = "the operation was cancelled"
    default: message = "\(error) (a kscale bug: please report it)"
    }
    return "error: \(kind): \(message)"
}

/// Parses and runs the command, exiting with the table's codes: ArgumentParser's usage errors (an
/// unknown option, a value it cannot read) are bad input like any other; help and version exit 0;
/// a verdict a command throws as `ExitCode` exits with it.
func runMain(_ root: (some AsyncParsableCommand).Type) async -> Never {
    do {
        var command = try await root.asyncParseAsRoot(joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
        if var asyncCommand = command as? any AsyncParsableCommand {
            try await asyncCommand.run()
        } else {
            try command.run()
        }
    } catch {
        let parserCode = root.exitCode(for: error)
        if parserCode == .validationFailure {
            // ArgumentParser's text names the option and the value; its usage lines follow.
            let text = root.fullMessage(for: error)
            let body = text.hasPrefix("Error: ") ? String(text.dropFirst("Error: ".count)) : text
            printError("error: \(ErrorKind.badInput): \(body)")
            exit(ExitCodes.code(for: .badInput))
        }
        if parserCode == .success || error is ExitCode || error is CleanExit { root.exit(withError: error) }
        exit(report(error))
    }
    exit(0)
}

/// `--throttle -5MB/s` read as `--throttle=-5MB/s`. A word of a minus and a digit is a negative
/// value, never an option (kscale has no digit options), so it goes to the option before it, whose
/// own check then names it, instead of ArgumentParser's "Missing value for '--throttle'".
func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var out: [String] = []
    for word in arguments {
        let afterMinus = word.dropFirst().first
        if word.hasPrefix("-"), afterMinus?.isNumber == true || afterMinus == ".",
           let option = out.last, option.hasPrefix("--"), option != "--", !option.contains("="), !out.contains("--") {
            out[out.count - 1] = option + "=" + word
        } else {
            out.append(word)
        }
    }
    return out
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
