import Foundation

/// A JSON value as parsed, its kinds kept apart (a boolean is not a number).
public indirect enum JSONValue: Decodable {
    case object([String: JSONValue]), array([JSONValue]), string(String), number(Double), bool(Bool), null

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let n = try? c.decode(Double.self) { self = .number(n) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSONValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    public static func parse(_ data: Data) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: data) }
}

/// Checks a JSON value against the part of JSON Schema that `schemas/*.schema.json` use (written by
/// `scripts/json_schema.py`): `type`, `properties`, `required`, `additionalProperties: false`,
/// `items`, `anyOf`. Returns the problems, each with its path (`$.kmeans.centers.values[0]`).
public func jsonSchemaProblems(_ value: JSONValue, schema: JSONValue, path: String = "$") -> [String] {
    guard case let .object(s) = schema else { return [] }
    if case let .array(options)? = s["anyOf"] {
        return options.contains { jsonSchemaProblems(value, schema: $0, path: path).isEmpty }
            ? [] : ["\(path): matches none of \(options.count) shapes"]
    }
    if case let .string(type)? = s["type"] {
        let ok: Bool
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("number", .number), ("boolean", .bool), ("null", .null): ok = true
        default: ok = false
        }
        if !ok { return ["\(path): not a \(type)"] }
    }
    var problems: [String] = []
    if case let .object(object) = value {
        var properties: [String: JSONValue] = [:]
        if case let .object(p)? = s["properties"] { properties = p }
        if case let .array(required)? = s["required"] {
            for case let .string(key) in required where object[key] == nil { problems.append("\(path).\(key): missing") }
        }
        if case .bool(false)? = s["additionalProperties"] {
            for key in object.keys.sorted() where properties[key] == nil { problems.append("\(path).\(key): not in the schema") }
        }
        for (key, sub) in properties.sorted(by: { $0.key < $1.key }) {
            if let v = object[key] { problems += jsonSchemaProblems(v, schema: sub, path: "\(path).\(key)") }
        }
    }
    if case let .array(array) = value, let items = s["items"] {
        for (i, v) in array.enumerated() where problems.count <= 20 {
            problems += jsonSchemaProblems(v, schema: items, path: "\(path)[\(i)]")
        }
    }
    return problems
}

/// The repository's schema for one of the outputs (`summary` or `model`).
public func repositorySchema(_ name: String) throws -> JSONValue {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("schemas/\(name).schema.json")
    return try JSONValue.parse(Data(contentsOf: url))
}
