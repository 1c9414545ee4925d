import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// An Office Open XML spreadsheet (`.xlsx`) as cells: what the DIAS metadata files need, read with
/// a bounds-checked walk of the zip directory and zlib's inflate (`ZipDirectory`) and Foundation's
/// streaming `XMLParser` (the parts).
///
/// Read: the workbook's sheet list and relationships, the shared strings (rich-text runs joined,
/// phonetic runs left out), each sheet's cells (shared, inline and formula strings, numbers,
/// booleans) and merged ranges. Every failure is a `DataError` naming the file and, where there is
/// one, the sheet and cell; parts larger than `maximumPartBytes` are refused rather than inflated.
public struct Workbook: Sendable {
    public struct CellAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// 1-based row and column (A = 1).
        public var row: Int
        public var column: Int
        public init(row: Int, column: Int) { self.row = row; self.column = column }

        /// Parses `B7`, `AA12`; nil when malformed.
        public init?(_ reference: String) {
            var col = 0, row = 0, sawDigit = false
            for ch in reference.utf8 {
                if ch >= 65 && ch <= 90 && !sawDigit {
                    col = col * 26 + Int(ch - 64)
                    if col > 16_384 { return nil }
                } else if ch >= 48 && ch <= 57 {
                    sawDigit = true
                    row = row * 10 + Int(ch - 48)
                    if row > 1_048_576 { return nil }
                } else {
                    return nil
                }
            }
            guard col > 0, row > 0 else { return nil }
            self.row = row
            self.column = col
        }

