import Foundation
import Testing
import SegmentTestSupport
import SegmentCore
@_spi(Testing) @testable import SegmentData

/// The fuzzers' seeds and every input they ever found a crash with (Tests/Fixtures/fuzz), replayed
/// through the same checks as the fuzz targets: a table with its invariants, or a DataError.
@Suite("Fuzz regression fixtures")
struct FuzzRegressionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    static func files(_ prefix: String, seeds: String) -> [URL] {
        let fm = FileManager.default
        let found = (try? fm.contentsOfDirectory(at: root, includingPropertiesForKeys: nil)) ?? []
        let seedFiles = (try? fm.contentsOfDirectory(at: root.appendingPathComponent(seeds), includingPropertiesForKeys: nil)) ?? []
        return found.filter { $0.lastPathComponent.hasPrefix(prefix) } + seedFiles
    }

    @Test("CSV inputs load or fail with a DataError, on one thread and two, fast parser or exact")
    func csv() throws {
        let inputs = Self.files("csv-", seeds: "seeds-csv")
        #expect(inputs.count >= 2)
        let schema = FeatureSchema(features: [
            Feature(name: "A", informationLevel: "person", type: .ordinal, missingCodes: [.number(-1)]),
            Feature(name: "CAMEO_DEU_2015", informationLevel: "microcell_rr4", type: .categorical, missingCodes: [.text("XX")]),
            Feature(name: "B", informationLevel: "person", type: .numeric, missingCodes: []),
        ])
        for url in inputs {
            let bytes = [UInt8](try Data(contentsOf: url))
            var results: [String] = []
            for (threads, fast) in [(1, true), (2, true), (1, false)] {
                var loader = CSVLoader(schema: schema, threads: threads)
                loader.segmentRows = 3
                loader.fastPath = fast
                do {
                    let t = try loader.load(bytes: bytes, name: "fuzz.csv")
                    for r in 0..<t.rowCount {
                        let v = t[r, 1]
                        #expect(v.isNaN || (v >= 0 && Int(v) < t.dictionaries[1]!.count))
                    }
                    results.append("rows \(t.rowCount): \(t.rowMajorValues().storage.map(\.bitPattern)) \(t.dictionaries[1] ?? [])")
                } catch let e as DataError {
                    results.append(e.description)
                }
            }
            #expect(results[0] == results[1], "\(url.lastPathComponent): thread counts disagree")
            #expect(results[0] == results[2], "\(url.lastPathComponent): the fast and the exact parser disagree")
        }
    }

    @Test("summary inputs parse (and survive a write-back) or fail with a DataError")
    func summary() throws {
        let inputs = Self.files("summary-", seeds: "seeds-summary")
        #expect(inputs.count >= 2)
        for url in inputs {
            do {
                let s = try FeatureSchema.parse([UInt8](try Data(contentsOf: url)), file: "fuzz.csv")
                #expect(try FeatureSchema.parse(Array(s.summaryFileText().utf8), file: "again.csv") == s)
            } catch is DataError {}
        }
    }

    @Test("xlsx inputs (the seeds and any crash the fuzzer kept) read or fail with a DataError naming the file")
    func xlsx() throws {
        let inputs = Self.files("xlsx-", seeds: "seeds-xlsx")
        #expect(inputs.count >= 2)
        for url in inputs {
            do {
                let book = try Workbook.read(bytes: [UInt8](try Data(contentsOf: url)), file: "fuzz.xlsx")
                _ = try? DIASMetadata.from(workbooks: [book])
            } catch let e as DataError {
                #expect(e.description.hasPrefix("fuzz.xlsx"))
            }
        }
        // The seeds are the generated DIAS files: they read back to the published metadata's size.
        let values = try Workbook.read(bytes: [UInt8](try Data(contentsOf: inputs.first { $0.lastPathComponent == "values.xlsx" }!)), file: "v")
        #expect(try DIASMetadata.from(workbooks: [values]).attributes.count == 314)
    }
}
