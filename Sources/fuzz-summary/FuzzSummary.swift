// libFuzzer target for the feature-summary parser (`make fuzz`); see fuzz-csv for the two builds.
import Foundation
import SegmentKit

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

#if FUZZING
// SwiftPM links an executable's entry point as `main`, so libFuzzer's own main is not used; hand
// control to its driver instead.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt) -> CInt

@main
struct FuzzDriver {
    static func main() {
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzSummary(data, size) }))
    }
}
#else
@main
struct ReplaySummary {
    static func main() throws {
        for path in CommandLine.arguments.dropFirst() {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            _ = data.withUnsafeBytes { fuzzSummary($0.bindMemory(to: UInt8.self).baseAddress ?? UnsafePointer(bitPattern: 1)!, data.count) }
            print("ok \(path)")
        }
    }
}
#endif
