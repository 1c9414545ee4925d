// libFuzzer target for the CSV loader (`make fuzz`); FuzzSupport supplies the entry point.
import Foundation
import FuzzSupport
import SegmentCore
@_spi(Testing) import SegmentData

/// A small schema (a numeric, a text and a float column) so that short inputs reach deep code.
let fuzzSchema = FeatureSchema(features: [
    Feature(name: "A", informationLevel: "person", type: .ordinal, missingCodes: [.number(-1)]),
    Feature(name: "CAMEO_DEU_2015", informationLevel: "microcell_rr4", type: .categorical, missingCodes: [.text("XX")]),
    Feature(name: "B", informationLevel: "person", type: .numeric, missingCodes: []),
])

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var outcomes: [String] = []
    for (threads, fast) in [(1, true), (2, true), (1, false)] {
        var loader = CSVLoader(schema: fuzzSchema, threads: threads)
        loader.segmentRows = 3
        loader.fastPath = fast
        do {
            let t = try loader.load(bytes: bytes, name: "fuzz.csv")
            let cells = (0..<t.rowCount).flatMap { r in (0..<3).map { t[r, $0].bitPattern } }
            outcomes.append("\(cells) \(t.codes.widths) \(t.dictionaries[1] ?? [])")
            // Invariants: shape, and every text cell indexes its dictionary.
            precondition(t.codes.columns == 3)
            for r in 0..<t.rowCount {
                let v = t[r, 1]
                precondition(v.isNaN || (v >= 0 && Int(v) < t.dictionaries[1]!.count))
                _ = t.text(row: r, column: 0)
            }
        } catch let e as DataError {
            precondition(!e.description.isEmpty)
            outcomes.append(e.description)
        } catch {
            preconditionFailure("unexpected error type: \(error)")
        }
    }
    // The same table or the same message whatever the thread count, fast parser or exact.
    precondition(outcomes.allSatisfy { $0 == outcomes[0] }, "outcomes differ: \(outcomes)")
    return 0
}

@main
struct Main {
    static func main() throws { try fuzzMain({ data, size in fuzzCSV(data, size) }) }
}
