/// A command's help discussion, ending with its EXAMPLES section: invocations that work as shown
/// (`HelpExamplesTests` parses every one). A line starting with `#` says what the next ones do.
func helpDiscussion(_ text: String, examples: [String]) -> String {
    let section = "EXAMPLES:\n" + examples.map { "  " + $0 }.joined(separator: "\n")
    return text.isEmpty ? section : text + "\n\n" + section
}
