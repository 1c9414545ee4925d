import Foundation
import SegmentData

/// The two DIAS spreadsheets of the stand-in, laid out as the real ones are (`xlsx_layout.md`):
/// row 1 and column A empty, the header in row 2; attribute and description on the first row of each
/// block only; description continuation rows; multi-code cells (`-1, 9`), `…`, text codes and
/// ORTSGR_KLS9's `-1` stored as text; merged meaning cells; merged information-level and notes
/// cells; two attribute names in one level cell; stray spaces.
public enum DIASWorkbooks {
    /// Description lines that sit on the block's second row in the real Values file.
    static let continuations = [
        "(each German CAMEO code belongs to one international code)",
        "the environmental sustainability is the dominating movement in the youth of these consumers",
        "'- classified number of inhabitants",
        "- on grid level -",
    ]

    public static func attributes() -> WorkbookWriter {
        var sheet = WorkbookWriter.SheetContent(name: "Tabelle1")
        for (c, h) in ["Attribute", "Description", "Value", "Meaning"].enumerated() { sheet.set(2, c + 2, h) }
        var previous: FullReference.AttributeRow?
        var mergeTop: Int?
        var blockIndex = 0
        var pendingContinuation: (Int, String)?
        func closeMerge(at row: Int) {
            if let top = mergeTop, row > top {
                sheet.merged.append(Workbook.CellAddress(row: top, column: 5)...Workbook.CellAddress(row: row, column: 5))
            }
            mergeTop = nil
        }
        for r in FullReference.attributeRows {
            let newBlock = previous?.attribute != r.attribute
            if newBlock {
                blockIndex += 1
                var description = r.description, rest: String?
                for c in continuations where description.hasSuffix(" " + c) {
                    description = String(description.dropLast(c.count + 1))
                    rest = c
                }
                // Stray spaces, as in the real file (every 9th attribute's description).
                sheet.set(r.row, 2, r.attribute)
                sheet.set(r.row, 3, blockIndex % 9 == 0 ? description + " " : description)
                if let rest { pendingContinuation = (r.row + 1, rest) }
            } else if let (row, text) = pendingContinuation, row == r.row {
                sheet.set(row, 3, text == "- on grid level -" ? " - on grid level -" : text)
                pendingContinuation = nil
            }
            // The value cell: numbers as numbers, everything else as text.
            if let n = Int(r.value), r.attribute != "ORTSGR_KLS9" {
                sheet.set(r.row, 4, number: n)
            } else {
                sheet.set(r.row, 4, r.value)
            }
            // Meaning: merged runs keep only the top cell.
            let continuesMerge = r.fromMergedCell && !newBlock && previous?.meaning == r.meaning && previous.map { $0.row + 1 == r.row } == true
            if continuesMerge {
                if mergeTop == nil { mergeTop = previous!.row }
            } else {
                if let p = previous { closeMerge(at: p.row) }
                sheet.set(r.row, 5, blockIndex % 11 == 0 ? r.meaning + " " : r.meaning)
            }
            previous = r
        }
        if let p = previous { closeMerge(at: p.row) }
        return WorkbookWriter(sheets: [sheet, .init(name: "Tabelle2"), .init(name: "Tabelle3")])
    }

    public static func levels() -> WorkbookWriter {
        var sheet = WorkbookWriter.SheetContent(name: "Komplett")
        for (c, h) in ["Information level", "Attribute", "Description", "Additional notes"].enumerated() { sheet.set(2, c + 2, h) }
        let rows = FullReference.levelRows
        // Level and notes: runs of equal values are merged cells with the text in the top cell.
        func runs(_ value: (FullReference.LevelRow) -> String, column: Int) {
            var i = 0
            while i < rows.count {
                let v = value(rows[i])
                var j = i
                while j + 1 < rows.count && value(rows[j + 1]) == v && rows[j + 1].row == rows[j].row + 1 { j += 1 }
                if !v.isEmpty {
                    sheet.set(rows[i].row, column, v == "Postcode" ? "Postcode " : v)
                    if j > i {
                        sheet.merged.append(Workbook.CellAddress(row: rows[i].row, column: column)...Workbook.CellAddress(row: rows[j].row, column: column))
                    }
                }
                i = j + 1
            }
        }
        runs(\.level, column: 2)
        runs(\.notes, column: 5)
        for r in rows {
            sheet.set(r.row, 3, r.attribute)
            sheet.set(r.row, 4, r.description)
        }
        return WorkbookWriter(sheets: [sheet])
    }
}