        public var columnLetters: String {
            var n = column, s = ""
            while n > 0 { let r = (n - 1) % 26; s = String(UnicodeScalar(UInt8(65 + r))) + s; n = (n - 1) / 26 }
            return s
        }
        public var description: String { columnLetters + String(row) }
        public static func < (a: Self, b: Self) -> Bool { (a.row, a.column) < (b.row, b.column) }
    }

    /// A cell's content: its text (numbers as written in the file, `1` or `-1.5`) and whether the
    /// file stored it as a number.
    public struct Cell: Sendable, Equatable {
        public var text: String
        public var isNumber: Bool
        public init(text: String, isNumber: Bool) { self.text = text; self.isNumber = isNumber }
    }

    public struct Sheet: Sendable {
        public var name: String
        public var cells: [CellAddress: Cell]
        /// Merged ranges (top-left ... bottom-right).
        public var merged: [ClosedRange<CellAddress>]

        public init(name: String, cells: [CellAddress: Cell], merged: [ClosedRange<CellAddress>]) {
            self.name = name
            self.cells = cells
            self.merged = merged
        }

        /// The cell's text, trimmed; nil when empty.
        public func text(row: Int, column: Int) -> String? {
            guard let c = cells[CellAddress(row: row, column: column)] else { return nil }
            let t = c.text.trimmingCharacters(in: .whitespacesAndNewlines)
            return t.isEmpty ? nil : t
        }

        /// The merged range holding a cell, if any.
        public func mergedRange(containing a: CellAddress) -> ClosedRange<CellAddress>? {
            merged.first { a.row >= $0.lowerBound.row && a.row <= $0.upperBound.row
                && a.column >= $0.lowerBound.column && a.column <= $0.upperBound.column }
        }

        /// The cell's text, or, inside a merged range, the text of the range's top-left cell (what a
        /// reader of the spreadsheet sees there).
        public func textFillingMerged(row: Int, column: Int) -> (text: String?, fromMerge: Bool) {
            if let t = text(row: row, column: column) { return (t, false) }
            if let range = mergedRange(containing: CellAddress(row: row, column: column)) {
                return (text(row: range.lowerBound.row, column: range.lowerBound.column), true)
            }
            return (nil, false)
        }

        /// The last row holding a cell.
        public var lastRow: Int { cells.keys.map(\.row).max() ?? 0 }
        public var lastColumn: Int { cells.keys.map(\.column).max() ?? 0 }
    }

    public var file: String
    public var sheets: [Sheet]

    public init(file: String, sheets: [Sheet]) {
        self.file = file
        self.sheets = sheets
    }

    public subscript(name: String) -> Sheet? { sheets.first { $0.name == name } }

    /// Parts above this size (uncompressed) are refused: the DIAS files' largest is under 1 MB.
    public static let maximumPartBytes = 256 << 20

    // MARK: reading

    /// Spreadsheets larger than this are refused before they are read (the DIAS files are 80 KB).
    public static let maximumFileBytes = 256 << 20

    public static func read(path: String) throws -> Workbook {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw DataError(file: path, kind: .cannotOpen(reason: "no such file"))
        }
        if isDir.boolValue { throw DataError(file: path, kind: .isDirectory) }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= maximumFileBytes else {
            throw DataError(file: path, kind: .workbook("\(size) bytes: too large for a metadata spreadsheet"))
        }
        return try read(bytes: try readWholeFile(path), file: path)
    }

    public static func read(bytes: [UInt8], file: String) throws -> Workbook {
        guard bytes.count >= 4, bytes[0] == 0x50, bytes[1] == 0x4B else {
            throw DataError(file: file, kind: .workbook("not an .xlsx file (no zip signature)"))
        }
        let zip: ZipDirectory
        do {
            zip = try ZipDirectory(bytes)
        } catch let ZipDirectory.Failure.corrupt(why) {
            throw DataError(file: file, kind: .workbook("not an .xlsx file: the zip container cannot be read (\(why))"))
        } catch let ZipDirectory.Failure.unsupported(why) {
            throw DataError(file: file, kind: .workbook("not an .xlsx file this tool reads: \(why)"))
        }
        func part(_ path: String, required: Bool = true) throws -> Data? {
            do {
                guard let b = try zip.read(path, limit: maximumPartBytes) else {
                    if required { throw DataError(file: file, kind: .workbook("the zip has no \(path): not a spreadsheet")) }
                    return nil
                }
                return Data(b)
            } catch let ZipDirectory.Failure.tooLarge(p, size) {
                throw DataError(file: file, kind: .workbook("\(p) is \(size) bytes unpacked: too large for a spreadsheet part"))
            } catch let ZipDirectory.Failure.corrupt(why) {
                throw DataError(file: file, kind: .workbook("a corrupt zip entry: \(why)"))
            } catch let ZipDirectory.Failure.unsupported(why) {
                throw DataError(file: file, kind: .workbook(why))
            }
        }
        // The sheets, in workbook order, with their part paths from the relationships.
        let workbookXML = try part("xl/workbook.xml")!
        let sheetList = try parse(workbookXML, file: file, part: "xl/workbook.xml", WorkbookHandler())
        let relsXML = try part("xl/_rels/workbook.xml.rels", required: false)
        let rels = try relsXML.map { try parse($0, file: file, part: "xl/_rels/workbook.xml.rels", RelationshipsHandler()) } ?? [:]
        let shared = try part("xl/sharedStrings.xml", required: false)
            .map { try parse($0, file: file, part: "xl/sharedStrings.xml", SharedStringsHandler()) } ?? []
        if sheetList.isEmpty { throw DataError(file: file, kind: .workbook("the workbook lists no sheets")) }
        var sheets: [Sheet] = []
        for (index, s) in sheetList.enumerated() {
            var target = rels[s.relationship] ?? "worksheets/sheet\(index + 1).xml"
            if target.hasPrefix("/") { target.removeFirst() } else { target = "xl/" + target }
            let xml = try part(target)!
            let handler = SheetHandler(shared: shared, sheet: s.name)
            let (cells, merged) = try parse(xml, file: file, part: target, handler)
            sheets.append(Sheet(name: s.name, cells: cells, merged: merged))
        }
        return Workbook(file: file, sheets: sheets)
    }


    private static func parse<H: PartHandler>(_ data: Data, file: String, part: String, _ handler: H) throws -> H.Result {
        let parser = XMLParser(data: data)
        parser.delegate = handler
        parser.shouldProcessNamespaces = false
        parser.shouldResolveExternalEntities = false
        let ok = parser.parse()
        if let sheet = handler as? SheetHandler, let bad = sheet.failure {
            throw DataError(file: file, cell: "\(sheet.sheet)!\(bad.cell)", kind: .workbook(bad.message))
        }
        // An unterminated document can end without a parser error: the element depth tells.
        if !ok || handler.failureMessage != nil || handler.depth != 0 || !handler.sawRoot {
            let reason = handler.failureMessage
                ?? (ok ? (handler.sawRoot ? "the XML ends inside an element" : "no XML content")
                       : parser.parserError.map { "malformed XML (\(($0 as NSError).code))" } ?? "malformed XML")
            throw DataError(file: file, kind: .workbook("\(part): \(reason)"))
        }
        return handler.result
    }
}

// MARK: - the XML handlers (SAX: the parts are walked once, nothing kept but the cells)

private protocol PartHandler: Handler {
    associatedtype Result
    var result: Result { get }
}

/// What every part's handler shares: the element depth (an unterminated document is an error) and
/// the first failure. Subclasses get the events through `start`, `end` and `text`.
private class Handler: NSObject, XMLParserDelegate {
    var depth = 0
    var sawRoot = false
    var failureMessage: String?
    /// The parser of the part being read (set on every event), so a handler can stop it.
    weak var parser: XMLParser?
    func start(_ name: Substring, _ attributes: [String: String], _ parser: XMLParser) {}
    func end(_ name: Substring) {}
    func text(_ string: String) {}
    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        depth += 1
        sawRoot = true
        self.parser = parser
        start(local(elementName), attributes, parser)
    }
    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        depth -= 1
        self.parser = parser
        end(local(elementName))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text(string) }
}

