import Foundation
import Testing
import SegmentCore
@_spi(Testing) import SegmentData
import SegmentSynthetic

// What several test targets share: small fixtures, a generated data set, and checks. A library of
// the test tree, never linked into the tool.

/// A three-column schema that covers a numeric, a float-formatted and a text column.
public let tinySchema = FeatureSchema(features: [
    Feature(name: "A", informationLevel: "person", type: .ordinal, missingCodes: [.number(-1)]),
    Feature(name: "B", informationLevel: "person", type: .numeric, missingCodes: []),
    Feature(name: "CAMEO_DEU_2015", informationLevel: "microcell_rr4", type: .categorical, missingCodes: [.text("XX")]),
])

public func load(_ text: String, schema: FeatureSchema = tinySchema, threads: Int = 1, segmentRows: Int = 16_384,
          delimiter: UInt8? = nil) throws -> RawTable {
    var loader = CSVLoader(schema: schema, delimiter: delimiter, threads: threads)
    loader.segmentRows = segmentRows
    return try loader.load(bytes: Array(text.utf8), name: "t.csv")
}

public func loadBytes(_ bytes: [UInt8]) throws -> RawTable {
    try CSVLoader(schema: tinySchema, threads: 1).load(bytes: bytes, name: "t.csv")
}

/// The canonical summary file, as the generator writes it (byte-identical layout to the published one).
public let canonicalSummary = FeatureSchema.azdias.summaryFileText()

public func parseSummary(_ text: String, file: String = "summary.csv") throws -> FeatureSchema {
    try FeatureSchema.parse(Array(text.utf8), file: file)
}

public func expectDataError(_ body: () throws -> Void, _ check: (DataError) -> Bool,
                     sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("expected a DataError", sourceLocation: sourceLocation)
    } catch let e as DataError {
        #expect(check(e), "unexpected error: \(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a DataError, got \(error)", sourceLocation: sourceLocation)
    }
}

/// One small generated data set shared by the tests below (generated once; debug builds are slow).
public final class GeneratedData: @unchecked Sendable {
    public static let shared = GeneratedData()
    public let directory: String
    public let generator: SyntheticGenerator
    public let truth: SyntheticTruth
    public let population: RawTable
    public let customers: RawTable

    public init() {
        directory = processTemporaryFolder("segment-gen")
        generator = SyntheticGenerator(populationRows: 30_000, customerRows: 12_000, seed: 7, threads: 2)
        truth = try! generator.write(to: directory)
        let loader = CSVLoader(schema: .azdias, threads: 2)
        population = try! loader.load(path: directory + "/azdias.csv")
        customers = try! loader.load(path: directory + "/customers.csv")
    }
}

public func sameWithNaN(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { ($0.isNaN && $1.isNaN) || $0 == $1 }
}

