import Foundation

extension AutoscalePolicy {
    /// The top-level keys of a policy file.
    public static let keys = ["brokers", "step", "cooldown", "evaluation", "signals", "schedule", "provisioner",
                              "throttle", "max_drain", "notify", "margin"]

    /// Reads a policy from its document tree, checking every rule of docs/autoscale.md. Throws
    /// `PolicyProblems` naming EVERY problem found (line and key), not just the first.
    public static func read(_ root: PolicyNode, file: String) throws -> AutoscalePolicy {
        var reader = PolicyReader()
        let policy = reader.policy(root)
        if let policy, reader.problems.isEmpty { return policy }
        if reader.problems.isEmpty { reader.problem(root.line, "(policy)", "could not be read") }
        throw PolicyProblems(file: file, problems: reader.problems)
    }
}

/// The checks, collecting problems instead of stopping at the first.
struct PolicyReader {
    var problems: [PolicyProblem] = []

    mutating func problem(_ line: Int, _ key: String, _ message: String) {
        problems.append(PolicyProblem(line: line, key: key, message: message))
    }

    mutating func policy(_ root: PolicyNode) -> AutoscalePolicy? {
        guard let top = mapping(root, path: "(policy)", allowed: AutoscalePolicy.keys) else { return nil }
        let bounds = brokers(top["brokers"], rootLine: root.line)
        let step = step(top["step"])
        let cooldown = AutoscalePolicy.Cooldown(
            out: duration(top["cooldown"], child: "out", allowed: ["out", "in"], path: "cooldown") ?? AutoscalePolicy.Cooldown.defaultOut,
            in: duration(top["cooldown"], child: "in", allowed: ["out", "in"], path: "cooldown") ?? AutoscalePolicy.Cooldown.defaultIn)
        let evaluation = evaluation(top["evaluation"])
        let margin = share(top["margin"], path: "margin", allowZero: true) ?? AutoscalePolicy.defaultMargin
        let signals = signals(top["signals"], margin: margin)
        let schedule = schedule(top["schedule"], bounds: bounds)
        let provisioner = provisioner(top["provisioner"])
        var throttle: Int64?
        if let entry = top["throttle"], let text = scalar(entry.value, path: "throttle") {
            do { throttle = try ByteUnits.parseThrottle(text) } catch { problem(entry.value.line, "throttle", message(error)) }
        }
        var maxDrain: Double?
        if let entry = top["max_drain"], let text = scalar(entry.value, path: "max_drain") {
            maxDrain = parsedDuration(text, line: entry.value.line, path: "max_drain")
        }
        let webhook = notify(top["notify"])

        if let desired = schedule.first(where: { $0.desired != nil }), let signalsEntry = top["signals"], !signals.isEmpty {
            problem(desired.line, "schedule",
                    "an entry sets desired, but the policy has on-demand signals (line \(signalsEntry.line)): the two fight; use min/max entries with signals, or drop the signals")
        }
        guard let bounds else { return nil }
        return AutoscalePolicy(brokers: bounds, step: step, cooldown: cooldown, evaluation: evaluation, signals: signals,
                               schedule: schedule, provisioner: provisioner, throttle: throttle, maxDrain: maxDrain,
                               notifyWebhook: webhook, margin: margin)
    }

    // MARK: - Sections

    mutating func brokers(_ entry: PolicyEntry?, rootLine: Int) -> AutoscalePolicy.BrokerBounds? {
        guard let entry else {
            problem(rootLine, "brokers", "is required: {min: N, max: M}")
            return nil
        }
        guard let fields = mapping(entry.value, path: "brokers", allowed: ["min", "max"]) else { return nil }
        let low = count(fields["min"], path: "brokers.min", minimum: 1, required: true, parentLine: entry.line)
        let high = count(fields["max"], path: "brokers.max", minimum: 1, required: true, parentLine: entry.line)
        guard let low, let high else { return nil }
        if low > high {
            problem(fields["min"]?.line ?? entry.line, "brokers.min", "min \(low) is above max \(high)")
            return nil
        }
        return AutoscalePolicy.BrokerBounds(min: low, max: high)
    }

