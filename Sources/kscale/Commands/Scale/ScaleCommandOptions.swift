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

    /// Connects, builds the flows over the planner and the executor engine, runs the `kind` flow
    /// over `brokers` (parsed inside, so bad input exits as every error does) and prints its
    /// report; exits with the report's code. The flow journals itself beside its runs, so an
    /// interrupted command continues with `kscale resume` or by running it again.
    func run(_ kind: FlowCommand.Kind, brokers: @escaping () throws -> [BrokerID], registrationTimeout: String = "5m",
             step: Int? = nil, byteTolerance: Double? = nil) async throws {
        var code: Int32 = 0
        try await runExecCommand {
            let ids = try brokers()
            let settings = FlowSettings(excludeTopics: placement.excludeTopics, rackAware: !placement.disableRackAware,
                                        registrationTimeout: try parseDuration(registrationTimeout, option: "--registration-timeout"),
                                        runOptions: try pacing.options(), bootstrap: connection.bootstrapServer,
                                        commandConfig: connection.commandConfig, byteTolerance: byteTolerance)
            let command = FlowCommand(kind: kind, brokers: ids, step: step, settings: settings)
            code = try await runFlow(command, root: stateRoot.root, connection: connection, output: pacing.output,
                                     execute: gate.execute, html: html) { flows in
                kind == .scaleOut ? try await flows.scaleOut(adding: ids) : try await flows.scaleIn(removing: ids)
            }
        }
        if code != 0 { throw ExitCode(code) }
    }
}

/// Runs a lifecycle flow of `command` (its journaled settings: the planner's, the executor's and
/// the registration timeout) under `root` and prints its events and report (and the HTML report to `html`): shared by the scale
/// commands and `kscale resume` of a run a scale command started. Returns the report's exit code;
/// an interruption ends it with `Interrupts.report` of the flow (exit 130).
func runFlow(_ command: FlowCommand, root: String, connection: ConnectionOptions, output: OutputFormat, execute: Bool,
             html: String? = nil, _ body: @escaping (ScaleFlows) async throws -> ScaleReport) async throws -> Int32 {
    let json = output == .json
    let settings = command.settings
    let runOptions = settings.runOptions ?? RunOptions()
    let planner = try CorePlanner.checked(excludeTopics: settings.excludeTopics, rackAware: settings.rackAware,
                                          byteTolerance: settings.byteTolerance)
    let printer = ProgressPrinter(format: output)
    let clock = connection.runClock
    let flowDir = FlowDirectory.directory(for: command, root: root)
    let (report, sent) = try await reportingInterruptions(runIn: { FlowDirectory.isFlow(flowDir) ? flowDir : try? RunDirectory.latest(root: root) }) {
        try await withAdmin(bootstrap: connection.bootstrapServer ?? settings.bootstrap, commandConfig: connection.commandConfig ?? settings.commandConfig,
                            requestTimeout: connection.requestTimeout, execute: execute) { admin in
            let runner = ExecutorRunner(admin: admin, options: runOptions, stateRoot: root, clock: clock, bootstrap: settings.bootstrap,
                                        commandConfig: settings.commandConfig, emit: { printer.handle($0) })
            let options = ScaleOptions(registrationTimeout: settings.registrationTimeout ?? ScaleOptions().registrationTimeout, step: command.step)
            let flows = ScaleFlows(admin: admin, planner: planner, runner: runner, options: options, clock: clock,
                                   journaling: FlowJournaling(root: root, settings: settings), emit: { event in
                                       writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.EventLine(event)) : "[\(event.step)] \(event.message)")
                                   })
            let report = try await body(flows)
            return (report, await admin.mutations)
        }
    }
    if report.executed, !json { writeLine(mutationSummary(sent)) }
    if let html { try KScaleFiles.write(Data(HTMLReport.render(PlanPicture.scale(report)).utf8), to: html, what: "HTML report") }
    writeLine(json ? LifecycleRender.jsonLine(LifecycleRender.ReportLine(report))
                   : LifecycleRender.scale(report, width: TerminalWidth.current()))
    return report.exitCode
}
