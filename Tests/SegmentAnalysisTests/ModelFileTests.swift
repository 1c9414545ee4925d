import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
import SegmentData
@testable import SegmentAnalysis

/// Model files as `segment score` reads them (`FittedPipeline.read`): the fuzzer's seeds (a real,
/// small model: 5 features, 2 components, k = 2) and any input the fuzzer found a problem with.
@Suite("Model files")
struct ModelFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    @Test("the seed models read, pass every check and place people with finite distances")
    func seeds() throws {
        let seeds = try FileManager.default.contentsOfDirectory(at: Self.root.appendingPathComponent("seeds-model"),
                                                                 includingPropertiesForKeys: nil)
        #expect(seeds.count >= 3)   // format 3, and format 2 (legacy encodings) still read
        for url in seeds {
            let fitted = try FittedPipeline.read(path: url.path)
            #expect(fitted.recipe.schema.count == 5 && fitted.kmeans.k == 2)
            var text = fitted.recipe.schema.names.joined(separator: ";") + "\n"
            for r in 0..<30 { text += (0..<5).map { String((r + $0) % 4 + 1) }.joined(separator: ";") + "\n" }
            let table = try CSVLoader(schema: fitted.recipe.schema, threads: 1).load(bytes: Array(text.utf8), name: "rows.csv")
            let a = try fitted.assign(table, backend: SwiftBackend(threads: 1), threads: 1)
            #expect(a.group.allSatisfy { $0 == 0 || $0 == 1 })
            #expect(a.distance.allSatisfy { $0.isFinite })
        }
    }

    @Test("edits the checks must catch: each a DataError naming the file and the field")
    func edits() throws {
        let path = Self.root.appendingPathComponent("seeds-model/small-v2-min.json").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let cases: [(String, String, String)] = [
            ("\"formatVersion\":", "\"formatVersion\":99,\"was\":", "formatVersion"),
            ("\"scale\":[", "\"scale\":[0,", "scaler.scale"),
            ("\"fill\":[", "\"fill\":[1e200,", "imputer.fill"),
        ]
        for (from, to, field) in cases {
            guard text.contains(from) else { Issue.record("the seed has no \(from)"); continue }
            let edited = text.replacingOccurrences(of: from, with: to)
            #expect {
                _ = try FittedPipeline.read(bytes: Array(edited.utf8), file: "edited.json")
            } throws: { error in
                let message = "\(error)"
                return error is DataError && message.hasPrefix("edited.json: ") && message.contains(field)
            }
        }
    }
}
