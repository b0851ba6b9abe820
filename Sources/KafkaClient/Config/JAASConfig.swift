import KScaleCore

/// The one-line `sasl.jaas.config` Kafka clients use, e.g.
/// `org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="b";`
struct JAASConfig: Equatable {
    var loginModule: String
    var options: [String: String]

    /// Which SASL family the login module serves, so a mismatch with `sasl.mechanism` is caught.
    enum Family { case plain, scram, other }

    var family: Family {
        if loginModule.hasSuffix(".PlainLoginModule") || loginModule == "PlainLoginModule" { return .plain }
        if loginModule.hasSuffix(".ScramLoginModule") || loginModule == "ScramLoginModule" { return .scram }
        return .other
    }

    /// Parses one login module entry. Errors never echo option values (they hold passwords).
    static func parse(_ text: String) throws -> JAASConfig {
        var chars = Array(text)
        var i = 0
        func skipSpace() { while i < chars.count, chars[i].isWhitespace { i += 1 } }
        func word() -> String {
            var w = ""
            while i < chars.count, !chars[i].isWhitespace, chars[i] != "=", chars[i] != ";" { w.append(chars[i]); i += 1 }
            return w
        }
        skipSpace()
        let module = word()
        guard !module.isEmpty else { throw InvalidInput("sasl.jaas.config has no login module") }
        skipSpace()
        let flag = word()
        guard ["required", "requisite", "sufficient", "optional"].contains(flag) else {
            throw InvalidInput("sasl.jaas.config: expected a control flag (required) after \(module)")
        }
        var options: [String: String] = [:]
        while true {
            skipSpace()
            guard i < chars.count else { throw InvalidInput("sasl.jaas.config must end with ';'") }
            if chars[i] == ";" { i += 1; break }
            let key = word()
            skipSpace()
            guard !key.isEmpty, i < chars.count, chars[i] == "=" else {
                throw InvalidInput("sasl.jaas.config: option '\(key)' has no '=value'")
            }
            i += 1
            skipSpace()
            var value = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                var closed = false
                while i < chars.count {
                    if chars[i] == "\\", i + 1 < chars.count { value.append(chars[i + 1]); i += 2; continue }
                    if chars[i] == "\"" { closed = true; i += 1; break }
                    value.append(chars[i])
                    i += 1
                }
                guard closed else { throw InvalidInput("sasl.jaas.config: the value of '\(key)' has no closing quote") }
            } else {
                value = word()
            }
            options[key] = value
        }
        skipSpace()
        guard i == chars.count else { throw InvalidInput("sasl.jaas.config: only one login module is supported") }
        chars.removeAll()
        return JAASConfig(loginModule: module, options: options)
    }
}
