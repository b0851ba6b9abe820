/// Java `.properties` syntax, as Kafka's tools read `--command-config`: `key=value`, `key: value`
/// or `key value`; `#`/`!` comments; a trailing backslash continues the line; `\t`, `\n`, `\uXXXX`
/// and `\\` escapes.
enum PropertiesFile {
    static func parse(_ text: String) -> [(key: String, value: String, line: Int)] {
        var result: [(String, String, Int)] = []
        var logical = ""
        var startLine = 0
        var continuing = false
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            if continuing {
                line = line.drop(while: { $0 == " " || $0 == "\t" || $0 == "\u{0C}" })
            } else {
                line = line.drop(while: { $0 == " " || $0 == "\t" || $0 == "\u{0C}" })
                if line.isEmpty || line.first == "#" || line.first == "!" { continue }
                startLine = n + 1
                logical = ""
            }
            let backslashes = line.reversed().prefix(while: { $0 == "\\" }).count
            if backslashes % 2 == 1 {
                logical += line.dropLast()
                continuing = true
                continue
            }
            logical += line
            continuing = false
            result.append(split(logical, line: startLine))
        }
        if continuing { result.append(split(logical, line: startLine)) }
        return result
    }

    private static func split(_ line: String, line n: Int) -> (String, String, Int) {
        var key = ""
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "\\" {
                let next = line.index(after: i)
                if next < line.endIndex { key.append("\\"); key.append(line[next]); i = line.index(after: next); continue }
            }
            if c == "=" || c == ":" || c == " " || c == "\t" { break }
            key.append(c)
            i = line.index(after: i)
        }
        var rest = line[i...].drop(while: { $0 == " " || $0 == "\t" })
        if let f = rest.first, f == "=" || f == ":" { rest = rest.dropFirst().drop(while: { $0 == " " || $0 == "\t" }) }
        return (unescape(key), unescape(String(rest)), n)
    }

    static func unescape(_ s: String) -> String {
        guard s.contains("\\") else { return s }
        var out = ""
        var it = Array(s)
        var i = 0
        while i < it.count {
            let c = it[i]
            guard c == "\\", i + 1 < it.count else { out.append(c); i += 1; continue }
            let e = it[i + 1]
            i += 2
            switch e {
            case "t": out.append("\t")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "f": out.append("\u{0C}")
            case "u":
                if i + 4 <= it.count, let v = UInt32(String(it[i..<i + 4]), radix: 16), let scalar = Unicode.Scalar(v) {
                    out.unicodeScalars.append(scalar)
                    i += 4
                } else {
                    out.append("u")
                }
            default: out.append(e)
            }
        }
        it.removeAll()
        return out
    }
}
