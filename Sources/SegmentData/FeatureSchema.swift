import Foundation
import SegmentCore

/// How a feature is measured, as the summary file's `type` column says. `id` (a person id such as
/// `LNR`, carried into the per-person outputs, never a feature) and `date` (a `YYYY-MM-DD` text
/// column, used as its year) come from the full layout's type inference.
public enum FeatureType: String, Codable, Sendable, CaseIterable {
    case ordinal, categorical, numeric, mixed, interval, id, date
}

/// A code in a data column: most are integers (`-1`, `9`), a few are text (`X`, `XX`, `O`, `1A`).
public enum Code: Hashable, Codable, Sendable, Comparable, CustomStringConvertible {
    case number(Int)
    case text(String)

    /// Parses a token: an optionally signed integer is a number, and so is an integral decimal
    /// (`8.0`: the real files write one code both ways in one column); anything else is text.
    public init(token: String) {
        if let n = Int(token) {
            self = .number(n)
        } else if token.hasSuffix(".0"), let n = Int(token.dropLast(2)) {
            self = .number(n)
        } else {
            self = .text(token)
        }
    }

    public var description: String {
        switch self {
        case let .number(n): return String(n)
        case let .text(t): return t
        }
    }

    public var number: Int? { if case let .number(n) = self { return n }; return nil }

    /// In JSON a number code is a number and a text code a string (`-1`, `"XX"`); the keyed form
    /// of models written before format 3 (`{"number": {"_0": -1}}`) is still read.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case let .number(n): try c.encode(n)
        case let .text(t): try c.encode(t)
        }
    }

    private enum LegacyKeys: String, CodingKey { case number, text }
    private enum PayloadKeys: String, CodingKey { case _0 }

    public init(from decoder: any Decoder) throws {
        if let c = try? decoder.singleValueContainer() {
            if let n = try? c.decode(Int.self) { self = .number(n); return }
            if let t = try? c.decode(String.self) { self = .text(t); return }
        }
        let keyed = try decoder.container(keyedBy: LegacyKeys.self)
        if keyed.contains(.number) {
            self = .number(try keyed.nestedContainer(keyedBy: PayloadKeys.self, forKey: .number).decode(Int.self, forKey: ._0))
        } else {
            self = .text(try keyed.nestedContainer(keyedBy: PayloadKeys.self, forKey: .text).decode(String.self, forKey: ._0))
        }
    }

    public static func < (a: Code, b: Code) -> Bool {
        switch (a, b) {
        case let (.number(x), .number(y)): return x < y
        case (.number, .text): return true
        case (.text, .number): return false
        case let (.text(x), .text(y)): return x < y
        }
    }
}

/// One attribute of the feature summary.
public struct Feature: Codable, Equatable, Sendable {
    public var name: String
    public var informationLevel: String
    public var type: FeatureType
    /// The codes that mean "missing or unknown" (`missing_or_unknown`), converted to NaN by cleaning.
    public var missingCodes: [Code]
    /// True when the column's values are text codes (stored dictionary-encoded), false for numbers.
    public var isText: Bool
    /// The codes the metadata lists as meaningful, when it lists them (the DIAS xlsx does): any
    /// other code found in the data is unknown and becomes missing (`resolvingUndocumentedCodes`).
    public var validCodes: [Code]?
    /// What the column measures, from the metadata (the DIAS description), for the reports.
    public var meaning: String?

    public init(name: String, informationLevel: String, type: FeatureType, missingCodes: [Code], isText: Bool? = nil,
                validCodes: [Code]? = nil, meaning: String? = nil) {
        self.name = name
        self.informationLevel = informationLevel
        self.type = type
        self.missingCodes = missingCodes
        self.isText = isText
            ?? (missingCodes.contains { $0.number == nil } || AZDIASReference.textColumns.contains(name))
        self.validCodes = validCodes
        self.meaning = meaning
    }
}

/// The feature summary: which columns a demographics file has, how each is typed, which codes mean
/// missing. Read from a user's `AZDIAS_Feature_Summary.csv`, or the embedded AZDIAS schema.
public struct FeatureSchema: Codable, Equatable, Sendable {
    public private(set) var features: [Feature]
    private var indexByName: [String: Int]