/// The local name of an element (`x:sheet` -> `sheet`): some writers prefix the main namespace.
private func local(_ name: String) -> Substring {
    if let i = name.lastIndex(of: ":") { return name[name.index(after: i)...] }
    return name[...]
}

private final class WorkbookHandler: Handler, PartHandler {
    struct Entry { var name: String; var relationship: String }
    var result: [Entry] = []
    override func start(_ name: Substring, _ attributes: [String: String], _ parser: XMLParser) {
        guard name == "sheet" else { return }
        let rel = attributes.first { local($0.key) == "id" && $0.key.contains(":") }?.value ?? ""
        result.append(Entry(name: attributes["name"] ?? "Sheet\(result.count + 1)", relationship: rel))
    }
}

private final class RelationshipsHandler: Handler, PartHandler {
    var result: [String: String] = [:]
    override func start(_ name: Substring, _ attributes: [String: String], _ parser: XMLParser) {
        guard name == "Relationship", let id = attributes["Id"], let target = attributes["Target"] else { return }
        result[id] = target
    }
}

private final class SharedStringsHandler: Handler, PartHandler {
    var result: [String] = []
    private var current = ""
    private var inText = false
    private var phonetic = 0
    override func start(_ name: Substring, _ attributes: [String: String], _ parser: XMLParser) {
        switch name {
        case "si": current = ""
        case "t": inText = phonetic == 0
        case "rPh": phonetic += 1
        default: break
        }
    }
    override func text(_ string: String) { if inText { current += string } }
    override func end(_ name: Substring) {
        switch name {
        case "si": result.append(current)
        case "t": inText = false
        case "rPh": phonetic -= 1
        default: break
        }
    }
}

private final class SheetHandler: Handler, PartHandler {
    var result: ([Workbook.CellAddress: Workbook.Cell], [ClosedRange<Workbook.CellAddress>]) { (cells, merged) }
    var failure: (cell: String, message: String)?
    let shared: [String]
    let sheet: String
    private var cells: [Workbook.CellAddress: Workbook.Cell] = [:]
    private var merged: [ClosedRange<Workbook.CellAddress>] = []
    private var address: Workbook.CellAddress?
    private var reference = ""
    private var type = "n"
    private var value = ""
    private var collecting = false
    private var row = 0
    private var nextColumn = 1

    init(shared: [String], sheet: String) {
        self.shared = shared
        self.sheet = sheet
    }

    private func fail(_ cell: String, _ message: String) {
        if failure == nil { failure = (cell, message) }
        parser?.abortParsing()
        failureMessage = message
    }

    override func start(_ name: Substring, _ attributes: [String: String], _ parser: XMLParser) {
        switch name {
        case "row":
            row = attributes["r"].flatMap(Int.init) ?? row + 1
            nextColumn = 1
        case "c":
            // A cell without `r` follows the previous one (allowed by the standard, written by some tools).
            if let r = attributes["r"] {
                guard let a = Workbook.CellAddress(r) else { return fail(r, "malformed cell reference '\(r)'") }
                address = a
            } else {
                address = Workbook.CellAddress(row: max(row, 1), column: nextColumn)
            }
            reference = address!.description
            nextColumn = address!.column + 1
            type = attributes["t"] ?? "n"
            value = ""
        case "v", "t":
            collecting = address != nil
        case "mergeCell":
            guard let ref = attributes["ref"] else { return }
            let ends = ref.split(separator: ":")
            guard let a = ends.first.flatMap({ Workbook.CellAddress(String($0)) }),
                  let b = Workbook.CellAddress(String(ends.last!)), a.row <= b.row, a.column <= b.column else {
                return fail(ref, "malformed merged range '\(ref)'")
            }
            merged.append(a...b)
        default: break
        }
    }

    override func text(_ string: String) { if collecting { value += string } }

    override func end(_ name: Substring) {
        switch name {
        case "v", "t": collecting = false
        case "c":
            guard let a = address else { return }
            address = nil
            switch type {
            case "s":
                guard let i = Int(value.trimmingCharacters(in: .whitespaces)), i >= 0, i < shared.count else {
                    return fail(reference, "shared string index '\(value)' is out of range (\(shared.count) strings)")
                }
                cells[a] = .init(text: shared[i], isNumber: false)
            case "inlineStr", "str":
                cells[a] = .init(text: value, isNumber: false)
            case "b":
                cells[a] = .init(text: value == "1" ? "TRUE" : "FALSE", isNumber: false)
            case "e":
                cells[a] = .init(text: value, isNumber: false)
            default:
                if value.isEmpty { return }
                guard let d = Double(value.trimmingCharacters(in: .whitespaces)), d.isFinite else {
                    return fail(reference, "a number cell holds '\(value.prefix(40))'")
                }
                // Integral numbers as integers (`-1`, not `-1.0`): the codes are compared as text.
                let text = d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
                cells[a] = .init(text: text, isNumber: true)
            }
        default: break
        }
    }
}
