import ArgumentParser
import Foundation
import KScaleCore

/// Runs a command body and turns the errors operators can act on into one clear line on stderr
/// and a non-zero exit, instead of a stack of Swift error descriptions.
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as InvalidInput {
        printError("error: \(e.message)")
        throw ExitCode(2)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
