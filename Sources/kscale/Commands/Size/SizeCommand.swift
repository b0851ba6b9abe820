import ArgumentParser

/// `kscale size partitions|brokers`: the two questions asked before scaling, answered with the
/// arithmetic shown so an operator can check it and argue with the inputs, not the tool.
struct SizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Size a topic's partitions or a cluster's brokers from throughput, consumers and retention.",
        subcommands: [SizePartitionsCommand.self, SizeBrokersCommand.self]
    )
}
