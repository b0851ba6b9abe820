/// A command's help discussion, ending with its EXAMPLES section: invocations that work as shown
/// (`HelpExamplesTests` parses every one). A line starting with `#` says what the next ones do.
/// A long invocation is broken with ` \` continuations, so an 80-column help wraps none of it and
/// a copied example runs in a shell as it stands.
func helpDiscussion(_ text: String, examples: [String]) -> String {
    let section = "EXAMPLES:\n" + examples.map { "  " + exampleLines($0).joined(separator: " \\\n      ") }.joined(separator: "\n")
    return text.isEmpty ? section : text + "\n\n" + section
}

/// The widest line of an example, its indentation and the continuation ` \` included, that an
/// 80-column help shows unwrapped.
private let exampleLineWidth = 76

/// `example` in lines: words of a shell line, wrapped before a word (after the first) that would
/// pass `exampleLineWidth`.
private func exampleLines(_ example: String) -> [String] {
    guard !example.hasPrefix("#") else { return [example] }
    var lines: [String] = []
    var line = ""
    for word in example.split(separator: " ") {
        let indent = lines.isEmpty ? 2 : 6
        if !line.isEmpty, indent + line.count + 1 + word.count + 2 > exampleLineWidth {
            lines.append(line)
            line = String(word)
        } else {
            line += (line.isEmpty ? "" : " ") + word
        }
    }
    return lines + [line]
}
