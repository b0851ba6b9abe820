import ArgumentParser

/// `kscale size partitions|brokers`: the two questions asked before scaling, answered with the
/// arithmetic shown so an operator can check it and argue with the inputs, not the tool.
struct SizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "size",
        abstract: "Size a topic's partitions or a cluster's brokers from throughput, consumers and retention.",
        discussion: helpDiscussion("", examples: [
            "kscale size partitions --target-throughput 200MB/s --per-partition-throughput 10MB/s --consumers 48",
            "kscale size brokers --ingress 100MB/s --egress 200MB/s --replication-factor 3 --retention-hours 168 --broker-network 125MB/s --broker-disk 2TB",
        ]),
        subcommands: [SizePartitionsCommand.self, SizeBrokersCommand.self]
    )
}
