import Foundation
import Testing
import SegmentCore
@testable import SegmentData

/// The xlsx reader and the DIAS metadata parser, on spreadsheets with each quirk of the real files
/// (`xlsx_layout.md`) and on broken ones.
@Suite("xlsx reader and DIAS metadata")
struct WorkbookTests {
    typealias A = Workbook.CellAddress

    /// A Values sheet laid out as the real one: row 1 and column A empty, names only on each
    /// block's first row, a description continuation row, multi-code cells, `…`, `'-1'` as text, a
    /// merged meaning, stray spaces.
    static func valuesSheet() -> WorkbookWriter.SheetContent {
        var s = WorkbookWriter.SheetContent(name: "Tabelle1")
        for (c, h) in ["Attribute", "Description", "Value", "Meaning"].enumerated() { s.set(2, c + 2, h) }
        s.set(3, 2, "AGER_TYP"); s.set(3, 3, "best-ager typology "); s.set(3, 4, "-1, 0"); s.set(3, 5, "unknown")
        s.set(4, 4, number: 1); s.set(4, 5, "passive elderly")
        s.set(5, 4, number: 2); s.set(5, 5, "cultural elderly")
        s.set(6, 2, "GREEN_AVANTGARDE"); s.set(6, 3, "Green avantgarde"); s.set(6, 4, number: 0); s.set(6, 5, "doesn't belong ")
        s.set(7, 3, "the environmental sustainability is the dominating movement"); s.set(7, 4, number: 1); s.set(7, 5, "belongs")
        s.set(8, 2, "GEBURTSJAHR"); s.set(8, 3, "year of birth"); s.set(8, 4, "…"); s.set(8, 5, "numeric value")
        s.set(9, 2, "LP_STATUS_GROB"); s.set(9, 3, "social status"); s.set(9, 4, number: 1); s.set(9, 5, "low-income earners")
        s.set(10, 4, number: 2)
        s.set(11, 4, number: 3); s.set(11, 5, "average earners")
        s.set(12, 4, number: 4); s.set(13, 4, number: 5)
        s.merged = [A(row: 9, column: 5)...A(row: 10, column: 5), A(row: 11, column: 5)...A(row: 13, column: 5)]
        s.set(14, 2, "ORTSGR_KLS9"); s.set(14, 3, "size of the community"); s.set(14, 4, "-1"); s.set(14, 5, "unknown")
        s.set(15, 4, number: 1); s.set(15, 5, "<= 2.000 inhabitants")
        s.set(16, 2, "CAMEO_DEU_2015"); s.set(16, 3, "CAMEO 2015"); s.set(16, 4, "1A"); s.set(16, 5, "Work-Life-Balance")
        s.set(17, 4, "1B"); s.set(17, 5, "Wealthy Best Ager")
        return s
    }

    static func levelsSheet() -> WorkbookWriter.SheetContent {
        var s = WorkbookWriter.SheetContent(name: "Komplett")
        for (c, h) in ["Information level", "Attribute", "Description", "Additional notes"].enumerated() { s.set(2, c + 2, h) }
        s.set(3, 3, "AGER_TYP"); s.set(3, 4, "best-ager typology")
        s.set(4, 2, "Person"); s.set(4, 3, "GREEN_AVANTGARDE"); s.set(4, 5, "a note")
        s.set(5, 3, "D19_BANKEN_ ANZ_12             D19_BANKEN_ ANZ_24")
        s.set(6, 2, "Postcode "); s.set(6, 3, "ORTSGR_KLS9")
        s.merged = [A(row: 4, column: 2)...A(row: 5, column: 2), A(row: 4, column: 5)...A(row: 5, column: 5)]
        return s
    }

    func book(_ sheets: [WorkbookWriter.SheetContent], file: String = "t.xlsx") throws -> Workbook {
        try Workbook.read(bytes: try WorkbookWriter(sheets: sheets).bytes(), file: file)
    }

    @Test("cells, merged ranges and sheets survive a write and a read")
    func roundTrip() throws {
        let sheet = Self.valuesSheet()
        let b = try book([sheet, .init(name: "Tabelle2")])
        #expect(b.sheets.map(\.name) == ["Tabelle1", "Tabelle2"])
        #expect(b["Tabelle1"]!.cells == sheet.cells)
        #expect(b["Tabelle1"]!.merged == sheet.merged)
        #expect(b["Tabelle1"]!.textFillingMerged(row: 10, column: 5) == ("low-income earners", true))
        #expect(b["Tabelle1"]!.text(row: 3, column: 3) == "best-ager typology")   // trimmed
        #expect(b["Tabelle2"]!.cells.isEmpty)
    }

