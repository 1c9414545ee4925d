// libFuzzer target for the xlsx reader and the DIAS metadata parser (`make fuzz`); FuzzSupport
// supplies the entry point. The seeds are small spreadsheets with the real files' quirks
// (Tests/Fixtures/fuzz/seeds-xlsx); the fuzzer mutates their zip bytes.
import Foundation
import FuzzSupport
import SegmentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzXLSX(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let book = try Workbook.read(bytes: bytes, file: "fuzz.xlsx")
        // Invariant: every cell address read is a real cell of the sheet, merged ranges are ordered.
        for sheet in book.sheets {
            for a in sheet.cells.keys { precondition(a.row >= 1 && a.column >= 1) }
            for m in sheet.merged { precondition(m.lowerBound.row <= m.upperBound.row && m.lowerBound.column <= m.upperBound.column) }
        }
        _ = try? DIASMetadata.from(workbooks: [book])
    } catch let e as DataError {
        precondition(e.description.hasPrefix("fuzz.xlsx"))
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    return 0
}

@main
struct Main {
    static func main() throws { try fuzzMain({ data, size in fuzzXLSX(data, size) }) }
}
