/// An input the tool refuses. The message names the offending file, broker or partition, because
/// an operator reading it at 3 a.m. must know what to fix without reading the source.
public struct InvalidInput: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