    @Test("the Values and Levels quirks parse to the attributes they mean")
    func diasQuirks() throws {
        let meta = try DIASMetadata.from(workbooks: [try book([Self.valuesSheet()], file: "values.xlsx"),
                                                     try book([Self.levelsSheet()], file: "levels.xlsx")])
        #expect(meta.attributes.map(\.name) == ["AGER_TYP", "GREEN_AVANTGARDE", "GEBURTSJAHR", "LP_STATUS_GROB", "ORTSGR_KLS9", "CAMEO_DEU_2015"])
        let ager = meta["AGER_TYP"]!
        #expect(ager.missingCodes == [.number(-1), .number(0)])
        #expect(ager.validCodes == [.number(1), .number(2)])
        #expect(ager.description == "best-ager typology")
        #expect(ager.informationLevel == nil)              // above the first level range
        let green = meta["GREEN_AVANTGARDE"]!
        #expect(green.description == "Green avantgarde the environmental sustainability is the dominating movement")
        #expect(green.validCodes == [.number(0), .number(1)])   // the continuation row's value is kept
        #expect(green.meaning(of: .number(0)) == "doesn't belong")
        #expect(green.informationLevel == "Person" && green.levelNotes == "a note")
        #expect(meta["GEBURTSJAHR"]!.isNumeric && meta["GEBURTSJAHR"]!.validCodes.isEmpty)
        let status = meta["LP_STATUS_GROB"]!
        #expect(status.values.map(\.meaning) == ["low-income earners", "low-income earners", "average earners", "average earners", "average earners"])
        #expect(status.values.map(\.meaningFromMergedCell) == [false, true, false, true, true])
        #expect(meta["ORTSGR_KLS9"]!.missingCodes == [.number(-1)])   // '-1' stored as text
        #expect(meta["ORTSGR_KLS9"]!.informationLevel == "Postcode")
        #expect(meta["CAMEO_DEU_2015"]!.validCodes == [.text("1A"), .text("1B")])
        #expect(DIASMetadata.splitNames("D19_BANKEN_ ANZ_12             D19_BANKEN_ ANZ_24") == ["D19_BANKEN_ANZ_12", "D19_BANKEN_ANZ_24"])
    }

    @Test("data columns match attributes exactly, by _RZ, or by a documented spelling")
    func matching() {
        let meta = DIASMetadata.published
        #expect(meta.attributes.count == 314)
        #expect(meta.attribute(forColumn: "ALTER_HH")?.1 == .exact)
        #expect(meta.attribute(forColumn: "D19_BANKEN_DIREKT")?.1 == .rzSuffix)
        #expect(meta.attribute(forColumn: "CAMEO_INTL_2015")?.0.name == "CAMEO_DEUINTL_2015")
        #expect(meta.attribute(forColumn: "SOHO_KZ")?.1 == .spelling)
        #expect(meta.attribute(forColumn: "EXTSEL992") == nil)
        // Published: 272 exact, 33 _RZ, 5 other spellings, 56 absent among the 366 population columns.
        let header = FullReference.header(.population)
        let kinds = Dictionary(grouping: header, by: { meta.attribute(forColumn: $0)?.1 ?? .absent }).mapValues(\.count)
        #expect(kinds[.exact] == 272 && kinds[.rzSuffix] == 33 && kinds[.spelling] == 5 && kinds[.absent] == 56)
    }

