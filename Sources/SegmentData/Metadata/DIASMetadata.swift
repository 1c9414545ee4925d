import Foundation

/// The DIAS metadata of the full capstone data, read from its two spreadsheets
/// (`DIAS Attributes - Values 2017.xlsx`, `DIAS Information Levels - Attributes 2017.xlsx`), as
/// `../shared/reference/full/xlsx_layout.md` describes them:
/// - the header row is found by its names (row 2 and column B in the real files, but edited copies
///   move it), the data below it;
/// - attribute and description are given on the first row of each block only (filled down), and a
///   row with only a description continues the block's description;
/// - a value cell can hold several codes (`-1, 9`), `…` for numeric attributes, text codes (`1A`,
///   `O`, `'-1'` stored as text); a meaning can come from a merged cell above;
/// - a level cell is merged over its rows; a level cell can hold two attribute names (`D19_BANKEN_
///   ANZ_12      D19_BANKEN_ ANZ_24`); texts carry stray spaces.
public struct DIASMetadata: Sendable, Equatable {
    public struct Value: Sendable, Equatable {
        public var codes: [Code]
        /// `…`: the attribute is a number, not a code list.
        public var isNumericMarker: Bool
        public var meaning: String
        public var meaningFromMergedCell: Bool
    }

    public struct Attribute: Sendable, Equatable {
        public var name: String
        public var description: String
        public var values: [Value]
        public var informationLevel: String?
        public var levelNotes: String?

        /// Codes whose meaning says the value is unknown ("unknown", "no classification possible").
        public var missingCodes: [Code] {
            var out: [Code] = []
            for v in values where DIASMetadata.meansUnknown(v.meaning) {
                for c in v.codes where !out.contains(c) { out.append(c) }
            }
            return out
        }

        /// The codes with a meaning other than unknown.
        public var validCodes: [Code] {
            let missing = Set(missingCodes)
            var out: [Code] = []
            for v in values where !v.isNumericMarker {
                for c in v.codes where !missing.contains(c) && !out.contains(c) { out.append(c) }
            }
            return out
        }

        public var isNumeric: Bool {
            values.contains { $0.isNumericMarker || $0.meaning.lowercased().contains("numeric value") }
        }

        /// The meaning of a code, if listed.
        public func meaning(of code: Code) -> String? { values.first { $0.codes.contains(code) }?.meaning }
    }

    /// Attributes by name, in spreadsheet order.
    public var attributes: [Attribute]
    /// Which files it was read from.
    public var sources: [String]

    public init(attributes: [Attribute], sources: [String]) {
        self.attributes = attributes
        self.sources = sources
    }

    public subscript(name: String) -> Attribute? { attributes.first { $0.name == name } }

    static func meansUnknown(_ meaning: String) -> Bool {
        let m = meaning.lowercased()
        return m.contains("unknown") || m.contains("no classification possible")
    }

    // MARK: reading

    /// Reads one or both spreadsheets; which is which is told by their header rows. The values file
    /// is required (the codes come from it); the levels file adds each attribute's information level.
    public static func load(paths: [String]) throws -> DIASMetadata {
        try from(workbooks: paths.map { try Workbook.read(path: $0) })
    }

    /// The metadata from spreadsheets already read.
    public static func from(workbooks: [Workbook]) throws -> DIASMetadata {
        var values: [Attribute]?
        var levels: [(name: String, level: String?, notes: String?)] = []
        var sources: [String] = []
        for book in workbooks {
            sources.append(book.file)
            switch try classify(book) {
            case let .values(sheet, header): values = try parseValues(sheet, header: header, file: book.file)
            case let .levels(sheet, header): levels += parseLevels(sheet, header: header)
            }
        }
        guard var attributes = values else {
            throw DataError(file: workbooks.first?.file ?? "(metadata)", kind: .workbook(
                "no 'Attribute / Description / Value / Meaning' sheet among the metadata files: give the DIAS Attributes - Values spreadsheet"))
        }
        let levelOf = Dictionary(levels.map { ($0.name, ($0.level, $0.notes)) }, uniquingKeysWith: { a, _ in a })
        for i in attributes.indices {
            if let l = levelOf[attributes[i].name] ?? levelOf[rzBase(attributes[i].name)] {
                attributes[i].informationLevel = l.0
                attributes[i].levelNotes = l.1
            }
        }
        return DIASMetadata(attributes: attributes, sources: sources)
    }

    static func rzBase(_ name: String) -> String { name.hasSuffix("_RZ") ? String(name.dropLast(3)) : name }

    enum Kind {
        case values(Workbook.Sheet, [String: Int])
        case levels(Workbook.Sheet, [String: Int])
    }

    /// Finds the header row (within the first 20 rows of any sheet) and tells the file's kind.
    static func classify(_ book: Workbook) throws -> Kind {
        for sheet in book.sheets {
            for r in 1...min(20, max(1, sheet.lastRow)) {
                var header: [String: Int] = [:]
                for c in 1...max(1, min(sheet.lastColumn, 30)) {
                    if let t = sheet.text(row: r, column: c) { header[t.lowercased()] = c }
                }
                header["__row"] = r
                if header["attribute"] != nil, header["value"] != nil, header["meaning"] != nil {
                    return .values(sheet, header)
                }
                if header["attribute"] != nil, header["information level"] != nil {
                    return .levels(sheet, header)
                }
            }
        }
        let where_ = book.sheets.first.map { "\($0.name)!A1" }
        throw DataError(file: book.file, cell: where_, kind: .workbook(
            "no header row found: expected 'Attribute', 'Description', 'Value', 'Meaning' (values) or 'Information level', 'Attribute' (levels) in the first 20 rows"))
    }

