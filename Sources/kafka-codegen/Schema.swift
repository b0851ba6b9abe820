import Foundation

/// A version range from the schema language: "0+", "1-3", "5", or "none".
struct VersionRange: Equatable {
    var low: Int
    var high: Int  // Int16.max for open-ended

    static let none = VersionRange(low: 1, high: 0)
    var isEmpty: Bool { low > high }

    init(low: Int, high: Int) {
        self.low = low
        self.high = high
    }

    init(parsing text: String) throws {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t == "none" || t.isEmpty {
            self = .none
        } else if t.hasSuffix("+") {
            guard let lo = Int(t.dropLast()) else { throw CodegenError("bad version range \(text)") }
            self.init(low: lo, high: Int(Int16.max))
        } else if let dash = t.firstIndex(of: "-") {
            guard let lo = Int(t[..<dash]), let hi = Int(t[t.index(after: dash)...]) else {
                throw CodegenError("bad version range \(text)")
            }
            self.init(low: lo, high: hi)
        } else {
            guard let v = Int(t) else { throw CodegenError("bad version range \(text)") }
            self.init(low: v, high: v)
        }
    }

    func contains(_ v: Int) -> Bool { v >= low && v <= high }

    /// A Swift condition on `version`, simplified against the versions the message supports.
    func condition(within valid: VersionRange) -> String {
        if isEmpty || high < valid.low || low > valid.high { return "false" }
        let needLow = low > valid.low
        let needHigh = high < valid.high
        switch (needLow, needHigh) {
        case (false, false): return "true"
        case (true, false): return "version >= \(low)"
        case (false, true): return "version <= \(high)"
        case (true, true): return low == high ? "version == \(low)" : "(version >= \(low) && version <= \(high))"
        }
    }
}

struct CodegenError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

indirect enum FieldType: Equatable {
    case int8, int16, int32, int64, uint16, uint32, float64, bool, string, bytes, records, uuid
    case array(FieldType)
    case structure(String)

    init(parsing t: String) throws {
        if t.hasPrefix("[]") {
            self = .array(try FieldType(parsing: String(t.dropFirst(2))))
            return
        }
        switch t {
        case "int8": self = .int8
        case "int16": self = .int16
        case "int32": self = .int32
        case "int64": self = .int64
        case "uint16": self = .uint16
        case "uint32": self = .uint32
        case "float64": self = .float64
        case "bool": self = .bool
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        case "uuid": self = .uuid
        default:
            guard let first = t.first, first.isUppercase else { throw CodegenError("unknown type \(t)") }
            self = .structure(t)
        }
    }

    var structName: String? {
        switch self {
        case .structure(let n): return n
        case .array(let e): return e.structName
        default: return nil
        }
    }
}

struct Field {
    var name: String
    var type: FieldType
    var versions: VersionRange
    var nullableVersions: VersionRange
    var taggedVersions: VersionRange
    var tag: Int?
    var defaultValue: String?
    var fields: [Field]?

    init(json: [String: Any]) throws {
        guard let name = json["name"] as? String, let type = json["type"] as? String else {
            throw CodegenError("field without name or type: \(json)")
        }
        self.name = name
        self.type = try FieldType(parsing: type)
        versions = try VersionRange(parsing: json["versions"] as? String ?? "none")
        nullableVersions = try VersionRange(parsing: json["nullableVersions"] as? String ?? "none")
        taggedVersions = try VersionRange(parsing: json["taggedVersions"] as? String ?? "none")
        tag = json["tag"] as? Int
        if let d = json["default"] {
            if let s = d as? String { defaultValue = s } else if let b = d as? Bool { defaultValue = b ? "true" : "false" } else { defaultValue = "\(d)" }
        }
        if let sub = json["fields"] as? [[String: Any]] {
            fields = try sub.map(Field.init(json:))
        }
        if tag != nil, taggedVersions.isEmpty { throw CodegenError("field \(name) has a tag but no taggedVersions") }
    }

    var isNullableSomewhere: Bool { !nullableVersions.isEmpty }
}

struct StructDef {
    var name: String
    var fields: [Field]
    /// Structs whose definitions appear directly in this one, for nested type aliases.
    var children: [String]
}

struct MessageSchema {
    var name: String
    var apiKey: Int
    var isRequest: Bool
    var validVersions: VersionRange
    var flexibleVersions: VersionRange
    var fields: [Field]
    var commonStructs: [StructDef]
    var file: String

    init(file: URL) throws {
        let raw = try String(contentsOf: file, encoding: .utf8)
        let stripped = raw.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            // Schema comments are whole-line or trailing `//`; no string value in the schemas contains `//`.
            if let r = line.range(of: "//") { return line[..<r.lowerBound] }
            return line
        }.joined(separator: "\n")
        guard let json = try JSONSerialization.jsonObject(with: Data(stripped.utf8)) as? [String: Any] else {
            throw CodegenError("\(file.lastPathComponent): not a JSON object")
        }
        guard let name = json["name"] as? String, let apiKey = json["apiKey"] as? Int, let type = json["type"] as? String,
              let valid = json["validVersions"] as? String, let fields = json["fields"] as? [[String: Any]]
        else { throw CodegenError("\(file.lastPathComponent): missing name/apiKey/type/validVersions/fields") }
        self.name = name
        self.apiKey = apiKey
        self.isRequest = type == "request"
        self.validVersions = try VersionRange(parsing: valid)
        self.flexibleVersions = try VersionRange(parsing: json["flexibleVersions"] as? String ?? "none")
        self.fields = try fields.map(Field.init(json:))
        self.file = file.lastPathComponent
        let commons = json["commonStructs"] as? [[String: Any]] ?? []
        self.commonStructs = try commons.map { c in
            guard let n = c["name"] as? String, let fs = c["fields"] as? [[String: Any]] else {
                throw CodegenError("\(file.lastPathComponent): bad commonStruct")
            }
            let parsed = try fs.map(Field.init(json:))
            return StructDef(name: n, fields: parsed, children: parsed.compactMap { $0.fields == nil ? nil : $0.type.structName })
        }
    }

    /// Every struct the message declares, inline ones in the order they appear, then common ones.
    func allStructs() throws -> [StructDef] {
        var out: [StructDef] = []
        var seen = Set<String>()
        func walk(_ fields: [Field]) throws {
            for f in fields {
                guard let sub = f.fields else { continue }
                guard let n = f.type.structName else { throw CodegenError("\(name).\(f.name) has fields but is not a struct") }
                if seen.insert(n).inserted {
                    out.append(StructDef(name: n, fields: sub, children: sub.compactMap { $0.fields == nil ? nil : $0.type.structName }))
                }
                try walk(sub)
            }
        }
        try walk(fields)
        for c in commonStructs where seen.insert(c.name).inserted {
            out.append(c)
            try walk(c.fields)
        }
        return out
    }
}