    mutating func step(_ entry: PolicyEntry?) -> AutoscalePolicy.Step {
        var step = AutoscalePolicy.Step()
        guard let entry, let fields = mapping(entry.value, path: "step", allowed: ["out", "in", "allow_in_above_cap"]) else { return step }
        step.out = count(fields["out"], path: "step.out", minimum: 1) ?? step.out
        step.in = count(fields["in"], path: "step.in", minimum: 1) ?? step.in
        var allowed = false
        if let override = fields["allow_in_above_cap"], let text = scalar(override.value, path: "step.allow_in_above_cap") {
            switch text.lowercased() {
            case "true", "yes": allowed = true
            case "false", "no": allowed = false
            default: problem(override.value.line, "step.allow_in_above_cap", "\"\(text)\" is not true or false")
            }
        }
        if step.in > AutoscalePolicy.Step.scaleInCap, !allowed, let line = fields["in"]?.value.line {
            problem(line, "step.in", "\(step.in) is above the scale-in cap of \(AutoscalePolicy.Step.scaleInCap) brokers per action (each is a drain); set step.allow_in_above_cap: true if you mean it")
        }
        return step
    }

    mutating func evaluation(_ entry: PolicyEntry?) -> AutoscalePolicy.Evaluation {
        var evaluation = AutoscalePolicy.Evaluation()
        guard let entry else { return evaluation }
        let allowed = ["interval", "window"]
        evaluation.interval = duration(entry, child: "interval", allowed: allowed, path: "evaluation") ?? evaluation.interval
        evaluation.window = duration(entry, child: "window", allowed: allowed, path: "evaluation") ?? evaluation.window
        if evaluation.window < evaluation.interval {
            problem(entry.line, "evaluation.window", "window \(DurationText.format(evaluation.window)) is shorter than the interval \(DurationText.format(evaluation.interval)): a window holds at least one sample")
        }
        return evaluation
    }

    mutating func signals(_ entry: PolicyEntry?, margin: Double) -> [AutoscalePolicy.Signal] {
        guard let entry, let fields = mappingEntries(entry.value, path: "signals", allowed: AutoscalePolicy.SignalKind.allCases.map(\.rawValue)) else { return [] }
        var result: [AutoscalePolicy.Signal] = []
        for field in fields {
            guard let kind = AutoscalePolicy.SignalKind(rawValue: field.key) else { continue }
            let path = "signals.\(field.key)"
            var allowed = ["out_above"]
            if kind.canScaleIn { allowed.append("in_below") }
            if kind == .cpu { allowed.append("prometheus") }
            if !kind.canScaleIn, case let .mapping(keys) = field.value.content, let inBelow = keys.first(where: { $0.key == "in_below" }) {
                problem(inBelow.line, "\(path).in_below", "disk is never a scale-in signal: removing a broker moves its bytes onto the rest")
            }
            guard let thresholds = mapping(field.value, path: path, allowed: allowed, quietAbout: kind.canScaleIn ? [] : ["in_below"]) else { continue }
            var signal = AutoscalePolicy.Signal(kind: kind)
            if kind.isShare {
                signal.outAbove = share(thresholds["out_above"], path: "\(path).out_above")
                signal.inBelow = share(thresholds["in_below"], path: "\(path).in_below")
            } else {
                signal.outAbove = count(thresholds["out_above"], path: "\(path).out_above", minimum: 1).map(Double.init)
                signal.inBelow = count(thresholds["in_below"], path: "\(path).in_below", minimum: 1).map(Double.init)
            }
            if thresholds["out_above"] == nil && thresholds["in_below"] == nil {
                problem(field.line, path, "needs out_above and/or in_below")
            }
            if let outAbove = signal.outAbove, let inBelow = signal.inBelow, inBelow >= outAbove, let line = thresholds["in_below"]?.value.line {
                problem(line, "\(path).in_below", "in_below must be below out_above, or every evaluation scales one way or the other")
            }
            if kind == .cpu {
                if let query = thresholds["prometheus"] {
                    signal.prometheus = scalar(query.value, path: "\(path).prometheus")
                    if signal.prometheus?.trimmingCharacters(in: .whitespaces).isEmpty == true {
                        problem(query.value.line, "\(path).prometheus", "is empty: give a PromQL query")
                    }
                } else {
                    problem(field.line, "\(path).prometheus", "is required: Kafka does not report CPU, so cpu is read from a Prometheus query")
                }
            }
            result.append(signal)
        }
        return result
    }

