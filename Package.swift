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
        .library(name: "KafkaAdmin", targets: ["KafkaAdmin"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "KafkaSim", targets: ["KafkaSim"]),
        .library(name: "KScaleExec", targets: ["KScaleExec"]),
        .library(name: "KScaleTime", targets: ["KScaleTime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // Pure: model, planner, sizing, units. No networking, no files, no clock.
        .target(name: "KScaleCore"),
        // The one clock protocol (now, sleep) and its clocks: system, scaled wall time, manual.
        .target(name: "KScaleTime"),
        // System libraries.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        // Snapshot and plan files on disk (JSON, optionally zstd-compressed), and YAML policy files
        // read into KScaleCore's neutral document tree (Yams; every node keeps its line).
        .target(name: "KScaleIO", dependencies: ["KScaleCore", "CZstd", .product(name: "Yams", package: "Yams")]),
        // Generated Kafka message codecs plus the hand-written primitives they use.
        .target(name: "KafkaProtocol"),
        // Reads Kafka's JSON schemas and writes Sources/KafkaProtocol/Generated.
        // schemas/: kscale's own schemas for messages the shared Kafka set lacks (docs/protocol.md).
        .executableTarget(name: "kafka-codegen", exclude: ["messages.txt", "schemas"]),
        // SASL mechanisms (PLAIN, SCRAM-SHA-256/512), both sides: the client logs in, the simulator checks.
        .target(name: "KafkaSASL", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // The admin seam (as NIOCore is to NIOPosix): the `ClusterAdmin` protocol, its value types and
        // error contract, the one reading of a cluster (`ClusterObservation`) and the facts derived from
        // it, and the dry-run gate. No transport: KScaleExec and every test fake link only this.
        .target(name: "KafkaAdmin", dependencies: ["KScaleCore"]),
        // Connections, security, `KafkaAdminClient` (the seam over the wire protocol) and the librdkafka wrapper.
        .target(name: "KafkaClient", dependencies: [
            "KScaleCore", "KafkaAdmin", "KafkaProtocol", "KafkaSASL", "CRdKafka",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The simulated multi-broker cluster that speaks the wire protocol.
        .target(name: "KafkaSim", dependencies: [
            "KScaleCore", "KafkaAdmin", "KScaleTime", "KafkaProtocol", "KafkaSASL",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // Executor and lifecycle flows: journal, throttle ledger, pacing, verify, drain.
        // Depends on the admin seam and the clock only, never on a transport.
        .target(name: "KScaleExec", dependencies: ["KScaleCore", "KafkaAdmin", "KScaleTime"]),
        // Pictures of a plan for people: per-broker bars that fit a terminal, and a self-contained
        // HTML report (inline CSS and SVG). Pure: values in, text out.
        .target(name: "KScaleView", dependencies: ["KScaleCore", "KScaleExec"]),
        // The command line: one ParsableCommand per subcommand, rendering only.
        .executableTarget(name: "kscale", dependencies: [
            "KScaleCore", "KScaleIO", "KafkaAdmin", "KafkaClient", "KafkaSim", "KScaleExec", "KScaleTime", "KScaleView",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            // `kscale autoscale --metrics-port`'s endpoint (Support/MetricsEndpoint.swift).
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // What more than one test target needs, written once: a seeded generator and seeds, the
        // child-process runner and kscale locator, bounded waits, repository paths, the KafkaSim
        // profiles every scenario runs on, kafka-python's reading of a topic's configs.
        .target(name: "KScaleTestSupport", dependencies: ["KafkaSim"], path: "Tests/KScaleTestSupport"),
        .testTarget(name: "KScaleCoreTests", dependencies: ["KScaleCore", "KScaleIO", "KScaleTestSupport"]),
        .testTarget(name: "KafkaProtocolTests", dependencies: ["KafkaProtocol", "KScaleTestSupport"]),
        .testTarget(name: "KafkaSASLTests", dependencies: ["KafkaSASL"]),
        .testTarget(name: "KafkaAdminTests", dependencies: ["KafkaAdmin", "KScaleCore"]),
        .testTarget(name: "KafkaClientTests", dependencies: ["KafkaClient", "KafkaSim", "KScaleTestSupport"]),
        .testTarget(name: "KafkaSimTests", dependencies: ["KafkaSim", "KafkaProtocol", "KScaleTime", "KScaleTestSupport"]),
        .testTarget(name: "KScaleViewTests", dependencies: ["KScaleView", "KScaleExec", "KScaleCore", "KScaleTestSupport"]),
        .testTarget(name: "KScaleExecTests", dependencies: ["KScaleExec", "KafkaSim", "KafkaClient", "KScaleTime", "KScaleIO", "KScaleTestSupport"]),
        // KScaleExec and KafkaClient: to leave a run behind as a killed process would, for the binary to pick up.
        .testTarget(name: "CLITests", dependencies: ["KScaleCore", "KScaleIO", "kscale", "KafkaSim", "KafkaClient", "KScaleExec", "KScaleView", "KScaleTestSupport"]),
        // Scenarios written once, run against KafkaSim, and against real Kafka when KSCALE_BOOTSTRAP is set.
        .testTarget(name: "IntegrationTests", dependencies: ["KScaleExec", "KafkaSim", "KafkaClient", "KScaleCore", "KScaleTime", "KScaleTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
