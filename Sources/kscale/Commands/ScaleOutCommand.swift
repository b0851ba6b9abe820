import ArgumentParser
import Foundation
import KafkaClient
import KScaleCore
import KScaleExec

/// `kscale scale-out`: every step of adding brokers, in order, none skippable.
struct ScaleOutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale-out",
        abstract: "Add brokers: wait for them, check, plan, execute with throttles, verify, elect leaders, check again.",
        discussion: """
            A dry run unless --execute: it waits for the brokers, runs the pre-flight check and prints the plan and the \
            projected before/after table. Exit code: 0 done and healthy, 1 the post-flight check warns, 2 bad input, a \
            refusal or a critical post-flight finding, 3 the run did not finish (it is journaled: kscale resume).
            """
    )

    @OptionGroup var scale: ScaleCommandOptions
    @Option(name: .long, help: "Broker ids to add, e.g. 7,8,9. Start them first; kscale waits until they register.")
    var addBrokers: String
    @Option(name: .long, help: "How long to wait for the new brokers to register unfenced (e.g. 5m).")
    var registrationTimeout = "5m"

    func run() async throws {
        try await scale.run(registrationTimeout: registrationTimeout) { flows in
            try await flows.scaleOut(adding: try parseBrokerList(addBrokers, option: "--add-brokers"))
        }
    }
}

/// Options scale-out and scale-in share: the connection, the executor's pacing and throttle, where
/// runs are journaled, and whether to change anything.
struct ScaleCommandOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var pacing: PacingOptions
    @Option(name: .long, help: "Root of the run journals (default ~/.kscale/runs); each plan gets its own directory.")
    var stateDir: String?
    @Option(name: .long, help: "Leave topics matching this regular expression where they are.")
    var excludeTopics: String?
    @Flag(name: .long, help: "Ignore racks when placing replicas.")
    var disableRackAware = false
    @Flag(name: .long, help: "Change the cluster. Without it, print what would happen.")
    var execute = false

    /// Connects, builds the flows over the planner and the executor engine, runs `body` and prints
    /// its report; exits with the report's code.
    func run(registrationTimeout: String = "5m", step: Int? = nil,
             _ body: @escaping (ScaleFlows) async throws -> ScaleReport) async throws {
        let json = pacing.output == .json
        var code: Int32 = 0
        try await runExecCommand {
            let runOptions = try pacing.options()
            let timeout = try parseDuration(registrationTimeout, option: "--registration-timeout")
            let printer = ProgressPrinter(format: pacing.output)
            let clock = connection.clock
            let report = try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig, requestTimeout: connection.requestTimeout) { admin in
                let runner = ExecutorRunner(admin: admin, options: runOptions, stateRoot: stateDir ?? RunDirectory.defaultRoot,
                                            clock: clock, bootstrap: connection.bootstrapServer,
                                            commandConfig: connection.commandConfig, emit: { printer.handle($0) })
                let options = ScaleOptions(execute: execute, registrationTimeout: timeout, step: step)
                let flows = ScaleFlows(admin: admin, planner: CorePlanner(excludeTopics: excludeTopics, rackAware: !disableRackAware),
                                       runner: runner, options: options, clock: clock, emit: { event in
                                           writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.EventLine(event))
                                                          : "[\(event.step)] \(event.message)")
                                       })
                return try await body(flows)
            }
            writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.ReportLine(report)) : LifecycleRender.scale(report))
            code = report.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Writes straight to stdout, unbuffered like the executor's progress lines, so the two stay in order.
func writeLine(_ s: String) {
    FileHandle.standardOutput.write(Data((s + "\n").utf8))
}