    mutating func schedule(_ entry: PolicyEntry?, bounds: AutoscalePolicy.BrokerBounds?) -> [AutoscalePolicy.ScheduleEntry] {
        guard let entry else { return [] }
        guard case let .sequence(items) = entry.value.content else {
            problem(entry.value.line, "schedule", "must be a list of entries such as - {cron: \"0 8 * * MON-FRI\", min: 12}, not \(entry.value.shape)")
            return []
        }
        var result: [AutoscalePolicy.ScheduleEntry] = []
        for (index, item) in items.enumerated() {
            let path = "schedule[\(index)]"
            guard let fields = mapping(item, path: path, allowed: ["cron", "timezone", "min", "max", "desired"]) else { continue }
            // UTC unless the entry names a zone (and while checking, when the named one is unknown).
            guard var zone = TimeZone(identifier: "UTC") else { continue }
            if let zoneEntry = fields["timezone"], let name = scalar(zoneEntry.value, path: "\(path).timezone") {
                if let named = TimeZone(identifier: name) {
                    zone = named
                } else {
                    problem(zoneEntry.value.line, "\(path).timezone", "\"\(name)\" is not a known IANA time zone (e.g. Europe/Berlin, UTC)")
                }
            }
            var cron: CronSchedule?
            if let cronEntry = fields["cron"] {
                if let text = scalar(cronEntry.value, path: "\(path).cron") {
                    do { cron = try CronSchedule(text, timeZone: zone) } catch { problem(cronEntry.value.line, "\(path).cron", message(error)) }
                }
            } else {
                problem(item.line, "\(path).cron", "is required: when the entry fires, 5 fields such as \"0 8 * * MON-FRI\"")
            }
            let low = count(fields["min"], path: "\(path).min", minimum: 1)
            let high = count(fields["max"], path: "\(path).max", minimum: 1)
            let desired = count(fields["desired"], path: "\(path).desired", minimum: 1)
            if low == nil && high == nil && desired == nil && fields["min"] == nil && fields["max"] == nil && fields["desired"] == nil {
                problem(item.line, path, "needs min and/or max, or desired")
            }
            if desired != nil && (fields["min"] != nil || fields["max"] != nil) {
                problem(fields["desired"]?.line ?? item.line, "\(path).desired", "an entry sets either desired or min/max, not both")
            }
            if let low, let high, low > high { problem(fields["min"]?.line ?? item.line, "\(path).min", "min \(low) is above max \(high)") }
            if let bounds {
                for (key, value) in [("min", low), ("max", high), ("desired", desired)] {
                    guard let value, !(bounds.min...bounds.max).contains(value) else { continue }
                    problem(fields[key]?.value.line ?? item.line, "\(path).\(key)",
                            "\(value) is outside brokers.min..brokers.max (\(bounds.min)..\(bounds.max)), which always hold")
                }
            }
            if let cron { result.append(AutoscalePolicy.ScheduleEntry(cron: cron, min: low, max: high, desired: desired, line: item.line)) }
        }
        return result
    }

