import ArgumentParser
import Foundation
import KafkaAdmin
import KScaleCore
import KScaleExec
import KScaleIO
import KScaleView

/// Options scale-out and scale-in share: the connection, the executor's pacing and throttle, where
/// runs are journaled, and whether to change anything.
struct ScaleCommandOptions: ParsableArguments {
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var pacing: PacingOptions
    @OptionGroup var stateRoot: StateRootOptions
    @OptionGroup var placement: PlacementOptions
    @OptionGroup var gate: DryRunGateOptions
    @Option(name: .long, help: "Also write a self-contained HTML report (charts, moves by broker pair, throttle, estimate) to this file.")
    var html: String?

    /// Connects, builds the flows over the planner and the executor engine, runs `body` and prints
    /// its report; exits with the report's code.
    func run(registrationTimeout: String = "5m", step: Int? = nil,
             _ body: @escaping (ScaleFlows) async throws -> ScaleReport) async throws {
        let json = pacing.output == .json
        var code: Int32 = 0
        try await runExecCommand {
            let runOptions = try pacing.options()
            let planner = try CorePlanner.checked(excludeTopics: placement.excludeTopics, rackAware: !placement.disableRackAware)
            let timeout = try parseDuration(registrationTimeout, option: "--registration-timeout")
            let printer = ProgressPrinter(format: pacing.output)
            let clock = connection.runClock
            let root = stateRoot.root
            let (report, sent) = try await reportingInterruptions(runIn: { try? RunDirectory.latest(root: root) }) {
                try await withAdmin(bootstrap: connection.bootstrapServer, commandConfig: connection.commandConfig,
                                                     requestTimeout: connection.requestTimeout, execute: gate.execute) { admin in
                let runner = ExecutorRunner(admin: admin, options: runOptions, stateRoot: root,
                                            clock: clock, bootstrap: connection.bootstrapServer,
                                            commandConfig: connection.commandConfig, emit: { printer.handle($0) })
                let options = ScaleOptions(registrationTimeout: timeout, step: step)
                let flows = ScaleFlows(admin: admin, planner: planner,
                                       runner: runner, options: options, clock: clock, emit: { event in
                                           writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.EventLine(event))
                                                          : "[\(event.step)] \(event.message)")
                                       })
                let report = try await body(flows)
                return (report, await admin.mutations)
                }
            }
            if report.executed, !json { writeLine(mutationSummary(sent)) }
            if let html { try KScaleFiles.write(Data(HTMLReport.render(PlanPicture.scale(report)).utf8), to: html, what: "HTML report") }
            writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.ReportLine(report))
                           : LifecycleRender.scale(report, width: TerminalWidth.columns(environment: ProcessInfo.processInfo.environment)))
            code = report.exitCode
        }
        if code != 0 { throw ExitCode(code) }
    }
}
