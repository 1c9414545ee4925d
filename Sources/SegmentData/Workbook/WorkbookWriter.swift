import Foundation
import ZIPFoundation

/// Writes a minimal `.xlsx` (the parts `Workbook.read` and spreadsheet programs need): shared
/// strings, number and text cells, merged ranges. The generator uses it for the stand-in DIAS files,
/// the tests for spreadsheets with each layout quirk. Same cells, same bytes: the zip entries carry a
/// fixed date.
public struct WorkbookWriter: Sendable {
    public struct SheetContent: Sendable {
        public var name: String
        public var cells: [Workbook.CellAddress: Workbook.Cell]
        public var merged: [ClosedRange<Workbook.CellAddress>]
        public init(name: String, cells: [Workbook.CellAddress: Workbook.Cell] = [:], merged: [ClosedRange<Workbook.CellAddress>] = []) {
            self.name = name
            self.cells = cells
            self.merged = merged
        }

        public mutating func set(_ row: Int, _ column: Int, _ text: String) {
            cells[.init(row: row, column: column)] = .init(text: text, isNumber: false)
        }
        public mutating func set(_ row: Int, _ column: Int, number: Int) {
            cells[.init(row: row, column: column)] = .init(text: String(number), isNumber: true)
        }
    }

    public var sheets: [SheetContent]
    public init(sheets: [SheetContent]) { self.sheets = sheets }

    /// The file's bytes.
    public func bytes() throws -> [UInt8] {
        var strings: [String] = [], index: [String: Int] = [:]
        func stringIndex(_ s: String) -> Int {
            if let i = index[s] { return i }
            index[s] = strings.count
            strings.append(s)
            return strings.count - 1
        }
        var sheetXML: [String] = []
        for sheet in sheets {
            var xml = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
            xml += #"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#
            let byRow = Dictionary(grouping: sheet.cells.keys, by: \.row)
            for r in byRow.keys.sorted() {
                xml += "<row r=\"\(r)\">"
                for a in byRow[r]!.sorted() {
                    let c = sheet.cells[a]!
                    if c.isNumber {
                        xml += "<c r=\"\(a)\"><v>\(Self.escape(c.text))</v></c>"
                    } else {
                        xml += "<c r=\"\(a)\" t=\"s\"><v>\(stringIndex(c.text))</v></c>"
                    }
                }
                xml += "</row>"
            }
            xml += "</sheetData>"
            if !sheet.merged.isEmpty {
                xml += "<mergeCells count=\"\(sheet.merged.count)\">"
                for m in sheet.merged { xml += "<mergeCell ref=\"\(m.lowerBound):\(m.upperBound)\"/>" }
                xml += "</mergeCells>"
            }
            xml += "</worksheet>"
            sheetXML.append(xml)
        }
        var shared = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        shared += #"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="\#(strings.count)" uniqueCount="\#(strings.count)">"#
        for s in strings {
            let space = s.first?.isWhitespace == true || s.last?.isWhitespace == true ? #" xml:space="preserve""# : ""
            shared += "<si><t\(space)>\(Self.escape(s))</t></si>"
        }
        shared += "</sst>"

        let header = #"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>"# + "\n"
        var contentTypes = header + #"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">"#
        contentTypes += #"<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>"#
        contentTypes += #"<Default Extension="xml" ContentType="application/xml"/>"#
        contentTypes += #"<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>"#
        for i in sheets.indices {
            contentTypes += #"<Override PartName="/xl/worksheets/sheet\#(i + 1).xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>"#
        }
        contentTypes += #"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
        contentTypes += "</Types>"
        let rootRels = header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
        var workbook = header + #"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>"#
        var rels = header + #"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#
        for (i, s) in sheets.enumerated() {
            workbook += "<sheet name=\"\(Self.escape(s.name))\" sheetId=\"\(i + 1)\" r:id=\"rId\(i + 1)\"/>"
            rels += #"<Relationship Id="rId\#(i + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet\#(i + 1).xml"/>"#
        }
        workbook += "</sheets></workbook>"
        rels += #"<Relationship Id="rId\#(sheets.count + 1)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
        rels += "</Relationships>"

        var parts: [(String, String)] = [("[Content_Types].xml", contentTypes), ("_rels/.rels", rootRels),
                                         ("xl/workbook.xml", workbook), ("xl/_rels/workbook.xml.rels", rels)]
        for (i, xml) in sheetXML.enumerated() { parts.append(("xl/worksheets/sheet\(i + 1).xml", xml)) }
        parts.append(("xl/sharedStrings.xml", shared))
        return try Self.zip(parts.map { ($0.0, Data($0.1.utf8)) })
    }

    /// A zip of the given entries, deflated, with a fixed date (1 January 2018) so the bytes depend
    /// only on the content. Also used by the tests to build broken spreadsheets.
    public static func zip(_ entries: [(String, Data)]) throws -> [UInt8] {
        let archive = try Archive(data: Data(), accessMode: .create)
        let date = Date(timeIntervalSince1970: 1_514_764_800)
        for (path, data) in entries {
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: date,
                                 compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw DataError(file: "(zip)", kind: .workbook("the zip could not be assembled")) }
        return [UInt8](data)
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for ch in s.unicodeScalars {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default:
                // XML 1.0 cannot carry most control characters; the DIAS texts have none.
                if ch.value < 0x20 && ch != "\n" && ch != "\t" && ch != "\r" { continue }
                out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
