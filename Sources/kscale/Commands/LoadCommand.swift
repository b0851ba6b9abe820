import ArgumentParser
import Foundation
import KScaleCore
import KafkaClient

/// `kscale load`: a producer load generator (librdkafka), to measure what a topic sustains before
/// and after a change, in the spirit of kafka-producer-perf-test.
struct LoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Produce fixed-size records to a topic and report records/s, MB/s and latency percentiles.",
        discussion: helpDiscussion("""
        Latency is measured from handing a record to the producer to its delivery report, as \
        kafka-producer-perf-test does. This writes real records to the topic: use a test topic.
        """, examples: [
            "kscale load --bootstrap-server kafka-1:9092 --topic load-test --record-size 1KB --throughput 10MB/s --num-records 100000",
            "kscale load --bootstrap-server kafka-1:9092 --topic load-test --record-size 1KB --throughput -1 --num-records 1000000 --producer-property acks=all --output json",
        ])
    )

    @OptionGroup var connection: ConnectionOptions
    @Option(help: "The topic to write to (it must exist).")
    var topic: String
    @Option(help: "Bytes per record, e.g. 1KB.")
    var recordSize: String
    @Option(parsing: .unconditional, help: "Byte rate to hold to, e.g. 10MB/s, or -1 for as fast as possible.")
    var throughput: String
    @Option(help: "Records to send.")
    var numRecords: Int
    @Option(name: .customLong("producer-property"), help: "An extra librdkafka producer property, name=value (repeatable), e.g. acks=all.")
    var producerProperties: [String] = []
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await reportingErrors {
            let size = try parseSizeOption(recordSize, "--record-size")
            guard size <= Int64(Int.max) else { throw InvalidInput("--record-size is too large") }
            let rate: Int64? = throughput.trimmingCharacters(in: .whitespaces) == "-1" ? nil : try parseRateOption(throughput, "--throughput")
            let options = try LoadOptions(topic: topic, recordSize: Int(size), throughput: rate, numRecords: numRecords)
            guard let bootstrap = connection.bootstrapServer, !bootstrap.isEmpty else {
                throw InvalidInput("--bootstrap-server is required (HOST:PORT)")
            }
            let config = try ClientConfig.load(commandConfig: connection.commandConfig, bootstrap: bootstrap)
            var properties: [String: String] = [:]
            for pair in producerProperties {
                guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else {
                    throw InvalidInput("--producer-property \"\(pair)\" is not name=value")
                }
                properties[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
            }
            let producer = try RdKafkaProducer(config: config, producerProperties: properties)
            let text = output.format == .text
            let summary: LoadSummary
            do {
                // A refused login or an unreachable cluster fails here, within the request timeout.
                try await producer.connect(topic: options.topic, timeout: try parseRequestTimeout(connection.requestTimeout) ?? config.requestTimeout)
                summary = try await LoadGenerator.run(options, producer: producer) { line in
                    if text { print(line) }
                }
            } catch {
                await producer.close(flushTimeout: .seconds(1))
                throw error
            }
            await producer.close()
            if text { print(summary.line) } else { try printJSON(summary) }
        }
    }
}
