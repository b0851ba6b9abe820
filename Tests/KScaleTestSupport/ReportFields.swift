import Foundation

/// Reads the numbers of an HTML report (`data-field` and `data-value` attributes) and of a JSON
/// summary by the same paths, so a test can hold one against the other.
///
/// Paths join keys with dots; an array whose objects all carry a numeric `broker` is keyed by that
/// id (`brokers.3.bytes_after`), any other array by position (`plans.0.relocations.2.replicas`).
public enum ReportFields {
    /// Every `data-field` of `html` with its `data-value`; a field given twice with two different
    /// values is reported in `conflicts`.
    public static func dataFields(html: String) -> (fields: [String: String], conflicts: [String]) {
        let pattern = /data-field="([^"]*)"\s+data-value="([^"]*)"/
        var fields: [String: String] = [:]
        var conflicts: [String] = []
        for match in html.matches(of: pattern) {
            let field = unescape(String(match.output.1)), value = unescape(String(match.output.2))
            if let earlier = fields[field], earlier != value { conflicts.append("\(field): \(earlier) and \(value)") }
            fields[field] = value
        }
        return (fields, conflicts)
    }

    /// Every number of a decoded JSON value by its path (strings, booleans and nulls are left out).
    public static func numbers(json: Any, prefix: String = "") -> [String: Double] {
        var out: [String: Double] = [:]
        func join(_ key: String) -> String { prefix.isEmpty ? key : "\(prefix).\(key)" }
        if let object = json as? [String: Any] {
            for (key, value) in object { out.merge(numbers(json: value, prefix: join(key))) { first, _ in first } }
        } else if let array = json as? [Any] {
            let brokerKeys = array.map { (($0 as? [String: Any])?["broker"] as? NSNumber).flatMap { isBoolean($0) ? nil : $0.intValue } }
            let byBroker = !array.isEmpty && brokerKeys.allSatisfy { $0 != nil }
            for (index, value) in array.enumerated() {
                let key = byBroker ? String(brokerKeys[index] ?? index) : String(index)
                out.merge(numbers(json: value, prefix: join(key))) { first, _ in first }
            }
        } else if let number = json as? NSNumber, !isBoolean(number) {
            out[prefix] = number.doubleValue
        }
        return out
    }

    /// JSONSerialization gives booleans as NSNumber too, of the char type.
    static func isBoolean(_ number: NSNumber) -> Bool { String(cString: number.objCType) == "c" }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