    mutating func provisioner(_ entry: PolicyEntry?) -> AutoscalePolicy.Provisioner? {
        guard let entry else { return nil }
        let allowedByKind = ["command": ["kind", "add", "remove"], "strimzi": ["kind", "namespace", "pool", "kubectl"],
                             "compose": ["kind", "file", "service"]]
        guard case let .mapping(items) = entry.value.content else {
            problem(entry.value.line, "provisioner", "must be a mapping with kind: command, strimzi or compose, not \(entry.value.shape)")
            return nil
        }
        guard let kindEntry = items.first(where: { $0.key == "kind" }), let kind = scalar(kindEntry.value, path: "provisioner.kind") else {
            if !items.contains(where: { $0.key == "kind" }) { problem(entry.line, "provisioner.kind", "is required: command, strimzi or compose") }
            return nil
        }
        guard let allowed = allowedByKind[kind] else {
            problem(kindEntry.value.line, "provisioner.kind", "\"\(kind)\" is not command, strimzi or compose")
            return nil
        }
        guard let fields = mapping(entry.value, path: "provisioner", allowed: allowed) else { return nil }
        func required(_ key: String, _ what: String) -> String? {
            guard let field = fields[key] else {
                problem(entry.line, "provisioner.\(key)", "is required for kind \(kind): \(what)")
                return nil
            }
            return scalar(field.value, path: "provisioner.\(key)")
        }
        switch kind {
        case "command":
            let add = required("add", "the command that starts a broker, e.g. \"scripts/add-broker.sh {id} {rack}\"")
            let remove = required("remove", "the command that stops a broker, e.g. \"scripts/remove-broker.sh {id}\"")
            for (key, template) in [("add", add), ("remove", remove)] {
                if let template, let line = fields[key]?.value.line { checkTemplate(template, line: line, path: "provisioner.\(key)", placeholders: ["id", "rack", "count"]) }
            }
            guard let add, let remove else { return nil }
            return .command(add: add, remove: remove)
        case "strimzi":
            let namespace = required("namespace", "the namespace of the KafkaNodePool")
            let pool = required("pool", "the KafkaNodePool whose spec.replicas is patched")
            let kubectl = fields["kubectl"].flatMap { scalar($0.value, path: "provisioner.kubectl") }
            guard let namespace, let pool else { return nil }
            return .strimzi(namespace: namespace, pool: pool, kubectl: kubectl)
        default:
            let service = required("service", "the service name template, e.g. \"kafka-{id}\"")
            let file = fields["file"].flatMap { scalar($0.value, path: "provisioner.file") }
            if let service, let line = fields["service"]?.value.line {
                checkTemplate(service, line: line, path: "provisioner.service", placeholders: ["id"])
                if !service.contains("{id}") { problem(line, "provisioner.service", "must contain {id}: each broker is its own service") }
            }
            guard let service else { return nil }
            return .compose(file: file, service: service)
        }
    }

    mutating func notify(_ entry: PolicyEntry?) -> String? {
        guard let entry, let fields = mapping(entry.value, path: "notify", allowed: ["webhook"]) else { return nil }
        guard let hook = fields["webhook"] else {
            problem(entry.line, "notify.webhook", "is required: the URL to POST events to")
            return nil
        }
        guard let url = scalar(hook.value, path: "notify.webhook") else { return nil }
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(), ["http", "https"].contains(scheme), parsed.host != nil else {
            problem(hook.value.line, "notify.webhook", "\"\(url)\" is not an http or https URL")
            return nil
        }
        return url
    }

    // MARK: - Values

    /// The entries of a mapping by key; an unknown or repeated key is a problem (and skipped).
    mutating func mapping(_ node: PolicyNode, path: String, allowed: [String], quietAbout: Set<String> = []) -> [String: PolicyEntry]? {
        guard let entries = mappingEntries(node, path: path, allowed: allowed, quietAbout: quietAbout) else { return nil }
        var result: [String: PolicyEntry] = [:]
        for entry in entries { result[entry.key] = entry }
        return result
    }

