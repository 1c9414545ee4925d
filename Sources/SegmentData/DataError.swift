import SegmentCore
/// A problem with an input file, located as precisely as it can be: the file, the 1-based line,
/// and the column (by header name, with its 1-based field number) when there is one.
///
/// The description is the message a user sees: `azdias.csv:17: column 'KKK' (field 68): text in a
/// numeric column: "abc"`.
public struct DataError: RemediableError, Equatable, Sendable, Codable, CustomStringConvertible {
    public enum Kind: Equatable, Sendable, Codable {
        case cannotOpen(reason: String)
        case isDirectory
        case emptyFile
        case headerOnly
        case invalidUTF8
        case raggedRow(expected: Int, found: Int)
        case unterminatedQuote
        case unexpectedAfterQuote(String)
        case notANumber(String)
        case notFinite(String)
        case missingColumns([String])
        case duplicateColumns([String])
        case badHeader(expected: String, found: String)
        case unknownType(String)
        case malformedMissingList(String)
        case duplicateAttribute(name: String, firstLine: Int)
        case wrongFieldCount(expected: Int, found: Int)
        case ambiguousDelimiter
        case wrongDelimiter(found: String)
        /// A spreadsheet that cannot be read: not a zip, a part missing, malformed XML, a wrong header.
        case workbook(String)
        /// A column asked to be dropped that the schema does not have.
        case unknownDropColumn(String)
        /// Every column has more missing values than the threshold (a share in 0...1).
        case everyColumnMissing(threshold: Double)
        case changedWhileRead
        case other(String)
    }

    public var file: String
    public var line: Int?
    /// The column's header name, when known.
    public var column: String?
    /// The 1-based field number on the line, when known.
    public var field: Int?
    public var kind: Kind
    /// In a spreadsheet: the sheet and cell (`Tabelle1!B7`).
    public var cell: String?

    public init(file: String, line: Int? = nil, column: String? = nil, field: Int? = nil, cell: String? = nil, kind: Kind) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.cell = cell
        self.kind = kind
    }

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        var parts = [place]
        if let cell { parts.append("cell \(cell)") }
        if let column, let field {
            parts.append("column '\(column)' (field \(field))")
        } else if let column {
            parts.append("column '\(column)'")
        } else if let field {
            parts.append("field \(field)")
        }
        return Self.printable(parts.joined(separator: ": ") + ": " + message)
    }

    /// The text with control characters written as escapes (`\0`, `\t`, `\u{1B}`), so a hostile
    /// byte in a file or a name cannot reach the terminal raw.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || ($0.value >= 0x7F && $0.value < 0xA0) }) else { return text }
        var out = ""
        for u in text.unicodeScalars {
            switch u.value {
            case 0: out += "\\0"
            case 9: out += "\\t"
            case 10: out += "\\n"
            case 13: out += "\\r"
            case 0..<0x20, 0x7F..<0xA0: out += "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Names for a message: all of them up to 12, else the first 10 and how many more.
    static func list(_ names: [String]) -> String {
        names.count <= 12 ? names.joined(separator: ", ")
            : names.prefix(10).joined(separator: ", ") + " and \(names.count - 10) more"
    }

    public var message: String {
        switch kind {
        case let .cannotOpen(reason): return "cannot open the file: \(reason)"
        case .isDirectory: return "is a directory, not a file"
        case .emptyFile: return "the file is empty"
        case .headerOnly: return "the file has a header but no data rows"
        case .invalidUTF8: return "invalid UTF-8"
        case let .raggedRow(expected, found): return "expected \(expected) fields, found \(found)"
        case .unterminatedQuote: return "unterminated quote"
        case let .unexpectedAfterQuote(text): return "unexpected text after a closing quote: \"\(text)\""
        case let .notANumber(text): return "text in a numeric column: \"\(text)\""
        case let .notFinite(text): return "not a finite number: \"\(text)\""
        case let .missingColumns(names):
            return "\(names.count) schema column\(names.count == 1 ? " is" : "s are") missing from the header: \(Self.list(names))"
        case let .duplicateColumns(names):
            return "the header names \(names.count == 1 ? "a column" : "columns") more than once: \(Self.list(names))"
        case let .badHeader(expected, found): return "expected the header '\(expected)', found '\(found)'"
        case let .unknownType(t):
            return "unknown type '\(t)' (expected one of: \(FeatureType.allCases.map(\.rawValue).joined(separator: ", ")))"
        case let .malformedMissingList(text):
            return "malformed missing_or_unknown list '\(text)' (expected e.g. [-1,0], [-1,X] or [])"
        case let .duplicateAttribute(name, firstLine): return "attribute '\(name)' is listed twice (first on line \(firstLine))"
        case let .wrongFieldCount(expected, found): return "expected \(expected) fields, found \(found)"
        case let .wrongDelimiter(found):
            return "none of the schema's columns is in the header, whose fields are separated by \(found)"
        case .ambiguousDelimiter: return "cannot tell the delimiter from the header"
        case let .workbook(text): return text
        case let .unknownDropColumn(name): return "the columns to drop name '\(name)', which the schema does not have"
        case let .everyColumnMissing(threshold):
            return "every column is missing on more than \(Int(threshold * 100))% of the rows: nothing to cluster"
        case .changedWhileRead: return "the file changed while it was read (truncated or rewritten by another program); nothing was written: run again once it is complete"
        case let .other(text): return text
        }
    }
}

extension DataError {
    public var remedy: Remedy? {
        switch kind {
        case .ambiguousDelimiter, .wrongDelimiter: return .giveDelimiter
        case .unknownDropColumn: return .checkDropColumns
        case .everyColumnMissing: return .raiseColumnThreshold
        default: return nil
        }
    }
}
