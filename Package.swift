// swift-tools-version:6.1
import PackageDescription

// One target per job; see docs/architecture.md for the map and the seams between them.
let package = Package(
    name: "kscale",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "kscale", targets: ["kscale"]),
        .library(name: "KScaleCore", targets: ["KScaleCore"]),
        .library(name: "KafkaProtocol", targets: ["KafkaProtocol"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "KafkaSim", targets: ["KafkaSim"]),
        .library(name: "KScaleExec", targets: ["KScaleExec"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // Pure: model, planner, sizing, units. No networking, no files, no clock.
        .target(name: "KScaleCore"),
        // System libraries.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // Snapshot and plan files on disk (JSON, optionally zstd-compressed).
        .target(name: "KScaleIO", dependencies: ["KScaleCore", "CZstd"]),
        // Generated Kafka message codecs plus the hand-written primitives they use.
        .target(name: "KafkaProtocol"),
        // Reads Kafka's JSON schemas and writes Sources/KafkaProtocol/Generated.
        .executableTarget(name: "kafka-codegen", exclude: ["messages.txt"]),
        // SASL mechanisms (PLAIN, SCRAM-SHA-256/512), both sides: the client logs in, the simulator checks.
        .target(name: "KafkaSASL", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Connections, security, the ClusterAdmin API and the librdkafka wrapper.
        .target(name: "KafkaClient", dependencies: [
            "KScaleCore", "KafkaProtocol", "KafkaSASL", "CRdKafka",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The simulated multi-broker cluster that speaks the wire protocol.
        .target(name: "KafkaSim", dependencies: [
            "KScaleCore", "KafkaProtocol", "KafkaSASL",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Executor and lifecycle flows: journal, throttle ledger, pacing, verify, drain.
        .target(name: "KScaleExec", dependencies: [
            "KScaleCore", "KafkaClient",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The command line: one ParsableCommand per subcommand, rendering only.
        .executableTarget(name: "kscale", dependencies: [
            "KScaleCore", "KScaleIO", "KafkaClient", "KafkaSim", "KScaleExec",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // What more than one test target needs (a seeded generator), written once.
        .target(name: "KScaleTestSupport", path: "Tests/KScaleTestSupport"),
        .testTarget(name: "KScaleCoreTests", dependencies: ["KScaleCore", "KScaleIO", "KScaleTestSupport"]),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "KScaleTestSupport"]),
        .testTarget(name: "KafkaSASLTests", dependencies: ["KafkaSASL"]),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "KafkaSim", "KScaleTestSupport"]),
        .testTarget(name: "KafkaSimTests", dependencies: ["KafkaSim", "KafkaProtocol", "KScaleTestSupport"]),
        .testTarget(name: "KScaleExecTests", dependencies: ["KScaleExec", "KafkaSim", "KafkaClient", "KScaleTestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["KScaleCore", "KScaleIO", "kscale", "KafkaSim", "KScaleTestSupport"]),
        // Scenarios written once, run against KafkaSim, and against real Kafka when KSCALE_BOOTSTRAP is set.
        .testTarget(name: "IntegrationTests", dependencies: ["KScaleExec", "KafkaSim", "KafkaClient", "KScaleCore", "KScaleTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
