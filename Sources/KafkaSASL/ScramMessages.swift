import Foundation

/// Parsing and spelling of SCRAM's comma-separated `k=v` attribute messages (RFC 5802 section 5).
enum ScramMessage {
    /// Splits `a=1,b=2` into ordered (key, value) pairs; every attribute is one letter.
    static func attributes(_ text: String) throws -> [(Character, String)] {
        try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
            guard part.count >= 2, let key = part.first, key.isLetter, part.dropFirst().first == "=" else {
                throw SaslError.malformed("bad SCRAM attribute '\(part.prefix(32))'")
            }
            return (key, String(part.dropFirst(2)))
        }
    }

    static func text(_ bytes: [UInt8]) throws -> String {
        guard let s = String(validating: bytes, as: UTF8.self) else { throw SaslError.malformed("SCRAM message is not valid UTF-8") }
        return s
    }

    /// The `saslname` escaping of RFC 5802: `=` and `,` cannot appear raw in a username.
    static func escape(_ name: String) -> String {
        name.replacingOccurrences(of: "=", with: "=3D").replacingOccurrences(of: ",", with: "=2C")
    }

    static func unescape(_ name: String) throws -> String {
        var out = ""
        var rest = Substring(name)
        while let i = rest.firstIndex(of: "=") {
            out += rest[..<i]
            let code = rest[i...].prefix(3)
            switch code {
            case "=3D": out += "="
            case "=2C": out += ","
            default: throw SaslError.malformed("bad escape in SCRAM username")
            }
            rest = rest[i...].dropFirst(3)
        }
        return out + rest
    }

    static func base64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

    static func unbase64(_ text: String, what: String) throws -> [UInt8] {
        guard let d = Data(base64Encoded: text) else { throw SaslError.malformed("\(what) is not valid base64") }
        return Array(d)
    }
}
