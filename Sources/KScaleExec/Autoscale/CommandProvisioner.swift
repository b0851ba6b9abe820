import Foundation
import KScaleCore

/// `provisioner: {kind: command, add: "...", remove: "..."}`: the operator's own scripts
/// (docs/autoscale.md, "Provisioners").
///
/// A template is run with `/bin/sh -c` after its placeholders were replaced by shell-quoted values:
/// `{id}` the broker id, `{rack}` its rack (empty when the cluster has none), `{count}` how many
/// brokers the action adds or removes. The rule for how many commands run:
/// - a template with `{id}` or `{rack}` runs once per broker, in the order the decision gave them;
/// - a template with neither (only `{count}`, or no placeholder) runs once for the whole action.
///
/// A command that exits non-zero stops the action there: `ProvisionFailure` carries every step
/// that ran, the failing one last with its exit code and the end of its output.
public struct CommandProvisioner: CommandListProvisioner {
    public var addTemplate: String
    public var removeTemplate: String
    public var runner: ProvisionRunner

    public init(add: String, remove: String, runner: ProvisionRunner = ProvisionRunner()) {
        addTemplate = add
        removeTemplate = remove
        self.runner = runner
    }

    public var kind: String { "command" }

    /// True when the template names one broker (`{id}` or `{rack}`), so it runs once per broker.
    public static func isPerBroker(_ template: String) -> Bool {
        template.contains("{id}") || template.contains("{rack}")
    }

    /// The template with its placeholders replaced by shell-quoted values.
    public static func render(_ template: String, id: BrokerID?, rack: String?, count: Int) -> String {
        var text = template.replacingOccurrences(of: "{count}", with: ProvisionRunner.shellQuoted(String(count)))
        if let id { text = text.replacingOccurrences(of: "{id}", with: ProvisionRunner.shellQuoted(String(id))) }
        text = text.replacingOccurrences(of: "{rack}", with: ProvisionRunner.shellQuoted(rack ?? ""))
        return text
    }

    public func commands(_ action: ProvisionAction) -> [[String]] {
        let shell = { (text: String) in ["/bin/sh", "-c", text] }
        switch action {
        case .add(let requests):
            guard Self.isPerBroker(addTemplate) else { return [shell(Self.render(addTemplate, id: nil, rack: nil, count: requests.count))] }
            return requests.map { shell(Self.render(addTemplate, id: $0.id, rack: $0.rack, count: requests.count)) }
        case .remove(let ids):
            guard Self.isPerBroker(removeTemplate) else { return [shell(Self.render(removeTemplate, id: nil, rack: nil, count: ids.count))] }
            return ids.map { shell(Self.render(removeTemplate, id: $0, rack: nil, count: ids.count)) }
        }
    }
}
