import Foundation
import KScaleIO
import Testing
@testable import KScaleCore

/// Policy files (docs/autoscale.md, "Policy"): every key read into the model, and every problem of a
/// bad file named with its line and key, all at once.
@Suite struct AutoscalePolicyTests {
    static let fullPolicy = """
        brokers: {min: 6, max: 24}
        step: {out: 3, in: 2}
        cooldown: {out: 15m, in: 1h}
        evaluation: {interval: 30s, window: 10m}
        signals:
          network_in:  {out_above: 70%, in_below: 30%}
          network_out: {out_above: 70%, in_below: 30%}
          disk:        {out_above: 75%}
          partitions_per_broker: {out_above: 4000}
          cpu: {prometheus: 'avg(rate(process_cpu_seconds_total{job="kafka"}[5m]))', out_above: 60%, in_below: 20%}
        schedule:
          - {cron: "0 8 * * MON-FRI", timezone: Europe/Berlin, min: 12}
          - {cron: "0 18 * * MON-FRI", timezone: Europe/Berlin, min: 6}
        provisioner:
          kind: command
          add: "scripts/add-broker.sh {id} {rack}"
          remove: "scripts/remove-broker.sh {id}"
        throttle: 50MB/s
        max_drain: 2h
        notify: {webhook: "http://127.0.0.1:9000/kscale"}
        margin: 15%
        """

    static func read(_ text: String) throws -> AutoscalePolicy {
        try AutoscalePolicy.read(try PolicyFiles.document(Data(text.utf8), file: "policy.yaml"), file: "policy.yaml")
    }

    /// The problems of a bad policy, as (line, key) pairs and messages.
    static func problems(_ text: String) throws -> [PolicyProblem] {
        do {
            _ = try read(text)
        } catch let error as PolicyProblems {
            return error.problems
        }
        Issue.record("the policy was accepted")
        return []
    }

    @Test func everyKeyIsRead() throws {
        let policy = try Self.read(Self.fullPolicy)
        #expect(policy.brokers == AutoscalePolicy.BrokerBounds(min: 6, max: 24))
        #expect(policy.step == AutoscalePolicy.Step(out: 3, in: 2))
        #expect(policy.cooldown == AutoscalePolicy.Cooldown(out: 900, in: 3600))
        #expect(policy.evaluation == AutoscalePolicy.Evaluation(interval: 30, window: 600))
        #expect(policy.signals.map(\.kind) == [.networkIn, .networkOut, .disk, .partitionsPerBroker, .cpu])
        #expect(policy.signals[0].outAbove == 0.7 && policy.signals[0].inBelow == 0.3)
        #expect(policy.signals[2].outAbove == 0.75 && policy.signals[2].inBelow == nil)
        #expect(policy.signals[3].outAbove == 4000)
        #expect(policy.signals[4].prometheus == "avg(rate(process_cpu_seconds_total{job=\"kafka\"}[5m]))")
        #expect(policy.schedule.count == 2)
        #expect(policy.schedule[0].cron.timeZone.identifier == "Europe/Berlin")
        #expect(policy.schedule[0].min == 12 && policy.schedule[0].line == 12)
        #expect(policy.provisioner == .command(add: "scripts/add-broker.sh {id} {rack}", remove: "scripts/remove-broker.sh {id}"))
        #expect(policy.throttle == 50_000_000)
        #expect(policy.maxDrain == 7200)
        #expect(policy.notifyWebhook == "http://127.0.0.1:9000/kscale")
        #expect(policy.margin == 0.15)
    }

    @Test func defaultsWhereTheFileIsSilent() throws {
        let policy = try Self.read("brokers: {min: 3, max: 9}\n")
        #expect(policy.step == AutoscalePolicy.Step(out: 3, in: 3))
        #expect(policy.cooldown == AutoscalePolicy.Cooldown(out: 900, in: 3600))
        #expect(policy.evaluation == AutoscalePolicy.Evaluation(interval: 60, window: 600))
        #expect(policy.margin == 0.10)
        #expect(policy.signals.isEmpty && policy.schedule.isEmpty && policy.provisioner == nil)
    }

