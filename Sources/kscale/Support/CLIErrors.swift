import ArgumentParser
import Foundation
import KScaleCore
import KafkaClient

/// Runs a command body and turns the errors operators can act on into one clear line on stderr
/// and a non-zero exit, instead of a stack of Swift error descriptions: bad input exits 2, a
/// cluster that is unreachable or says no exits 1 (the input was fine, the cluster refused).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let e as InvalidInput {
        printError("error: \(e.message)")
        throw ExitCode(2)
    } catch let e as KafkaClientError {
        printError("error: \(e)")
        throw ExitCode(1)
    } catch let e as KafkaAPIError {
        printError("error: \(e)")
        throw ExitCode(1)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
