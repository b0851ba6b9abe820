import Foundation

/// What kind of failure an error is: who must act and what on. Every error kscale throws on
/// purpose has exactly one kind; the CLI maps each kind to one exit code (Sources/kscale/Support/
/// CLIErrors.swift) and prints the kind before the message, so `2` always means "fix the command
/// or the file" and never "the disk is full".
public enum ErrorKind: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The operator's arguments or files (a snapshot, a plan, --command-config): fix them.
    case badInput = "bad input"
    /// The input is fine but a safety rule or a precondition refused the operation (a scale-in
    /// that would empty a rack, a failed pre-flight check, a run another process drives);
    /// nothing was changed.
    case refused
    /// The cluster could not be reached, or it refused the credentials (SASL, TLS).
    case connection
    /// The cluster answered with a Kafka error code, or failed a request a run needs.
    case cluster = "cluster error"
    /// A local file or directory could not be created, read or written: the journal, the state
    /// directory, an output file (a full disk, a read-only path, a file where a directory should be).
    case localIO = "local I/O"
    /// The operation was cancelled before it finished.
    case interrupted
    /// A bug in kscale: a state it should never reach.
    case `internal`

    public var description: String { rawValue }

    /// The cluster or the way to it failed, not kscale, its input or the local disk: a later
    /// attempt may succeed, so a run polling the cluster counts it and tries again.
    public var isTransient: Bool { self == .connection || self == .cluster }
}

/// An error that says which kind it is.
public protocol KindedError: Error, CustomStringConvertible {
    var kind: ErrorKind { get }
}

/// An input the tool refuses. The message names the offending file, broker or partition, because
/// an operator reading it at 3 a.m. must know what to fix without reading the source.
public struct InvalidInput: KindedError, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var kind: ErrorKind { .badInput }
}

/// A safety rule or a precondition said no, before anything was changed. The message says which
/// rule and what would satisfy it.
public struct Refusal: KindedError, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var kind: ErrorKind { .refused }
}

/// A local file operation failed. Carries the path and the operating system's reason (strerror),
/// nothing else: no file contents, so never a secret.
public struct LocalIOError: KindedError, Sendable, Equatable {
    /// What was attempted, e.g. "cannot fsync journal".
    public var operation: String
    public var path: String
    /// The errno.
    public var code: Int32
    /// The system's words for it: strerror(code).
    public var reason: String

    /// From the current `errno`; call it right after the failing system call. (Foundation's file
    /// errors on Linux lose the errno, "error 512", so file code that reports one calls POSIX.)
    public init(_ operation: String, path: String, errno code: Int32 = errno) {
        self.operation = operation
        self.path = path
        self.code = code
        self.reason = String(cString: strerror(code))
    }

    public var description: String { "\(operation) \(path): \(reason)" }
    public var kind: ErrorKind { .localIO }
}

/// A state kscale should never reach (an allocation that failed, an API used after close).
public struct InternalError: KindedError, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
    public var kind: ErrorKind { .internal }
}