    @Test func everyProblemIsNamedWithItsLineAndKey() throws {
        let problems = try Self.problems("""
            brokers: {min: 9, max: 3}
            step: {out: 2, in: 5}
            cooldown: {out: soon, in: 1h}
            evaluation: {interval: 1m, window: 10m, jitter: 5s}
            signals:
              network_in: {out_above: 170%, in_below: 30%}
              disk: {out_above: 75%, in_below: 10%}
              latency: {out_above: 5}
            schedule:
              - {cron: "0 25 * * MON-FRI", min: 4}
              - {cron: "0 8 * * MON-FRY", timezone: Mars/Olympus, min: 6}
            provisioner: {kind: strimzi, namespace: kafka}
            throttle: 50
            colour: blue
            """)
        let found = Set(problems.map { "\($0.line) \($0.key)" })
        let expected: Set<String> = [
            "1 brokers.min", "2 step.in", "3 cooldown.out", "4 evaluation.jitter",
            "6 signals.network_in.out_above", "7 signals.disk.in_below", "8 signals.latency",
            "10 schedule[0].cron", "11 schedule[1].cron", "11 schedule[1].timezone",
            "12 provisioner.pool", "13 throttle", "14 colour",
        ]
        #expect(found == expected, "\(problems.map(\.description).joined(separator: "\n"))")
        let message = PolicyProblems(file: "policy.yaml", problems: problems).description
        #expect(message.hasPrefix("policy policy.yaml has 13 problems:"))
        #expect(message.contains("policy.yaml: line 2: step.in: 5 is above the scale-in cap of 3"))
        #expect(message.contains("\"Mars/Olympus\" is not a known IANA time zone"))
        #expect(message.contains("did you mean 50MB/s?"))
    }

    @Test func desiredSchedulesAndSignalsFight() throws {
        let problems = try Self.problems("""
            brokers: {min: 3, max: 12}
            signals:
              network_in: {out_above: 70%}
            schedule:
              - {cron: "0 8 * * *", desired: 9}
            """)
        #expect(problems.map(\.key) == ["schedule"])
        #expect(problems.first?.line == 5)
        #expect(problems.first?.message.contains("the two fight") == true)
        // Without signals the same entry is how a schedule sets the size.
        let policy = try Self.read("brokers: {min: 3, max: 12}\nschedule:\n  - {cron: \"0 8 * * *\", desired: 9}\n")
        #expect(policy.schedule.first?.desired == 9)
    }

    @Test func scaleInAboveTheCapNeedsTheOverrideKey() throws {
        let policy = try Self.read("brokers: {min: 3, max: 30}\nstep: {in: 6, allow_in_above_cap: true}\n")
        #expect(policy.step.in == 6)
        let problems = try Self.problems("brokers: {min: 3, max: 30}\nstep: {in: 6, allow_in_above_cap: maybe}\n")
        #expect(Set(problems.map(\.key)) == ["step.in", "step.allow_in_above_cap"])
    }

    @Test func provisionersNeedTheirTemplates() throws {
        let missing = try Self.problems("brokers: {min: 3, max: 9}\nprovisioner:\n  kind: command\n  add: \"add.sh {id} {zone}\"\n")
        #expect(Set(missing.map { "\($0.line) \($0.key)" }) == ["2 provisioner.remove", "4 provisioner.add"])
        #expect(missing.contains { $0.message.contains("unknown placeholder {zone}") })
        let compose = try Self.read("brokers: {min: 3, max: 9}\nprovisioner: {kind: compose, service: \"kafka-{id}\"}\n")
        #expect(compose.provisioner == .compose(file: nil, service: "kafka-{id}"))
        let strimzi = try Self.read("brokers: {min: 3, max: 9}\nprovisioner: {kind: strimzi, namespace: kafka, pool: brokers}\n")
        #expect(strimzi.provisioner == .strimzi(namespace: "kafka", pool: "brokers", kubectl: nil))
        let unknownKind = try Self.problems("brokers: {min: 3, max: 9}\nprovisioner: {kind: terraform}\n")
        #expect(unknownKind.map(\.key) == ["provisioner.kind"])
    }

    @Test func scheduleValuesStayWithinTheBrokerBounds() throws {
        let problems = try Self.problems("""
            brokers: {min: 6, max: 24}
            schedule:
              - {cron: "0 8 * * *", min: 30}
              - {cron: "0 9 * * *", min: 12, max: 8}
              - {cron: "0 9 * * *"}
            """)
        #expect(Set(problems.map { "\($0.line) \($0.key)" }) == ["3 schedule[0].min", "4 schedule[1].min", "5 schedule[2]"])
    }

    @Test func notYamlIsOneClearError() throws {
        #expect(throws: InvalidInput.self) { try Self.read("brokers: {min: 3, max: [\n") }
        let missing = try Self.problems("step: {out: 1}\n")
        #expect(missing.map(\.key) == ["brokers"])
    }
}