    /// Hand-written parts for the reader's other paths.
    static func zip(sheet: String, shared: String? = nil, workbook: String? = nil) throws -> [UInt8] {
        let wb = workbook ?? #"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        var parts: [(String, Data)] = [
            ("xl/workbook.xml", Data(wb.utf8)),
            ("xl/_rels/workbook.xml.rels", Data(#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>"#.utf8)),
            ("xl/worksheets/sheet1.xml", Data(sheet.utf8)),
        ]
        if let shared { parts.append(("xl/sharedStrings.xml", Data(shared.utf8))) }
        return try WorkbookWriter.zip(parts)
    }

    @Test("rich text, phonetic runs, inline strings, cells without a reference, numbers and booleans")
    func cellKinds() throws {
        let shared = #"<sst><si><r><t>ric</t></r><r><t xml:space="preserve">h </t></r><rPh><t>IGNORED</t></rPh></si><si><t>plain</t></si></sst>"#
        let sheet = #"<worksheet><sheetData><row r="2"><c r="B2" t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="E2" t="inlineStr"><is><t>inline</t></is></c></row><row r="3"><c r="B3"><v>-1.0</v></c><c r="C3"><v>2.5</v></c><c r="D3" t="b"><v>1</v></c><c r="E3" t="str"><v>formula text</v></c></row></sheetData></worksheet>"#
        let b = try Workbook.read(bytes: try Self.zip(sheet: sheet, shared: shared), file: "k.xlsx")
        let s = b["S"]!
        #expect(s.cells[A(row: 2, column: 2)]?.text == "rich ")
        #expect(s.cells[A(row: 2, column: 3)]?.text == "plain")
        #expect(s.cells[A(row: 2, column: 5)]?.text == "inline")
        #expect(s.cells[A(row: 3, column: 2)] == .init(text: "-1", isNumber: true))
        #expect(s.cells[A(row: 3, column: 3)] == .init(text: "2.5", isNumber: true))
        #expect(s.cells[A(row: 3, column: 4)]?.text == "TRUE")
        #expect(s.cells[A(row: 3, column: 5)]?.text == "formula text")
    }

    func failure(_ bytes: [UInt8], file: String = "bad.xlsx") -> DataError? {
        do { _ = try Workbook.read(bytes: bytes, file: file); return nil } catch let e as DataError { return e } catch { return nil }
    }

    @Test("broken files are errors that name the file, the part or the cell")
    func broken() throws {
        #expect(failure(Array("attribute;value\n".utf8))?.description == "bad.xlsx: not an .xlsx file (no zip signature)")
        #expect(failure([0x50, 0x4B, 3, 4, 0, 0, 0, 0])?.description.contains("zip container cannot be read") == true)
        let noWorkbook = try WorkbookWriter.zip([("hello.txt", Data("hi".utf8))])
        #expect(failure(noWorkbook)?.description == "bad.xlsx: the zip has no xl/workbook.xml: not a spreadsheet")
        let noSheet = try WorkbookWriter.zip([("xl/workbook.xml", Data(#"<workbook><sheets><sheet name="S" sheetId="1"/></sheets></workbook>"#.utf8))])
        #expect(failure(noSheet)?.description == "bad.xlsx: the zip has no xl/worksheets/sheet1.xml: not a spreadsheet")
        let badXML = try Self.zip(sheet: "<worksheet><sheetData><row>")
        #expect(failure(badXML)?.description.hasPrefix("bad.xlsx:") == true)
        #expect(failure(badXML)?.description.contains("xl/worksheets/sheet1.xml") == true)
        let badIndex = try Self.zip(sheet: #"<worksheet><sheetData><row r="4"><c r="C4" t="s"><v>7</v></c></row></sheetData></worksheet>"#,
                                    shared: "<sst><si><t>a</t></si></sst>")
        #expect(failure(badIndex)?.description == "bad.xlsx: cell S!C4: shared string index '7' is out of range (1 strings)")
        let badNumber = try Self.zip(sheet: #"<worksheet><sheetData><row r="4"><c r="D4"><v>abc</v></c></row></sheetData></worksheet>"#)
        #expect(failure(badNumber)?.description == "bad.xlsx: cell S!D4: a number cell holds 'abc'")
        let badRef = try Self.zip(sheet: #"<worksheet><sheetData><row r="4"><c r="4D"><v>1</v></c></row></sheetData></worksheet>"#)
        #expect(failure(badRef)?.description == "bad.xlsx: cell S!4D: malformed cell reference '4D'")
    }

    @Test("a spreadsheet without the header row, or with nothing under it, is an error naming the cell")
    func noHeader() throws {
        var s = WorkbookWriter.SheetContent(name: "Tabelle1")
        s.set(3, 2, "AGER_TYP"); s.set(3, 4, number: 1)
        do {
            _ = try DIASMetadata.from(workbooks: [try book([s], file: "v.xlsx")])
            Issue.record("expected an error")
        } catch let e as DataError {
            #expect(e.description.hasPrefix("v.xlsx: cell Tabelle1!A1: no header row found"))
        }
        var empty = WorkbookWriter.SheetContent(name: "Tabelle1")
        for (c, h) in ["Attribute", "Description", "Value", "Meaning"].enumerated() { empty.set(2, c + 2, h) }
        do {
            _ = try DIASMetadata.from(workbooks: [try book([empty], file: "v.xlsx")])
            Issue.record("expected an error")
        } catch let e as DataError {
            #expect(e.description == "v.xlsx: cell Tabelle1!B3: the attribute sheet has a header but no attributes below it")
        }
        do {
            _ = try DIASMetadata.from(workbooks: [try book([Self.levelsSheet()], file: "l.xlsx")])
            Issue.record("expected an error")
        } catch let e as DataError {
            #expect(e.description.contains("give the DIAS Attributes - Values spreadsheet"))
        }
    }
}

@Suite("Messages")
struct MessageTests {
    @Test("control characters from a file reach the terminal escaped, never raw")
    func escaped() {
        let e = DataError(file: "f.csv", line: 2, column: "A", field: 1, kind: .notANumber("x\u{0}y\u{1B}[31m\tz"))
        #expect(e.description == "f.csv:2: column 'A' (field 1): text in a numeric column: \"x\\0y\\u{1B}[31m\\tz\"")
        #expect(DataError(file: "plain.csv", kind: .emptyFile).description == "plain.csv: the file is empty")
    }
}
