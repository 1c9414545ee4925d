// libFuzzer target for the feature-summary parser (`make fuzz`); FuzzSupport supplies the entry point.
import Foundation
import FuzzSupport
import SegmentData

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSummary(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    do {
        let schema = try FeatureSchema.parse(bytes, file: "fuzz.csv")
        // Invariant: what it writes back parses to the same schema.
        let again = try FeatureSchema.parse(Array(schema.summaryFileText().utf8), file: "again.csv")
        precondition(again == schema, "round trip changed the schema")
    } catch let e as DataError {
        precondition(!e.description.isEmpty)
    } catch {
        preconditionFailure("unexpected error type: \(error)")
    }
    return 0
}

@main
struct Main {
    static func main() throws { try fuzzMain({ data, size in fuzzSummary(data, size) }) }
}