    static func parseValues(_ sheet: Workbook.Sheet, header: [String: Int], file: String) throws -> [Attribute] {
        let top = header["__row"]!
        let cA = header["attribute"]!, cV = header["value"]!, cM = header["meaning"]!
        let cD = header["description"]
        var out: [Attribute] = []
        var current: Attribute?
        for r in (top + 1)...max(top + 1, sheet.lastRow) {
            let name = sheet.text(row: r, column: cA)
            let description = cD.flatMap { sheet.text(row: r, column: $0) }
            let rawValue = sheet.text(row: r, column: cV)
            let (meaning, merged) = sheet.textFillingMerged(row: r, column: cM)
            if let name {
                if let c = current { out.append(c) }
                current = Attribute(name: name, description: description ?? "", values: [], informationLevel: nil, levelNotes: nil)
            } else if let description, current != nil {
                current!.description += " " + description
            }
            guard let rawValue else { continue }
            guard current != nil else {
                throw DataError(file: file, cell: "\(sheet.name)!\(Workbook.CellAddress(row: r, column: cV))",
                                kind: .workbook("a value '\(rawValue)' before any attribute name"))
            }
            let isMarker = rawValue == "…" || rawValue == "..."
            let codes = isMarker ? [] : rawValue.split(separator: ",").map {
                Code(token: $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
            }.filter { $0.description != "" }
            current!.values.append(Value(codes: codes, isNumericMarker: isMarker, meaning: meaning ?? "",
                                         meaningFromMergedCell: merged))
        }
        if let c = current { out.append(c) }
        if out.isEmpty {
            throw DataError(file: file, cell: "\(sheet.name)!\(Workbook.CellAddress(row: top + 1, column: cA))",
                            kind: .workbook("the attribute sheet has a header but no attributes below it"))
        }
        return out
    }

    static func parseLevels(_ sheet: Workbook.Sheet, header: [String: Int]) -> [(name: String, level: String?, notes: String?)] {
        let top = header["__row"]!
        let cL = header["information level"]!, cA = header["attribute"]!
        let cN = header["additional notes"]
        var out: [(String, String?, String?)] = []
        for r in (top + 1)...max(top + 1, sheet.lastRow) {
            guard let cell = sheet.text(row: r, column: cA) else { continue }
            let level = sheet.textFillingMerged(row: r, column: cL).text
            let notes = cN.flatMap { sheet.textFillingMerged(row: r, column: $0).text }
            for name in splitNames(cell) { out.append((name, level, notes)) }
        }
        return out
    }

    /// `D19_BANKEN_ ANZ_12             D19_BANKEN_ ANZ_24` -> the two names, inner spaces removed.
    static func splitNames(_ cell: String) -> [String] {
        var names: [String] = [], current = "", spaces = 0
        for ch in cell {
            if ch == " " { spaces += 1; continue }
            if spaces >= 2, !current.isEmpty { names.append(current); current = "" }
            spaces = 0
            current.append(ch)
        }
        if !current.isEmpty { names.append(current) }
        return names
    }

    // MARK: matching data columns

    /// How a data column was matched to an attribute.
    public enum Match: String, Sendable, Codable {
        case exact, rzSuffix = "_RZ suffix", spelling = "documented spelling", absent
    }

    /// Spellings that differ between the data and the spreadsheets (`xlsx_layout.md`).
    public static let spellings: [String: String] = [
        "D19_BUCH_CD": "D19_BUCH_RZ",
        "CAMEO_INTL_2015": "CAMEO_DEUINTL_2015",
        "KK_KUNDENTYP": "D19_KK_KUNDENTYP",
        "KBA13_CCM_1401_2500": "KBA13_CCM_1400_2500",
        "SOHO_KZ": "SOHO_FLAG",
    ]

    /// The attribute describing a data column, and how it was matched.
    public func attribute(forColumn column: String) -> (Attribute, Match)? {
        if let a = self[column] { return (a, .exact) }
        if let a = self[column + "_RZ"] { return (a, .rzSuffix) }
        if let s = Self.spellings[column], let a = self[s] { return (a, .spelling) }
        return nil
    }
}

extension DIASMetadata {
    /// The metadata as published (`FullReference`'s flattened spreadsheets): what the real files say,
    /// without reading them. The generator draws its unknown codes from it; the tests compare the
    /// reader's result on the generated spreadsheets with it.
    public static let published: DIASMetadata = {
        var attributes: [Attribute] = []
        for row in FullReference.attributeRows {
            if attributes.last?.name != row.attribute {
                attributes.append(Attribute(name: row.attribute, description: row.description, values: [],
                                            informationLevel: nil, levelNotes: nil))
            }
            let marker = row.value == "…"
            let codes = marker ? [] : row.value.split(separator: ",").map {
                Code(token: $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "'")))
            }
            attributes[attributes.count - 1].values.append(
                Value(codes: codes, isNumericMarker: marker, meaning: row.meaning, meaningFromMergedCell: row.fromMergedCell))
        }
        var levels: [String: (String?, String?)] = [:]
        for row in FullReference.levelRows {
            for name in splitNames(row.attribute) where levels[name] == nil {
                levels[name] = (row.level.isEmpty ? nil : row.level, row.notes.isEmpty ? nil : row.notes)
            }
        }
        for i in attributes.indices {
            if let l = levels[attributes[i].name] ?? levels[rzBase(attributes[i].name)] {
                attributes[i].informationLevel = l.0
                attributes[i].levelNotes = l.1
            }
        }
        return DIASMetadata(attributes: attributes, sources: ["(published)"])
    }()
}