    mutating func mappingEntries(_ node: PolicyNode, path: String, allowed: [String], quietAbout: Set<String> = []) -> [PolicyEntry]? {
        guard case let .mapping(entries) = node.content else {
            problem(node.line, path, "must be a mapping of \(allowed.joined(separator: ", ")), not \(node.shape)")
            return nil
        }
        var seen = Set<String>()
        var kept: [PolicyEntry] = []
        let prefix = path == "(policy)" ? "" : path + "."
        for entry in entries {
            if !allowed.contains(entry.key) {
                if !quietAbout.contains(entry.key) {
                    problem(entry.line, prefix + entry.key, "unknown key (expected \(allowed.joined(separator: ", ")))")
                }
            } else if !seen.insert(entry.key).inserted {
                problem(entry.line, prefix + entry.key, "is given twice")
            } else {
                kept.append(entry)
            }
        }
        return kept
    }

    mutating func scalar(_ node: PolicyNode, path: String) -> String? {
        guard case let .scalar(text) = node.content else {
            problem(node.line, path, "must be a value, not \(node.shape)")
            return nil
        }
        return text
    }

    mutating func count(_ entry: PolicyEntry?, path: String, minimum: Int, required: Bool = false, parentLine: Int = 0) -> Int? {
        guard let entry else {
            if required { problem(parentLine, path, "is required") }
            return nil
        }
        guard let text = scalar(entry.value, path: path) else { return nil }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value >= minimum else {
            problem(entry.value.line, path, "\"\(text)\" is not a whole number of at least \(minimum)")
            return nil
        }
        return value
    }

    mutating func share(_ entry: PolicyEntry?, path: String, allowZero: Bool = false) -> Double? {
        guard let entry, let text = scalar(entry.value, path: path) else { return nil }
        do { return try Percentage.parse(text, name: "", allowZero: allowZero) } catch {
            problem(entry.value.line, path, message(error))
            return nil
        }
    }

    mutating func duration(_ entry: PolicyEntry?, child: String, allowed: [String], path: String) -> Double? {
        guard let entry, let fields = mapping(entry.value, path: path, allowedOnce: allowed, child: child),
              let field = fields[child], let text = scalar(field.value, path: "\(path).\(child)") else { return nil }
        return parsedDuration(text, line: field.value.line, path: "\(path).\(child)")
    }

    /// `mapping` that reports the section's unknown keys only once, while reading its first child.
    private mutating func mapping(_ node: PolicyNode, path: String, allowedOnce allowed: [String], child: String) -> [String: PolicyEntry]? {
        if child == allowed.first { return mapping(node, path: path, allowed: allowed) }
        guard case let .mapping(entries) = node.content else { return nil }
        var result: [String: PolicyEntry] = [:]
        for entry in entries where allowed.contains(entry.key) && result[entry.key] == nil { result[entry.key] = entry }
        return result
    }

    mutating func parsedDuration(_ text: String, line: Int, path: String) -> Double? {
        do { return try DurationText.parse(text, name: "") } catch {
            problem(line, path, message(error))
            return nil
        }
    }

    mutating func checkTemplate(_ template: String, line: Int, path: String, placeholders: Set<String>) {
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                problem(line, path, "\"{\" without a closing \"}\"")
                return
            }
            let name = String(rest[rest.index(after: open)..<close])
            if !placeholders.contains(name) {
                problem(line, path, "unknown placeholder {\(name)} (expected \(placeholders.sorted().map { "{\($0)}" }.joined(separator: ", ")))")
            }
            rest = rest[rest.index(after: close)...]
        }
    }

    /// An error's message without its own `name "text"` prefix repeated (the problem names the key).
    func message(_ error: any Error) -> String {
        ((error as? InvalidInput)?.message ?? "\(error)").trimmingCharacters(in: .whitespaces)
    }
}