    public init(features: [Feature]) {
        self.features = features
        self.indexByName = Dictionary(features.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    private enum CodingKeys: String, CodingKey { case features, indexByName }

    /// The name index is written with the schema (models keep their format) but never read back: it
    /// is rebuilt from the features, so an edited index (a negative or out-of-range position) cannot
    /// point outside them.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(features: try container.decode([Feature].self, forKey: .features))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(features, forKey: .features)
        try container.encode(indexByName, forKey: .indexByName)
    }

    public var count: Int { features.count }
    /// True for a schema inferred from a full-layout file (it has an id or a date column, which a
    /// feature summary cannot declare).
    public var isInferred: Bool { features.contains { $0.type == .id || $0.type == .date } }
    public var names: [String] { features.map(\.name) }
    public func index(of name: String) -> Int? { indexByName[name] }
    public subscript(name: String) -> Feature? { indexByName[name].map { features[$0] } }

    /// The 85-column AZDIAS schema as published (embedded; no file needed).
    public static let azdias: FeatureSchema = AZDIASReference.schema

    /// The header the summary file must start with.
    public static let header = "attribute;information_level;type;missing_or_unknown"

    /// Reads a feature summary file (see `parse(_:file:)` for the accepted variants).
    public static func load(path: String) throws -> FeatureSchema {
        let bytes = try readWholeFile(path)
        return try parse(bytes, file: path)
    }

    /// Parses the feature summary as published, and the variants that circulate: CRLF line endings,
    /// a UTF-8 BOM, a trailing comma (or semicolon) on every line, stray spaces around fields, no
    /// final newline. Anything else — an unknown type, a malformed missing list, a duplicated
    /// attribute, a wrong header — is a `DataError` naming the file and line.
    public static func parse(_ bytes: [UInt8], file: String) throws -> FeatureSchema {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var features: [Feature] = []
        var firstLine: [String: Int] = [:]
        var sawHeader = false
        var lineNumber = 0
        for rawLine in body.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            lineNumber += 1
            guard let text = String(validating: rawLine, as: UTF8.self) else {
                throw DataError(file: file, line: lineNumber, kind: .invalidUTF8)
            }
            var line = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            // A spreadsheet re-save leaves a trailing separator on every line.
            while line.hasSuffix(",") || line.hasSuffix(";") { line.removeLast() }
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if !sawHeader {
                let found = fields.joined(separator: ";")
                guard found.lowercased() == header else {
                    throw DataError(file: file, line: lineNumber, kind: .badHeader(expected: header, found: found))
                }
                sawHeader = true
                continue
            }
            guard fields.count == 4 else {
                throw DataError(file: file, line: lineNumber, kind: .wrongFieldCount(expected: 4, found: fields.count))
            }
            let name = fields[0]
            guard !name.isEmpty else {
                throw DataError(file: file, line: lineNumber, field: 1, kind: .other("empty attribute name"))
            }
            guard let type = FeatureType(rawValue: fields[2].lowercased()) else {
                throw DataError(file: file, line: lineNumber, column: "type", field: 3, kind: .unknownType(fields[2]))
            }
            guard let missing = parseMissingList(fields[3]) else {
                throw DataError(file: file, line: lineNumber, column: "missing_or_unknown", field: 4,
                                kind: .malformedMissingList(fields[3]))
            }
            if let first = firstLine[name] {
                throw DataError(file: file, line: lineNumber, kind: .duplicateAttribute(name: name, firstLine: first))
            }
            firstLine[name] = lineNumber
            features.append(Feature(name: name, informationLevel: fields[1], type: type, missingCodes: missing))
        }
        if !sawHeader { throw DataError(file: file, kind: .emptyFile) }
        if features.isEmpty { throw DataError(file: file, kind: .headerOnly) }
        return FeatureSchema(features: features)
    }

    /// `[-1,0]`, `[-1,X]`, `[XX]`, `[]` (letters unquoted; quotes and spaces tolerated). Nil when malformed.
    static func parseMissingList(_ text: String) -> [Code]? {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count >= 2 else { return nil }
        let inner = text.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
        if inner.isEmpty { return [] }
        var codes: [Code] = []
        for raw in inner.split(separator: ",", omittingEmptySubsequences: false) {
            var token = raw.trimmingCharacters(in: .whitespaces)
            if token.count >= 2, let f = token.first, f == token.last, f == "'" || f == "\"" {
                token = String(token.dropFirst().dropLast())
            }
            guard !token.isEmpty,
                  token.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "+") })
            else { return nil }
            if token.contains(where: { $0 == "-" || $0 == "+" }) && Int(token) == nil { return nil }
            codes.append(Code(token: token))
        }
        return codes
    }

    /// The summary file text for this schema, in the published format.
    public func summaryFileText() -> String {
        var lines = [Self.header]
        for f in features {
            lines.append("\(f.name);\(f.informationLevel);\(f.type.rawValue);[\(f.missingCodes.map(\.description).joined(separator: ","))]")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Reads a whole (small) file, with the errors users need: missing path, directory.
package func readWholeFile(_ path: String) throws -> [UInt8] {
    // Through `InputFile`: a directory or a device (/dev/zero) is a clear error, a pipe is capped.
    let file = try InputFile(path: path)
    defer { file.close() }
    let bytes = [UInt8](UnsafeBufferPointer(start: file.base, count: file.size))
    try file.checkUnchanged(name: path)
    return bytes
}
