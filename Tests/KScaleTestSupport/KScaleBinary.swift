import Foundation

/// The built `kscale` executable, run as an operator runs it.
public enum KScaleBinary {
    /// Names a `kscale` executable to use instead of the one SwiftPM built beside the tests.
    public static let overrideVariable = "KSCALE_BINARY"

    /// The `kscale` SwiftPM builds with the tests: in the folder of the test bundle
    /// (`.build/<triple>/debug/` on Linux) or a folder above it (macOS bundles).
    public static func locate() throws -> URL {
        if let named = ProcessInfo.processInfo.environment[overrideVariable], !named.isEmpty {
            guard FileManager.default.isExecutableFile(atPath: named) else {
                throw KScaleBinaryNotFound(description: "\(overrideVariable)=\(named) is not an executable file")
            }
            return URL(fileURLWithPath: named)
        }
        let starts = [URL(fileURLWithPath: CommandLine.arguments[0])]
            + Bundle.allBundles.map(\.bundleURL).filter { $0.pathExtension == "xctest" }
        let levelsAboveBundle = 3
        for start in starts {
            var folder = start.deletingLastPathComponent()
            for _ in 0...levelsAboveBundle {
                let candidate = folder.appendingPathComponent("kscale")
                var isFolder: ObjCBool = false
                if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isFolder), !isFolder.boolValue,
                   FileManager.default.isExecutableFile(atPath: candidate.path) {
                    return candidate
                }
                folder.deleteLastPathComponent()
            }
        }
        throw KScaleBinaryNotFound(description: """
            no kscale executable near \(starts.map(\.path)); build it with `swift build --build-tests` \
            or name one with \(overrideVariable)
            """)
    }

    /// Starts kscale with `arguments`; `environment` is laid over this process's environment.
    public static func start(_ arguments: [String], environment: [String: String] = [:]) throws -> ChildProcess {
        try ChildProcess(executable: try locate(), arguments: arguments, environment: environment)
    }

    /// Runs kscale to its end, at most `timeout` (then it is killed and this throws).
    public static func run(_ arguments: [String], environment: [String: String] = [:],
                           timeout: Duration = .seconds(120)) async throws -> ProcessResult {
        try await start(arguments, environment: environment).wait(timeout: timeout)
    }
}

/// No `kscale` executable where the tests look for one.
public struct KScaleBinaryNotFound: Error, CustomStringConvertible {
    public let description: String
}
