import ArgumentParser

/// Where a plan may put replicas: the options `kscale plan` and the scale commands share.
struct PlacementOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Leave topics whose whole name matches this regular expression where they are.", valueName: "regex"))
    var excludeTopics: String?
    @Flag(name: .long, help: "Ignore broker racks (needed when some brokers have a rack and others do not).")
    var disableRackAware = false
}
