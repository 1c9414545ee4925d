// libFuzzer target for model files (`make fuzz`): what `segment score` reads. FuzzSupport supplies
// the entry point. A model that passes the checks must then place people without trapping, and
// every low-missing person's distance must be a finite number.
import Foundation
import FuzzSupport
import SegmentCore
import SegmentData
import SegmentAnalysis

/// A few rows for a model's own schema: small codes, some missing, the same every time.
func rows(for schema: FeatureSchema) -> [UInt8] {
    var text = schema.names.joined(separator: ";") + "\n"
    for r in 0..<24 {
        text += schema.features.indices.map { c in (r * 7 + c * 3) % 11 == 0 ? "" : String((r + c) % 9 + 1) }
            .joined(separator: ";") + "\n"
    }
    return Array(text.utf8)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let fitted: FittedPipeline
    do {
        fitted = try FittedPipeline.read(bytes: bytes, file: "fuzz.json")
    } catch let e as DataError {
        precondition(e.description.hasPrefix("fuzz.json: "))
        return 0
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    do {
        let table = try CSVLoader(schema: fitted.recipe.schema, threads: 1).load(bytes: rows(for: fitted.recipe.schema), name: "rows.csv")
        let a = try fitted.assign(table, backend: SwiftBackend(threads: 1), threads: 1)
        for r in a.group.indices where a.group[r] >= 0 {
            precondition(a.distance[r].isFinite, "a non-finite distance from a model that passed the checks")
            precondition(Int(a.group[r]) < fitted.kmeans.k, "a segment the model does not have")
        }
        for l in a.likeness where !l.isNaN { precondition(l >= 0, "a negative likeness") }
    } catch is DataError {
    } catch {
        // Other library errors (a data error the rows provoke, e.g. nothing low-missing) are fine;
        // a trap is not, and would have ended the process before this point.
    }
    return 0
}

@main
struct Main {
    static func main() throws { try fuzzMain({ data, size in fuzzModel(data, size) }) }
}
