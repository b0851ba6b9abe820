import Foundation

/// Turns a request/response schema pair into Swift source.
///
/// The generated code follows the schema to the letter: a field is written only in the versions it
/// exists in, nullability and tagging are checked per version, and compact encodings are chosen by the
/// message's flexibleVersions. Values of fields absent from the version being encoded are ignored.
struct Emitter {
    let message: MessageSchema
    private var out = ""
    private var indent = 0

    init(message: MessageSchema) {
        self.message = message
    }

    static let keywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init", "inout",
        "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public", "rethrows",
        "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue", "default",
        "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return", "throw", "switch",
        "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self", "super", "throws", "true",
        "try", "Type", "Protocol",
    ]

    /// Schema field name with the first letter lowercased.
    static func propertyName(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    static func escaped(_ name: String) -> String {
        keywords.contains(name) ? "`\(name)`" : name
    }

    var valid: VersionRange { message.validVersions }
    var hasFlexible: Bool { !message.flexibleVersions.isEmpty && message.flexibleVersions.high >= valid.low && message.flexibleVersions.low <= valid.high }
    var flexibleCondition: String { message.flexibleVersions.condition(within: valid) }

    // MARK: output

    private mutating func line(_ s: String = "") {
        if s.isEmpty { out += "\n"; return }
        out += String(repeating: "    ", count: indent) + s + "\n"
    }

    private mutating func open(_ s: String) {
        line(s + " {")
        indent += 1
    }

    private mutating func close(_ suffix: String = "") {
        indent -= 1
        line("}" + suffix)
    }

    // MARK: types

    func swiftType(_ t: FieldType) -> String {
        switch t {
        case .int8: return "Int8"
        case .int16: return "Int16"
        case .int32: return "Int32"
        case .int64: return "Int64"
        case .uint16: return "UInt16"
        case .uint32: return "UInt32"
        case .float64: return "Double"
        case .bool: return "Bool"
        case .string: return "String"
        case .bytes, .records: return "[UInt8]"
        case .uuid: return "KafkaUUID"
        case .array(let e): return "[\(swiftType(e))]"
        case .structure(let n): return n
        }
    }

    func propertyType(_ f: Field) -> String {
        let base = swiftType(f.type)
        return f.isNullableSomewhere || f.type == .records ? base + "?" : base
    }

    func defaultExpression(_ f: Field) throws -> String {
        let optional = f.isNullableSomewhere || f.type == .records
        if f.defaultValue == "null" {
            guard optional else { throw CodegenError("\(message.name).\(f.name): null default on non-nullable field") }
            return "nil"
        }
        switch f.type {
        case .int8, .int16, .int32, .int64, .uint16, .uint32:
            guard let d = f.defaultValue, !d.isEmpty else { return "0" }
            if d.lowercased().hasPrefix("0x") {
                guard let v = UInt64(d.dropFirst(2), radix: 16) else { throw CodegenError("bad default \(d)") }
                return "\(v)"
            }
            guard let v = Int64(d) else { throw CodegenError("\(message.name).\(f.name): bad default \(d)") }
            return "\(v)"
        case .float64:
            guard let d = f.defaultValue, let v = Double(d) else { return "0" }
            return "\(v)"
        case .bool:
            return f.defaultValue?.lowercased() == "true" ? "true" : "false"
        case .string:
            let d = f.defaultValue ?? ""
            return "\"" + d.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        case .bytes:
            return "[]"
        case .records:
            return "nil"
        case .uuid:
            return ".zero"
        case .array:
            return "[]"
        case .structure(let n):
            return "\(n)()"
        }
    }

    // MARK: encode/decode expressions

    /// Statements writing `value` (an expression of the field's non-optional or optional type) to `w`.
    func encodeStatement(_ t: FieldType, value: String, compact: String, nullable: String?, field: String) -> String {
        switch t {
        case .int8: return "w.writeInt8(\(value))"
        case .int16: return "w.writeInt16(\(value))"
        case .int32: return "w.writeInt32(\(value))"
        case .int64: return "w.writeInt64(\(value))"
        case .uint16: return "w.writeUInt16(\(value))"
        case .uint32: return "w.writeUInt32(\(value))"
        case .float64: return "w.writeFloat64(\(value))"
        case .bool: return "w.writeBool(\(value))"
        case .uuid: return "w.writeUUID(\(value))"
        case .string:
            if let nullable { return "try w.writeNullableString(\(value), compact: \(compact), nullable: \(nullable), field: \"\(field)\")" }
            return "try w.writeString(\(value), compact: \(compact))"
        case .bytes, .records:
            if let nullable { return "try w.writeNullableBytes(\(value), compact: \(compact), nullable: \(nullable), field: \"\(field)\")" }
            return "try w.writeBytes(\(value), compact: \(compact))"
        case .array:
            preconditionFailure("arrays are written by encodeStatements")
        case .structure:
            if let nullable {
                return "try w.writeNullableStruct(\(value), nullable: \(nullable), field: \"\(field)\") { w, s in try s.encode(into: &w, version: version) }"
            }
            return "try \(value).encode(into: &w, version: version)"
        }
    }

    /// Statements writing a field. Arrays are written with plain loops over concrete types: generic
    /// helpers taking closures were not specialised and dominated the profile of large Metadata responses.
    func encodeStatements(_ t: FieldType, value: String, compact: String, nullable: String?, field: String) throws -> [String] {
        guard case .array(let e) = t else {
            return [encodeStatement(t, value: value, compact: compact, nullable: nullable, field: field)]
        }
        if case .array = e { throw CodegenError("\(field): nested arrays are not supported") }
        func loop(_ a: String) -> [String] {
            if case .structure = e {
                return ["for i in \(a).indices { try \(a)[i].encode(into: &w, version: version) }"]
            }
            return ["for e in \(a) { \(encodeStatement(e, value: "e", compact: compact, nullable: nil, field: field)) }"]
        }
        guard let nullable else {
            return ["try w.writeArrayLength(\(value).count, compact: \(compact))"] + loop(value)
        }
        return ["if let a = \(value) {", "    try w.writeArrayLength(a.count, compact: \(compact))"]
            + loop("a").map { "    " + $0 }
            + ["} else {", "    try w.writeNullArray(compact: \(compact), nullable: \(nullable), field: \"\(field)\")", "}"]
    }

    /// Statements reading a field from reader `rd` into `target`.
    func decodeStatements(_ t: FieldType, reader rd: String, target: String, compact: String, nullable: String?,
                          field: String) throws -> [String] {
        guard case .array(let e) = t else {
            return ["\(target) = \(decodeExpression(t, reader: rd, compact: compact, nullable: nullable, field: field))"]
        }
        if case .array = e { throw CodegenError("\(field): nested arrays are not supported") }
        let element = decodeExpression(e, reader: rd, compact: compact, nullable: nil, field: field)
        let fill = [
            "    var a = [\(swiftType(e))]()",
            "    a.reserveCapacity(ByteReader.reservation(forCount: n))",
            "    for _ in 0..<n { a.append(\(element)) }",
            "    \(target) = a",
        ]
        guard let nullable else {
            return ["do {", "    let n = try \(rd).readArrayLength(compact: \(compact), field: \"\(field)\")"] + fill + ["}"]
        }
        return ["if let n = try \(rd).readNullableArrayLength(compact: \(compact)) {"] + fill
            + ["} else {", "    try ByteReader.checkNull(nullable: \(nullable), field: \"\(field)\")", "    \(target) = nil", "}"]
    }

    /// An expression reading the field's value from reader `rd`.
    func decodeExpression(_ t: FieldType, reader rd: String, compact: String, nullable: String?, field: String) -> String {
        switch t {
        case .int8: return "try \(rd).readInt8()"
        case .int16: return "try \(rd).readInt16()"
        case .int32: return "try \(rd).readInt32()"
        case .int64: return "try \(rd).readInt64()"
        case .uint16: return "try \(rd).readUInt16()"
        case .uint32: return "try \(rd).readUInt32()"
        case .float64: return "try \(rd).readFloat64()"
        case .bool: return "try \(rd).readBool()"
        case .uuid: return "try \(rd).readUUID()"
        case .string:
            if let nullable { return "try \(rd).readNullableString(compact: \(compact), nullable: \(nullable), field: \"\(field)\")" }
            return "try \(rd).readString(compact: \(compact), field: \"\(field)\")"
        case .bytes, .records:
            if let nullable { return "try \(rd).readNullableBytes(compact: \(compact), nullable: \(nullable), field: \"\(field)\")" }
            return "try \(rd).readBytes(compact: \(compact), field: \"\(field)\")"
        case .array:
            preconditionFailure("arrays are read by decodeStatements")
        case .structure(let n):
            if let nullable {
                return "try \(rd).readNullableStruct(nullable: \(nullable), field: \"\(field)\") { r in try \(n)(from: &r, version: version) }"
            }
            return "try \(n)(from: &\(rd), version: version)"
        }
    }

    /// Nullability condition for `f`, or nil when the Swift type is not optional.
    func nullableCondition(_ f: Field) -> String? {
        if f.isNullableSomewhere { return f.nullableVersions.condition(within: valid) }
        if f.type == .records { return "false" }
        return nil
    }

    // MARK: structs

    /// Emits one struct (a message or a nested struct).
    private mutating func emitStruct(name: String, fields allFields: [Field], conformance: String, owner: String,
                                     children: [String], extra: [String]) throws {
        // Fields that never exist in a supported version are left out entirely.
        let fields = allFields.filter { $0.versions.condition(within: valid) != "false" }
        open("public struct \(name): \(conformance)")
        for e in extra { line(e) }
        if !extra.isEmpty { line() }
        for c in children where c != name {
            line("public typealias \(c) = \(owner).\(c)")
        }
        if children.contains(where: { $0 != name }) { line() }
        for f in fields {
            let p = Self.escaped(Self.propertyName(f.name))
            line("public var \(p): \(propertyType(f)) = \(try defaultExpression(f))")
        }
        if !fields.isEmpty { line() }
        line("public init() {}")
        if !fields.isEmpty {
            line()
            let params = try fields.map { f -> String in
                "\(Self.propertyName(f.name)): \(propertyType(f)) = \(try defaultExpression(f))"
            }
            let pad = String(repeating: "    ", count: indent + 1)
            let closePad = String(repeating: "    ", count: indent)
            open("public init(\n" + params.map { pad + $0 }.joined(separator: ",\n") + "\n" + closePad + ")")
            for f in fields {
                let p = Self.propertyName(f.name)
                line("self.\(p) = \(Self.escaped(p))")
            }
            close()
        }
        line()
        try emitEncode(structName: name, fields: fields)
        line()
        try emitDecode(structName: name, fields: fields)
        close()
    }

    private func fieldPath(_ structName: String, _ f: Field) -> String { "\(structName).\(f.name)" }

    /// When a field is written in the struct body (not as a tagged field): a Swift condition on
    /// `version`, or nil when it is tagged in every version it exists in.
    private func untaggedCondition(_ f: Field) -> String? {
        let present = f.versions.condition(within: valid)
        let tagged = f.taggedVersions.condition(within: valid)
        guard f.tag != nil, tagged != "false" else { return present }
        if tagged == "true" { return nil }
        return present == "true" ? "!(\(tagged))" : "\(present) && !(\(tagged))"
    }

    private mutating func emitConditional(_ cond: String, _ stmts: [String]) {
        if cond == "true" {
            stmts.forEach { line($0) }
        } else {
            open("if \(cond)")
            stmts.forEach { line($0) }
            close()
        }
    }

    /// Tagged fields that exist in some supported version, in tag order (the order they are written).
    private func taggedFields(_ fields: [Field]) -> [Field] {
        fields.filter { $0.tag != nil && $0.taggedVersions.condition(within: valid) != "false" }
            .sorted { ($0.tag ?? 0) < ($1.tag ?? 0) }
    }

    private mutating func emitEncode(structName: String, fields: [Field]) throws {
        open("public func encode(into w: inout ByteWriter, version: Int16) throws")
        let compact = hasFlexible ? "flexible" : "false"
        if hasFlexible { line("let flexible = \(flexibleCondition)") }
        for f in fields {
            guard let cond = untaggedCondition(f) else { continue }
            emitConditional(cond, try encodeStatements(f.type, value: "self.\(Self.propertyName(f.name))", compact: compact,
                                                       nullable: nullableCondition(f), field: fieldPath(structName, f)))
        }
        guard hasFlexible else { close(); return }
        let taggedFields = taggedFields(fields)
        open("if flexible")
        if taggedFields.isEmpty {
            line("w.writeUnsignedVarint(0)")
        } else {
            line("var taggedCount: UInt32 = 0")
            var conds: [String] = []
            for f in taggedFields {
                let p = "self.\(Self.propertyName(f.name))"
                let tv = f.taggedVersions.condition(within: valid)
                let c = (tv == "true" ? "" : "\(tv) && ") + "\(p) != \(try defaultExpression(f))"
                conds.append(c)
                line("if \(c) { taggedCount += 1 }")
            }
            line("w.writeUnsignedVarint(taggedCount)")
            for (f, c) in zip(taggedFields, conds) {
                let stmts = try encodeStatements(f.type, value: "self.\(Self.propertyName(f.name))", compact: "true",
                                                 nullable: nullableCondition(f), field: fieldPath(structName, f))
                open("if \(c)")
                line("try w.writeTaggedField(tag: \(f.tag ?? 0)) { w in")
                stmts.forEach { line("    " + $0) }
                line("}")
                close()
            }
        }
        close()
        close()
    }

    private mutating func emitDecode(structName: String, fields: [Field]) throws {
        open("public init(from r: inout ByteReader, version: Int16) throws")
        line("self.init()")
        let compact = hasFlexible ? "flexible" : "false"
        if hasFlexible { line("let flexible = \(flexibleCondition)") }
        for f in fields {
            guard let cond = untaggedCondition(f) else { continue }
            emitConditional(cond, try decodeStatements(f.type, reader: "r", target: "self.\(Self.propertyName(f.name))",
                                                       compact: compact, nullable: nullableCondition(f),
                                                       field: fieldPath(structName, f)))
        }
        guard hasFlexible else { close(); return }
        let taggedFields = taggedFields(fields)
        open("if flexible")
        if taggedFields.isEmpty {
            line("try r.skipTaggedFields()")
        } else {
            open("for _ in 0..<(try r.readTaggedFieldCount())")
            line("var field = try r.readTaggedField()")
            open("switch field.tag")
            for f in taggedFields {
                let tv = f.taggedVersions.condition(within: valid)
                let stmts = try decodeStatements(f.type, reader: "field.reader", target: "self.\(Self.propertyName(f.name))",
                                                 compact: "true", nullable: nullableCondition(f),
                                                 field: fieldPath(structName, f))
                line("case \(f.tag ?? 0)\(tv == "true" ? "" : " where \(tv)"):")
                stmts.forEach { line("    " + $0) }
            }
            line("default:")
            line("    break  // unknown tags are skipped, as tagged fields are optional by design")
            close()
            close()
        }
        close()
        close()
    }

    // MARK: file

    /// Emits a message and its nested structs (as extensions, flat under the message type, like
    /// Kafka's generated Java classes).
    mutating func emitMessage(responseName: String?) throws -> String {
        out = ""
        let m = message
        let proto = m.isRequest ? "KafkaRequest" : "KafkaResponse"
        var extra: [String] = []
        if m.isRequest, let responseName { extra.append("public typealias Response = \(responseName)") }
        extra.append("public static let apiKey: Int16 = \(m.apiKey)")
        extra.append("public static let validVersions: ClosedRange<Int16> = \(valid.low)...\(valid.high)")
        if hasFlexible {
            extra.append("public static let flexibleVersions: PartialRangeFrom<Int16>? = \(max(m.flexibleVersions.low, valid.low))...")
        } else {
            extra.append("public static let flexibleVersions: PartialRangeFrom<Int16>? = nil")
        }
        let structs = try m.allStructs()
        try emitStruct(name: m.name, fields: m.fields, conformance: proto, owner: m.name, children: [], extra: extra)
        for s in structs {
            line()
            open("extension \(m.name)")
            try emitStruct(name: s.name, fields: s.fields, conformance: "KafkaStruct", owner: m.name,
                           children: s.children, extra: [])
            close()
        }
        return out
    }
}
